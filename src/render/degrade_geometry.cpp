// Geometric part of degrade(): one forward map page -> image, inverted on a
// coarse lattice and applied with a single remap.

#include <algorithm>
#include <cmath>

#include <opencv2/imgproc.hpp>

#include "core/homography.hpp"
#include "render/degrade_ops.hpp"

namespace ecgdig {
inline namespace v1 {
namespace degrade_detail {

namespace {

// Lattice spacing of the inverse map. Creases are at least 8 px wide, so the
// bilinear error between nodes stays below ~0.2 px.
constexpr int kLatticeStepPx = 8;
// Far outside every page: marks output pixels that see no page at all.
constexpr double kNowherePx = -1e5;

// The trace is kept where its bilinear coverage (of 32 x 32 = 1024) reaches
// 30 %: a 1 px trace keeps at least one pixel at any sub-pixel offset and
// under mild shrinking, which plain nearest-neighbour sampling does not
// guarantee. Grid, text and page use nearest neighbour, which is cheaper.
constexpr int kTraceCoverage = 307;

// The packed labels at fixed-point position (ix, iy) / 32; binary by construction.
inline std::uint8_t warp_label(const std::uint8_t *labels, std::size_t step, int cols, int rows, int ix, int iy) {
  const int x0 = ix >> 5, y0 = iy >> 5;
  std::uint8_t l00, l01, l10, l11;
  if (unsigned(x0) < unsigned(cols - 1) && unsigned(y0) < unsigned(rows - 1)) {
    const std::uint8_t *p = labels + std::size_t(y0) * step + x0;
    l00 = p[0], l01 = p[1], l10 = p[step], l11 = p[step + 1];
  } else {
    auto at = [&](int x, int y) -> std::uint8_t {
      return (unsigned(x) < unsigned(cols) && unsigned(y) < unsigned(rows)) ? labels[std::size_t(y) * step + x] : 0;
    };
    l00 = at(x0, y0), l01 = at(x0 + 1, y0), l10 = at(x0, y0 + 1), l11 = at(x0 + 1, y0 + 1);
  }
  const int fx = ix & 31, fy = iy & 31;
  std::uint8_t out = fy >= 16 ? (fx >= 16 ? l11 : l10) : (fx >= 16 ? l01 : l00);
  const int traces = (l00 & kTraceBit) + (l01 & kTraceBit) + (l10 & kTraceBit) + (l11 & kTraceBit);
  if (traces != 0 && traces != 4) {  // only at the edges of the trace
    const int coverage = (l00 & kTraceBit) * (32 - fx) * (32 - fy) + (l01 & kTraceBit) * fx * (32 - fy) +
                         (l10 & kTraceBit) * (32 - fx) * fy + (l11 & kTraceBit) * fx * fy;
    out = std::uint8_t((out & ~kTraceBit) | (coverage >= kTraceCoverage ? kTraceBit : 0));
  }
  return out;
}

}  // namespace

Rng::Rng(std::uint64_t seed, std::uint64_t stream)
    : state_(seed * 0x9E3779B97F4A7C15ULL + (stream + 1) * 0xD1B54A32D192ED03ULL) {
  next();
}

double Rng::uniform(double lo, double hi) {
  return lo + (hi - lo) * double(next() >> 11) * 0x1.0p-53;
}

int Rng::uniform_int(int lo, int hi) {
  if (hi <= lo) return lo;
  return lo + int(next() % std::uint64_t(hi - lo + 1));
}

bool Rng::chance(double p) { return p > 0 && uniform(0, 1) < p; }

double Rng::normal() {
  const double u = std::max(uniform(0, 1), 1e-300);
  return std::sqrt(-2 * std::log(u)) * std::cos(2 * CV_PI * uniform(0, 1));
}

bool Warp::identity() const {
  return !nonlinear() && homography == cv::Matx33d::eye() && out_size == page_size;
}

cv::Vec2d Warp::displacement(const cv::Vec2d &p, cv::Matx22d *jacobian) const {
  cv::Vec2d d(0, 0);
  cv::Matx22d j = cv::Matx22d::zeros();
  for (const auto &w : waves) {
    const double arg = w.k_rad_per_px.dot(p) + w.phase;
    d += w.amplitude_px * std::sin(arg);
    const double c = std::cos(arg);
    for (int r = 0; r < 2; ++r)
      for (int k = 0; k < 2; ++k) j(r, k) += w.amplitude_px[r] * w.k_rad_per_px[k] * c;
  }
  if (bend_px != 0) {
    const double u = 2 * (p[0] - centre.x) / page_size.width;
    const double v = (p[1] - centre.y) / (0.5 * page_size.height);
    d[1] += bend_px * u * u * v;
    j(1, 0) += bend_px * 2 * u * (2.0 / page_size.width) * v;
    j(1, 1) += bend_px * u * u * (2.0 / page_size.height);
  }
  for (const auto &c : creases) {
    const double t = std::tanh((c.normal.dot(p) - c.offset_px) / c.width_px);
    d += c.normal * (c.shift_px * t);
    const double g = c.shift_px * (1 - t * t) / c.width_px;
    for (int r = 0; r < 2; ++r)
      for (int k = 0; k < 2; ++k) j(r, k) += c.normal[r] * c.normal[k] * g;
  }
  if (jacobian) *jacobian = j;
  return d;
}

cv::Point2d Warp::forward(const cv::Point2d &page_px) const {
  cv::Vec2d p(page_px.x, page_px.y);
  if (nonlinear()) p += displacement(p, nullptr);
  return detail::apply_homography(homography, {p[0], p[1]});
}

cv::Point2d Warp::inverse(const cv::Point2d &out_px) const {
  const cv::Vec3d h = homography.inv() * cv::Vec3d(out_px.x, out_px.y, 1);
  if (h[2] <= 1e-12) return {kNowherePx, kNowherePx};
  const cv::Vec2d q(h[0] / h[2], h[1] / h[2]);
  if (!nonlinear()) return {q[0], q[1]};
  // D is smooth with a Jacobian well below 1, so Newton from q - D(q)
  // converges in a few steps.
  cv::Vec2d p = q - displacement(q, nullptr);
  for (int it = 0; it < 8; ++it) {
    cv::Matx22d j;
    const cv::Vec2d r = p + displacement(p, &j) - q;
    if (r.dot(r) < 1e-10) break;
    p -= (cv::Matx22d::eye() + j).inv() * r;
  }
  return {p[0], p[1]};
}

cv::Mat inverse_lattice(const Warp &warp, int step_px) {
  const int nx = (warp.out_size.width - 1 + step_px - 1) / step_px + 1;
  const int ny = (warp.out_size.height - 1 + step_px - 1) / step_px + 1;
  cv::Mat lattice(ny, nx, CV_32FC2);
  const cv::Matx33d inv = warp.homography.inv();
  for (int j = 0; j < ny; ++j) {
    auto *row = lattice.ptr<cv::Vec2f>(j);
    for (int i = 0; i < nx; ++i) {
      cv::Point2d p;
      if (warp.nonlinear()) {
        p = warp.inverse({double(i * step_px), double(j * step_px)});
      } else {
        const cv::Vec3d h = inv * cv::Vec3d(i * step_px, j * step_px, 1);
        p = h[2] > 1e-12 ? cv::Point2d(h[0] / h[2], h[1] / h[2]) : cv::Point2d(kNowherePx, kNowherePx);
      }
      row[i] = cv::Vec2f(float(p.x), float(p.y));
    }
  }
  return lattice;
}

void apply_warp(const Warp &warp, const cv::Mat &bgr, const cv::Mat &labels, cv::Mat &bgr_out,
                cv::Mat &labels_out) {
  const cv::Matx33d &h = warp.homography;
  const cv::Rect frame(cvRound(-h(0, 2)), cvRound(-h(1, 2)), warp.out_size.width, warp.out_size.height);
  if (!warp.nonlinear() && h(0, 0) == 1 && h(0, 1) == 0 && h(1, 0) == 0 && h(1, 1) == 1 && h(2, 0) == 0 &&
      h(2, 1) == 0 && h(2, 2) == 1 && frame.x == -h(0, 2) && frame.y == -h(1, 2) &&
      (frame & cv::Rect(0, 0, bgr.cols, bgr.rows)) == frame) {
    // A plain crop: cut the frame out, no resampling.
    bgr_out = bgr(frame).clone();
    labels_out = labels(frame).clone();
    return;
  }
  constexpr int step = kLatticeStepPx;
  constexpr float inv_step = 1.0f / step;
  cv::Mat lattice = inverse_lattice(warp, step);
  // Keep far-away positions (no page there) inside the 16-bit range of the
  // fixed-point map; clamping the nodes clamps everything between them.
  const float margin = 64.f;
  for (int j = 0; j < lattice.rows; ++j) {
    auto *node = lattice.ptr<cv::Vec2f>(j);
    for (int i = 0; i < lattice.cols; ++i) {
      node[i][0] = std::clamp(node[i][0], -margin, float(bgr.cols) + margin);
      node[i][1] = std::clamp(node[i][1], -margin, float(bgr.rows) + margin);
    }
  }
  // Bilinear expansion of the lattice to every pixel. Pixel positions are
  // multiples of 1/8 of a lattice cell, exact in OpenCV's 5-bit fixed point,
  // so warpAffine does it exactly and vectorised.
  cv::Mat map;
  cv::warpAffine(lattice, map, cv::Matx23d(inv_step, 0, 0, 0, inv_step, 0), warp.out_size,
                 cv::INTER_LINEAR | cv::WARP_INVERSE_MAP, cv::BORDER_REPLICATE);
  // OpenCV's fixed-point map: integer position + 5-bit fractions; remap and
  // the label pass below share it.
  cv::Mat xy, frac;
  cv::convertMaps(map, cv::noArray(), xy, frac, CV_16SC2);

  labels_out.create(warp.out_size, CV_8UC1);
  const int in_cols = labels.cols, in_rows = labels.rows;
  const auto *lab_in = labels.ptr<std::uint8_t>(0);
  const std::size_t lab_step = labels.step[0];
  for (int y = 0; y < labels_out.rows; ++y) {
    const auto *xy_row = xy.ptr<short>(y);
    const auto *frac_row = frac.ptr<std::uint16_t>(y);
    auto *lab_row = labels_out.ptr<std::uint8_t>(y);
    for (int x = 0; x < labels_out.cols; ++x) {
      const int ix = xy_row[2 * x] * 32 + (frac_row[x] & 31);
      const int iy = xy_row[2 * x + 1] * 32 + (frac_row[x] >> 5);
      lab_row[x] = warp_label(lab_in, lab_step, in_cols, in_rows, ix, iy);
    }
  }
  cv::remap(bgr, bgr_out, xy, frac, cv::INTER_LINEAR, cv::BORDER_REPLICATE);
}

}  // namespace degrade_detail
}  // namespace v1
}  // namespace ecgdig
