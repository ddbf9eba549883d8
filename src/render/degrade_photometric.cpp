// Photometric part of degrade(): what paper, copier, light, lens, sensor and
// codec do to the pixels. None of these steps moves anything on the page.

#include <algorithm>
#include <array>
#include <cmath>

#include <fmt/format.h>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "render/degrade_ops.hpp"

namespace ecgdig {
inline namespace v1 {
namespace degrade_detail {

namespace {

// Sizes below are tuned for a 1100 px wide page and scale with the page.
double page_scale(const cv::Mat &image) { return std::max(image.cols, image.rows) / 1100.0; }

std::uint8_t to_u8(float v) { return cv::saturate_cast<std::uint8_t>(v); }

// Darkens `roi` of `bgr` like a translucent dye: the weight in `mask` (0..255)
// pulls every channel towards `tint_bgr` multiplicatively.
void dye(cv::Mat &bgr, const cv::Rect &roi, const cv::Mat &mask, const cv::Vec3d &tint_bgr,
         double strength) {
  std::array<float, 3> absorb{};
  for (int c = 0; c < 3; ++c) absorb[c] = float(strength * (1.0 - tint_bgr[c] / 255.0) / 255.0);
  for (int y = 0; y < roi.height; ++y) {
    auto *px = bgr.ptr<cv::Vec3b>(roi.y + y) + roi.x;
    const auto *m = mask.ptr<std::uint8_t>(y);
    for (int x = 0; x < roi.width; ++x) {
      if (!m[x]) continue;
      for (int c = 0; c < 3; ++c) px[x][c] = to_u8(px[x][c] * (1.f - absorb[c] * m[x]));
    }
  }
}

// An irregular closed outline around `centre`: a circle whose radius wobbles.
std::vector<cv::Point> blob_outline(cv::Point2d centre, double radius_px, double aspect, Rng &rng) {
  const double p1 = rng.uniform(0, 2 * CV_PI), p2 = rng.uniform(0, 2 * CV_PI);
  const double a1 = rng.uniform(0.05, 0.2), a2 = rng.uniform(0.02, 0.12);
  const double tilt = rng.uniform(0, CV_PI);
  std::vector<cv::Point> pts;
  for (int k = 0; k < 40; ++k) {
    const double t = 2 * CV_PI * k / 40;
    const double r = radius_px * (1 + a1 * std::sin(2 * t + p1) + a2 * std::sin(3 * t + p2));
    const double ex = r * std::cos(t), ey = r * aspect * std::sin(t);
    pts.emplace_back(cvRound(centre.x + ex * std::cos(tilt) - ey * std::sin(tilt)),
                     cvRound(centre.y + ex * std::sin(tilt) + ey * std::cos(tilt)));
  }
  return pts;
}

void draw_stain(cv::Mat &bgr, bool ring, Rng &rng) {
  const double s = page_scale(bgr);
  const cv::Point2d centre(rng.uniform(0, bgr.cols), rng.uniform(0, bgr.rows));
  const double radius = rng.uniform(12, 70) * s;
  const int reach = int(std::ceil(radius * 1.6 + 8 * s));
  const cv::Rect roi = cv::Rect(cvFloor(centre.x) - reach, cvFloor(centre.y) - reach, 2 * reach,
                                2 * reach) &
                       cv::Rect(0, 0, bgr.cols, bgr.rows);
  if (roi.empty()) return;
  cv::Mat mask = cv::Mat::zeros(roi.size(), CV_8UC1);
  auto outline = blob_outline(centre - cv::Point2d(roi.tl()), radius, rng.uniform(0.6, 1.0), rng);
  if (ring) {
    // Coffee rings: dye collects at the rim, a faint wash inside.
    cv::fillPoly(mask, std::vector<std::vector<cv::Point>>{outline}, cv::Scalar(rng.uniform(40, 90)));
    cv::polylines(mask, outline, true, cv::Scalar(255), std::max(1, cvRound(rng.uniform(1.5, 5) * s)),
                  cv::LINE_AA);
  } else {
    cv::fillPoly(mask, std::vector<std::vector<cv::Point>>{outline}, cv::Scalar(255), cv::LINE_AA);
  }
  cv::GaussianBlur(mask, mask, cv::Size(0, 0), rng.uniform(0.8, 3.5) * s);
  static const std::array<cv::Vec3d, 4> kTints = {cv::Vec3d(60, 110, 165),   // coffee
                                                  cv::Vec3d(110, 190, 225),  // tea / yellowed
                                                  cv::Vec3d(140, 140, 140),  // grime
                                                  cv::Vec3d(200, 140, 90)};  // blue ink wash
  cv::Vec3d tint = kTints[rng.uniform_int(0, int(kTints.size()) - 1)];
  for (int c = 0; c < 3; ++c) tint[c] = std::clamp(tint[c] + rng.uniform(-20, 20), 0.0, 255.0);
  dye(bgr, roi, mask, tint, rng.uniform(0.25, 0.75));
}

void draw_scribble(cv::Mat &bgr, Rng &rng) {
  const double s = page_scale(bgr);
  static const std::array<cv::Scalar, 3> kInks = {cv::Scalar(140, 50, 20),  // blue ballpoint
                                                  cv::Scalar(35, 30, 30),   // black pen
                                                  cv::Scalar(90, 90, 90)};  // pencil
  const cv::Scalar ink = kInks[rng.uniform_int(0, int(kInks.size()) - 1)];
  const int thickness = std::max(1, cvRound(rng.uniform(0.8, 2.5) * s));
  const double step = rng.uniform(8, 35) * s;
  cv::Point2d p0(rng.uniform(0, bgr.cols), rng.uniform(0, bgr.rows));
  cv::Point2d heading(rng.uniform(-1, 1), rng.uniform(-0.3, 0.3));
  std::vector<cv::Point> pts;
  const int segments = rng.uniform_int(3, 10);
  for (int k = 0; k < segments; ++k) {
    // Handwriting-like: loops and zigzags along a drifting baseline.
    const cv::Point2d p3 = p0 + heading * step + cv::Point2d(rng.normal(), rng.normal()) * (0.6 * step);
    const cv::Point2d p1 = p0 + cv::Point2d(rng.normal(), rng.normal()) * step;
    const cv::Point2d p2 = p3 + cv::Point2d(rng.normal(), rng.normal()) * step;
    for (int i = 0; i < 16; ++i) {
      const double t = i / 16.0, u = 1 - t;
      const cv::Point2d q = u * u * u * p0 + 3 * u * u * t * p1 + 3 * u * t * t * p2 + t * t * t * p3;
      pts.emplace_back(cvRound(q.x), cvRound(q.y));
    }
    p0 = p3;
  }
  pts.emplace_back(cvRound(p0.x), cvRound(p0.y));
  cv::polylines(bgr, pts, false, ink, thickness, cv::LINE_AA);
}

// Gain fields are smooth, so they are built on a coarse grid and upsampled.
constexpr int kGainStepPx = 16;

}  // namespace

std::string draw_stains(cv::Mat &bgr, int max_count, Rng &rng) {
  const int count = rng.uniform_int(1, max_count);
  int stains = 0, rings = 0, scribbles = 0;
  for (int k = 0; k < count; ++k) {
    switch (rng.uniform_int(0, 2)) {
      case 0: draw_stain(bgr, false, rng); ++stains; break;
      case 1: draw_stain(bgr, true, rng); ++rings; break;
      default: draw_scribble(bgr, rng); ++scribbles; break;
    }
  }
  return fmt::format("stains blotches={} rings={} scribbles={}", stains, rings, scribbles);
}

std::string photocopy(cv::Mat &bgr, cv::Mat &labels, Rng &rng) {
  // The copier's spectral response decides how dark a red grid comes out:
  // red-weighted sensors lose it, green/blue-weighted ones print it dark.
  cv::Vec3d w(rng.uniform(0, 0.4), rng.uniform(0, 1), rng.uniform(0, 1));
  w /= std::max(w[0] + w[1] + w[2], 1e-6);
  cv::Mat grey;
  cv::transform(bgr, grey, cv::Matx13f(float(w[0]), float(w[1]), float(w[2])));

  const bool threshold = rng.chance(0.5);
  const double dark = rng.uniform(0, 45), light = rng.uniform(215, 255);
  cv::Mat lut(1, 256, CV_8UC1);
  std::string mode;
  if (threshold) {
    const double level = rng.uniform(110, 200), soft = rng.uniform(2, 14);
    for (int g = 0; g < 256; ++g)
      lut.at<std::uint8_t>(g) = to_u8(float(dark + (light - dark) / (1 + std::exp(-(g - level) / soft))));
    mode = fmt::format("threshold level={:.0f} softness={:.1f}", level, soft);
  } else {
    const double gamma = rng.uniform(0.7, 1.6);
    for (int g = 0; g < 256; ++g)
      lut.at<std::uint8_t>(g) = to_u8(float(dark + (light - dark) * std::pow(g / 255.0, gamma)));
    mode = fmt::format("grey gamma={:.2f}", gamma);
  }
  cv::LUT(grey, lut, grey);

  // Grid lines that came out (nearly) as light as the paper are gone from
  // the picture, so they leave the grid mask too.
  cv::Mat paper_only;
  cv::compare(labels, cv::Scalar(kPageBit), paper_only, cv::CMP_EQ);
  const double paper = cv::countNonZero(paper_only) > 0 ? cv::mean(grey, paper_only)[0] : light;
  const int min_contrast = 16;
  int kept = 0, dropped = 0;
  for (int y = 0; y < grey.rows; ++y) {
    auto *lab = labels.ptr<std::uint8_t>(y);
    const auto *g = grey.ptr<std::uint8_t>(y);
    for (int x = 0; x < grey.cols; ++x) {
      if (!(lab[x] & kGridBit)) continue;
      if (paper - g[x] < min_contrast) {
        lab[x] &= std::uint8_t(~kGridBit);
        ++dropped;
      } else {
        ++kept;
      }
    }
  }
  cv::cvtColor(grey, bgr, cv::COLOR_GRAY2BGR);
  const double kept_fraction = kept + dropped == 0 ? 0.0 : double(kept) / (kept + dropped);
  return fmt::format("photocopy {} weights_bgr={:.2f},{:.2f},{:.2f} grid_kept={:.2f}", mode, w[0], w[1], w[2],
                     kept_fraction);
}

std::string shade_creases(cv::Mat &bgr, const std::vector<Crease> &creases) {
  for (const auto &c : creases) {
    const double line_w = std::max(1.2, 0.2 * c.width_px);
    const double glow_w = c.width_px;
    const double band = 3 * std::max(line_w, glow_w);
    for (int y = 0; y < bgr.rows; ++y) {
      int x0 = 0, x1 = bgr.cols - 1;
      const double rest = c.normal[1] * y - c.offset_px;
      if (std::abs(c.normal[0]) > 1e-9) {
        const double a = (-band - rest) / c.normal[0], b = (band - rest) / c.normal[0];
        x0 = std::max(0, int(std::floor(std::min(a, b))));
        x1 = std::min(bgr.cols - 1, int(std::ceil(std::max(a, b))));
      } else if (std::abs(rest) > band) {
        continue;
      }
      auto *px = bgr.ptr<cv::Vec3b>(y);
      for (int x = x0; x <= x1; ++x) {
        const double d = c.normal[0] * x + rest;
        const double e = d / glow_w;
        // A dark crest line plus a lit and a shaded flank.
        const double gain = 1 - c.shade * std::exp(-(d / line_w) * (d / line_w)) +
                            c.highlight * 1.2 * e * std::exp(-e * e);
        for (int ch = 0; ch < 3; ++ch) px[x][ch] = to_u8(float(px[x][ch] * gain));
      }
    }
  }
  return fmt::format("crease_shading count={}", creases.size());
}

std::string fill_background(cv::Mat &bgr, cv::Mat &labels, bool table, bool grey, Rng &rng) {
  cv::Mat off_page;
  cv::compare(labels & cv::Scalar(kPageBit), cv::Scalar(0), off_page, cv::CMP_EQ);
  const double s = page_scale(bgr);
  std::string what;
  cv::Mat fill;
  if (table) {
    static const std::array<cv::Vec3d, 4> kSurfaces = {cv::Vec3d(45, 85, 135),    // wood
                                                       cv::Vec3d(50, 50, 58),     // dark desk
                                                       cv::Vec3d(125, 125, 120),  // grey desk
                                                       cv::Vec3d(190, 200, 205)}; // light table
    const int kind = rng.uniform_int(0, int(kSurfaces.size()) - 1);
    cv::Vec3d base = kSurfaces[kind];
    for (int c = 0; c < 3; ++c) base[c] = std::clamp(base[c] + rng.uniform(-20, 20), 0.0, 255.0);
    // Grain: noise stretched along one axis; shading: a very coarse field.
    const bool along_x = rng.chance(0.5);
    cv::Mat grain(std::max(2, bgr.rows / (along_x ? 3 : 40)), std::max(2, bgr.cols / (along_x ? 40 : 3)),
                  CV_32FC1);
    cv::Mat shading(3, 3, CV_32FC1);
    for (auto it = grain.begin<float>(); it != grain.end<float>(); ++it) *it = float(rng.normal() * 10);
    for (auto it = shading.begin<float>(); it != shading.end<float>(); ++it) *it = float(rng.normal() * 18);
    cv::resize(grain, grain, bgr.size(), 0, 0, cv::INTER_LINEAR);
    cv::resize(shading, shading, bgr.size(), 0, 0, cv::INTER_CUBIC);
    fill.create(bgr.size(), CV_8UC3);
    for (int y = 0; y < bgr.rows; ++y) {
      auto *px = fill.ptr<cv::Vec3b>(y);
      const auto *g = grain.ptr<float>(y);
      const auto *h = shading.ptr<float>(y);
      for (int x = 0; x < bgr.cols; ++x)
        for (int c = 0; c < 3; ++c) px[x][c] = to_u8(float(base[c]) + g[x] + h[x]);
    }
    what = fmt::format("background table surface={}", kind);
  } else {
    const double lid = rng.uniform(170, 250);
    bgr.setTo(cv::Scalar(lid, lid, lid + rng.uniform(-4, 4)), off_page);
    what = fmt::format("background scanner_lid level={:.0f}", lid);
  }
  if (!fill.empty()) fill.copyTo(bgr, off_page);

  if (table && rng.chance(0.5)) {
    // A hand (palm and thumb) holding the page at one edge of the frame. It
    // hides whatever it covers, so the masks lose those pixels.
    const int side = rng.uniform_int(0, 3);
    const double along = rng.uniform(0.2, 0.8);
    cv::Point2d edge = side == 0   ? cv::Point2d(along * bgr.cols, 0)
                       : side == 1 ? cv::Point2d(bgr.cols - 1.0, along * bgr.rows)
                       : side == 2 ? cv::Point2d(along * bgr.cols, bgr.rows - 1.0)
                                   : cv::Point2d(0, along * bgr.rows);
    const cv::Point2d inward = side == 0 ? cv::Point2d(0, 1)
                               : side == 1 ? cv::Point2d(-1, 0)
                               : side == 2 ? cv::Point2d(0, -1)
                                           : cv::Point2d(1, 0);
    const cv::Scalar skin(rng.uniform(95, 150), rng.uniform(130, 175), rng.uniform(175, 230));
    const double palm = rng.uniform(70, 120) * s;
    const double angle = std::atan2(inward.y, inward.x) * 180 / CV_PI;
    const cv::Point palm_c = edge + inward * (palm * 0.3);
    const cv::Point thumb_c = edge + inward * (palm * 1.1) + cv::Point2d(inward.y, -inward.x) * (palm * 0.45);
    for (cv::Mat *target : {&bgr, &labels}) {
      const cv::Scalar colour = target == &bgr ? skin : cv::Scalar(0);
      cv::ellipse(*target, palm_c, cv::Size(cvRound(palm), cvRound(palm * 0.75)), angle, 0, 360, colour, -1);
      cv::ellipse(*target, thumb_c, cv::Size(cvRound(palm * 0.55), cvRound(palm * 0.2)), angle + 15, 0, 360,
                  colour, -1);
    }
    what += fmt::format(" hand side={}", side);
  }
  if (grey) {
    cv::Mat g;
    cv::cvtColor(bgr, g, cv::COLOR_BGR2GRAY);
    cv::cvtColor(g, bgr, cv::COLOR_GRAY2BGR);
  }
  return what;
}

std::string apply_light(cv::Mat &bgr, double illumination, double colour_cast, bool grey, Rng &rng) {
  const int gw = bgr.cols / kGainStepPx + 2, gh = bgr.rows / kGainStepPx + 2;
  cv::Mat gain(gh, gw, CV_32FC1, cv::Scalar(1));
  std::string what;
  if (illumination > 0) {
    const double a = rng.uniform(0.3, 1.0) * illumination;
    const double dir = rng.uniform(0, 2 * CV_PI);
    const double slope = rng.uniform(0.1, 0.45) * a;
    const cv::Point2d hot(rng.uniform(0, gw), rng.uniform(0, gh));
    const double vignette = rng.uniform(0, 0.35) * a;
    cv::Mat blotch(3, 3, CV_32FC1);
    for (auto it = blotch.begin<float>(); it != blotch.end<float>(); ++it)
      *it = float(rng.normal() * 0.12 * a);
    cv::resize(blotch, blotch, gain.size(), 0, 0, cv::INTER_CUBIC);
    const bool shadow = rng.chance(std::min(1.0, 1.2 * a));
    const double shadow_dir = rng.uniform(0, 2 * CV_PI);
    const cv::Point2d shadow_at(rng.uniform(0.2, 0.8) * gw, rng.uniform(0.2, 0.8) * gh);
    const double shadow_depth = rng.uniform(0.15, 0.5);
    const double shadow_soft = rng.uniform(0.6, 4.0);  // in lattice cells
    const double diag = std::hypot(gw, gh);
    for (int y = 0; y < gh; ++y) {
      auto *g = gain.ptr<float>(y);
      const auto *b = blotch.ptr<float>(y);
      for (int x = 0; x < gw; ++x) {
        double v = 1 + slope * ((x - gw / 2.0) * std::cos(dir) + (y - gh / 2.0) * std::sin(dir)) / (0.5 * diag);
        const double r = std::hypot(x - hot.x, y - hot.y) / diag;
        v *= 1 - vignette * r * r + b[x];
        if (shadow) {
          const double d = (x - shadow_at.x) * std::cos(shadow_dir) + (y - shadow_at.y) * std::sin(shadow_dir);
          v *= 1 - shadow_depth / (1 + std::exp(-d / shadow_soft));
        }
        g[x] = float(v);
      }
    }
    what = fmt::format("illumination strength={:.2f} shadow={}", a, shadow ? "yes" : "no");
  }
  cv::Vec3f cast(1, 1, 1);
  if (colour_cast > 0 && !grey) {
    const double c = rng.uniform(0.3, 1.0) * colour_cast;
    const double warm = rng.uniform(-1, 1) * c;  // + warm (tungsten), - cool (daylight / LED)
    const double tint = rng.uniform(-1, 1) * c;  // + green, - magenta
    cast = cv::Vec3f(float(1 - 0.25 * warm), float(1 + 0.1 * tint), float(1 + 0.2 * warm));
    const float top = std::max({cast[0], cast[1], cast[2]});
    cast *= float(rng.uniform(0.97, 1.06)) / top;
    if (!what.empty()) what += "; ";
    what += fmt::format("colour_cast gains_bgr={:.3f},{:.3f},{:.3f}", cast[0], cast[1], cast[2]);
  }
  cv::Mat full;
  cv::resize(gain, full, cv::Size((gw - 1) * kGainStepPx, (gh - 1) * kGainStepPx), 0, 0, cv::INTER_LINEAR);
  for (int y = 0; y < bgr.rows; ++y) {
    std::uint8_t *px = bgr.ptr<std::uint8_t>(y);
    const auto *g = full.ptr<float>(y);
    for (int x = 0; x < bgr.cols; ++x, px += 3) {
      px[0] = to_u8(px[0] * (g[x] * cast[0]));
      px[1] = to_u8(px[1] * (g[x] * cast[1]));
      px[2] = to_u8(px[2] * (g[x] * cast[2]));
    }
  }
  return what;
}

std::string blur(cv::Mat &bgr, double max_sigma_px, Rng &rng) {
  const double sigma = rng.uniform(0.3, 1.0) * max_sigma_px;
  if (rng.chance(0.3)) {
    // Camera shake: a short line kernel at a random angle.
    const double length = std::max(2.0, 2.5 * sigma);
    const double angle = rng.uniform(0, CV_PI);
    const int k = 2 * int(std::ceil(length / 2)) + 1;
    cv::Mat kernel = cv::Mat::zeros(k, k, CV_32FC1);
    const cv::Point2d c(k / 2.0 - 0.5, k / 2.0 - 0.5), d(std::cos(angle) * length / 2, std::sin(angle) * length / 2);
    cv::line(kernel, cv::Point(cvRound(c.x - d.x), cvRound(c.y - d.y)), cv::Point(cvRound(c.x + d.x), cvRound(c.y + d.y)),
             cv::Scalar(1), 1, cv::LINE_AA);
    kernel /= cv::sum(kernel)[0];
    cv::filter2D(bgr, bgr, -1, kernel, cv::Point(-1, -1), 0, cv::BORDER_REFLECT);
    return fmt::format("motion_blur length_px={:.1f} angle_deg={:.0f}", length, angle * 180 / CV_PI);
  }
  cv::GaussianBlur(bgr, bgr, cv::Size(0, 0), sigma);
  return fmt::format("defocus_blur sigma_px={:.2f}", sigma);
}

std::string lower_resolution(cv::Mat &bgr, Rng &rng) {
  const double f = rng.uniform(0.35, 0.7);
  cv::Mat small;
  cv::resize(bgr, small, cv::Size(std::max(1, cvRound(bgr.cols * f)), std::max(1, cvRound(bgr.rows * f))), 0, 0,
             cv::INTER_AREA);
  cv::resize(small, bgr, bgr.size(), 0, 0, cv::INTER_LINEAR);
  return fmt::format("low_dpi factor={:.2f}", f);
}

std::string add_noise(cv::Mat &bgr, double max_sigma, bool grey, Rng &rng) {
  // Shot noise grows with brightness, read noise does not: var = r^2 + k I.
  const double sigma = rng.uniform(0.3, 1.0) * max_sigma;
  const double chroma = grey ? 0.0 : rng.uniform(0.2, 0.6);
  std::array<int, 256> scale{};  // std at luminance I, x256
  for (int i = 0; i < 256; ++i) scale[i] = int(std::lrint(256 * sigma * std::sqrt(0.25 + 0.75 * i / 255.0)));
  const int chroma_scale = int(std::lrint(256 * chroma));
  // Standard normal values (x64) picked by 12 random bits each: one 64-bit
  // draw per pixel instead of a transcendental per channel.
  constexpr int kTableBits = 12;
  constexpr std::uint64_t kMask = (1u << kTableBits) - 1;
  std::array<int, 1u << kTableBits> normal{};
  for (auto &v : normal) v = int(std::lrint(std::clamp(rng.normal(), -6.0, 6.0) * 64));
  // Saturation by table: branches on random noise would mispredict half the time.
  constexpr int kClampOffset = 4096;  // > 2 * 6 sigma at the largest allowed sigma (255)
  std::array<std::uint8_t, 2 * kClampOffset + 256> clamp_table{};
  for (int v = 0; v < int(clamp_table.size()); ++v)
    clamp_table[std::size_t(v)] = std::uint8_t(std::min(255, std::max(0, v - kClampOffset)));
  const std::uint8_t *const sat = clamp_table.data() + kClampOffset;
  // A local generator: byte stores could alias the caller's, which would
  // keep its state out of registers.
  Rng local = rng;
  for (int y = 0; y < bgr.rows; ++y) {
    std::uint8_t *px = bgr.ptr<std::uint8_t>(y);
    for (int x = 0; x < bgr.cols; ++x, px += 3) {
      const std::uint64_t bits = local.next();
      const int s = scale[(px[0] + 2 * px[1] + px[2]) >> 2];
      const int luma = normal[bits & kMask];
      if (chroma_scale == 0) {
        const int n = (luma * s) >> 14;
        px[0] = sat[px[0] + n];
        px[1] = sat[px[1] + n];
        px[2] = sat[px[2] + n];
      } else {
        const int cb = (normal[(bits >> 12) & kMask] * chroma_scale) >> 8;
        const int cr = (normal[(bits >> 24) & kMask] * chroma_scale) >> 8;
        px[0] = sat[px[0] + (((luma + cb) * s) >> 14)];
        px[1] = sat[px[1] + ((luma * s) >> 14)];
        px[2] = sat[px[2] + (((luma + cr) * s) >> 14)];
      }
    }
  }
  rng = local;
  return fmt::format("noise sigma={:.1f} chroma={:.2f}", sigma, chroma);
}

std::string compress_jpeg(cv::Mat &bgr, int quality_min, bool grey, Rng &rng) {
  const int quality = rng.uniform_int(std::min(quality_min, 95), 95);
  std::vector<std::uint8_t> bytes;
  const std::vector<int> params{cv::IMWRITE_JPEG_QUALITY, quality};
  if (grey) {
    // A grey JPEG, so the decoded page has no chroma at all.
    cv::Mat g;
    cv::extractChannel(bgr, g, 0);
    cv::imencode(".jpg", g, bytes, params);
    cv::cvtColor(cv::imdecode(bytes, cv::IMREAD_GRAYSCALE), bgr, cv::COLOR_GRAY2BGR);
  } else {
    cv::imencode(".jpg", bgr, bytes, params);
    bgr = cv::imdecode(bytes, cv::IMREAD_COLOR);
  }
  return fmt::format("jpeg quality={}", quality);
}

}  // namespace degrade_detail
}  // namespace v1
}  // namespace ecgdig
