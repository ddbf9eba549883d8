#include "geometry/line_families.hpp"

#include <algorithm>
#include <cmath>

#include <opencv2/core/utility.hpp>

#include "core/order_statistics.hpp"

namespace ecgdig {
inline namespace v1 {
namespace detail {
namespace {

constexpr double kDeg = 3.14159265358979323846 / 180.0;

// Moving-average half width of the projection's high-pass: wider than a 5 mm
// square at the map's resolution, far narrower than the page.
int highpass_half_width(cv::Size size) { return std::max(10, std::max(size.width, size.height) / 50); }

double energy_of(const std::vector<float> &hist, int half) {
  const int n = static_cast<int>(hist.size());
  std::vector<double> prefix(n + 1, 0.0);
  for (int i = 0; i < n; ++i) prefix[i + 1] = prefix[i] + hist[i];
  double e = 0;
  for (int i = 0; i < n; ++i) {
    int a = std::max(0, i - half), b = std::min(n, i + half + 1);
    double d = hist[i] - (prefix[b] - prefix[a]) / (b - a);
    e += d * d;
  }
  return e;
}

}  // namespace

WeightedPoints disc_points(const cv::Mat &map, cv::Point2d centre, double radius) {
  CV_Assert(map.type() == CV_32FC1);
  WeightedPoints p;
  p.size = map.size();
  const int y0 = std::max(0, static_cast<int>(std::floor(centre.y - radius)));
  const int y1 = std::min(map.rows - 1, static_cast<int>(std::ceil(centre.y + radius)));
  double sum = 0;
  for (int y = y0; y <= y1; ++y) {
    const double dy = y - centre.y, half = std::sqrt(std::max(0.0, radius * radius - dy * dy));
    const int x0 = std::max(0, static_cast<int>(std::ceil(centre.x - half)));
    const int x1 = std::min(map.cols - 1, static_cast<int>(std::floor(centre.x + half)));
    const float *row = map.ptr<float>(y);
    for (int x = x0; x <= x1; ++x) {
      p.x.push_back(static_cast<float>(x));
      p.y.push_back(static_cast<float>(y));
      p.w.push_back(row[x]);
      sum += row[x];
    }
  }
  if (!p.w.empty()) {
    const float mean = static_cast<float>(sum / static_cast<double>(p.w.size()));
    for (float &w : p.w) w -= mean;
  }
  return p;
}

double line_energy(const WeightedPoints &points, double angle_rad) {
  const float nx = static_cast<float>(-std::sin(angle_rad));
  const float ny = static_cast<float>(std::cos(angle_rad));
  // Projections of the map's corners bound every bin.
  const float w = static_cast<float>(points.size.width), h = static_cast<float>(points.size.height);
  float lo = std::min({0.f, nx * w, ny * h, nx * w + ny * h});
  float hi = std::max({0.f, nx * w, ny * h, nx * w + ny * h});
  std::vector<float> hist(static_cast<std::size_t>(hi - lo) + 3, 0.f);
  // Points come in rows, so runs of them share a bin when the lines are
  // near-horizontal: sum a run in registers, not through memory.
  int run_bin = 0;
  float run_lo = 0.f, run_hi = 0.f;
  for (std::size_t i = 0; i < points.w.size(); ++i) {
    float b = nx * points.x[i] + ny * points.y[i] - lo;
    int k = static_cast<int>(b);
    float f = b - static_cast<float>(k);
    if (k != run_bin) {
      hist[run_bin] += run_lo;
      hist[run_bin + 1] += run_hi;
      run_bin = k;
      run_lo = run_hi = 0.f;
    }
    run_lo += points.w[i] * (1.f - f);
    run_hi += points.w[i] * f;
  }
  hist[run_bin] += run_lo;
  hist[run_bin + 1] += run_hi;
  return energy_of(hist, highpass_half_width(points.size));
}

AngleSweep sweep_angles(const WeightedPoints &points, double from_rad, double to_rad, double step_rad) {
  const int count = std::max(0, static_cast<int>(std::ceil((to_rad - from_rad) / step_rad - 1e-9)));
  std::vector<double> e(static_cast<std::size_t>(count));
  cv::parallel_for_(cv::Range(0, count), [&](const cv::Range &range) {
    for (int i = range.start; i < range.end; ++i)
      e[static_cast<std::size_t>(i)] = line_energy(points, from_rad + i * step_rad);
  });
  AngleSweep out;
  if (e.empty()) return out;
  std::size_t best = static_cast<std::size_t>(std::max_element(e.begin(), e.end()) - e.begin());
  double off = 0;
  if (best > 0 && best + 1 < e.size()) {
    double den = e[best - 1] - 2 * e[best] + e[best + 1];
    if (den < 0) off = std::clamp(0.5 * (e[best - 1] - e[best + 1]) / den, -0.5, 0.5);
  }
  out.angle_rad = from_rad + (static_cast<double>(best) + off) * step_rad;
  const double typical = median(e);
  out.contrast = typical > 0 ? e[best] / typical : 0.0;
  return out;
}

std::vector<LocalLine> local_lines(const cv::Mat &map, int tiles, double coarse_rad, double search_rad,
                                   double to_image) {
  const double tw = static_cast<double>(map.cols) / tiles;
  const double th = static_cast<double>(map.rows) / tiles;
  const double radius = 0.6 * std::min(tw, th);
  const double coarse_step = 0.5 * kDeg, fine_step = 0.1 * kDeg;
  std::vector<LocalLine> found(static_cast<std::size_t>(tiles * tiles));
  std::vector<char> ok(found.size(), 0);
  cv::parallel_for_(cv::Range(0, tiles * tiles), [&](const cv::Range &range) {
    for (int t = range.start; t < range.end; ++t) {
      const cv::Point2d centre((t % tiles + 0.5) * tw, (t / tiles + 0.5) * th);
      WeightedPoints disc = disc_points(map, centre, radius);
      // Tiles without structure (margins, blank paper) say nothing.
      double power = 0;
      for (float w : disc.w) power += static_cast<double>(w) * w;
      if (disc.w.empty() || power < 1e-3 * static_cast<double>(disc.w.size())) continue;
      AngleSweep coarse =
          sweep_angles(disc, coarse_rad - search_rad, coarse_rad + search_rad + coarse_step / 2, coarse_step);
      if (coarse.contrast < 1.5) continue;
      AngleSweep fine =
          sweep_angles(disc, coarse.angle_rad - 3 * fine_step, coarse.angle_rad + 3.5 * fine_step, fine_step);
      found[static_cast<std::size_t>(t)] = {centre * to_image, fine.angle_rad,
                                            std::min(coarse.contrast - 1.0, 20.0)};
      ok[static_cast<std::size_t>(t)] = 1;
    }
  });
  std::vector<LocalLine> out;
  for (std::size_t t = 0; t < found.size(); ++t)
    if (ok[t]) out.push_back(found[t]);
  return out;
}

namespace {

cv::Vec3d least_squares_point(const std::vector<LocalLine> &lines, const std::vector<char> &use,
                              const cv::Matx33d &norm) {
  cv::Matx33d m = cv::Matx33d::zeros();
  for (std::size_t i = 0; i < lines.size(); ++i) {
    if (!use[i]) continue;
    cv::Vec3d c = norm * cv::Vec3d(lines[i].centre.x, lines[i].centre.y, 1.0);
    double nx = -std::sin(lines[i].angle_rad), ny = std::cos(lines[i].angle_rad);
    cv::Vec3d line(nx, ny, -(nx * c[0] / c[2] + ny * c[1] / c[2]));
    m += lines[i].weight * (line * line.t());
  }
  cv::Mat evals, evecs;
  cv::eigen(cv::Mat(m), evals, evecs);
  return cv::Vec3d(evecs.at<double>(2, 0), evecs.at<double>(2, 1), evecs.at<double>(2, 2));
}

// Angle between a measured line and the direction from its centre to v.
double residual_rad(const LocalLine &l, const cv::Vec3d &v, const cv::Matx33d &norm) {
  cv::Vec3d c = norm * cv::Vec3d(l.centre.x, l.centre.y, 1.0);
  double dx = v[0] - v[2] * c[0] / c[2], dy = v[1] - v[2] * c[1] / c[2];
  double ux = std::cos(l.angle_rad), uy = std::sin(l.angle_rad);
  double a = std::abs(std::atan2(dx * uy - dy * ux, dx * ux + dy * uy));
  return std::min(a, 3.14159265358979323846 - a);
}

}  // namespace

cv::Vec3d vanishing_point(const std::vector<LocalLine> &lines, const cv::Matx33d &norm) {
  std::vector<char> use(lines.size(), 1);
  cv::Vec3d v = least_squares_point(lines, use, norm);
  // Tiles where text or traces fooled the angle are outliers: drop those far
  // off the first fit (beyond 3x the median residual) and fit again.
  std::vector<double> res;
  for (const LocalLine &l : lines) res.push_back(residual_rad(l, v, norm));
  const double limit = std::max(0.1 * kDeg, 3 * median(res));
  std::size_t kept = 0;
  for (std::size_t i = 0; i < lines.size(); ++i) kept += (use[i] = res[i] <= limit);
  return kept >= 2 && kept < lines.size() ? least_squares_point(lines, use, norm) : v;
}

std::optional<cv::Matx33d> homography_from_vanishing_points(const cv::Vec3d &v_h,
                                                            const cv::Vec3d &v_v,
                                                            const cv::Matx33d &norm,
                                                            cv::Size image_size) {
  cv::Vec3d horizon = v_h.cross(v_v);
  if (std::abs(horizon[2]) < 1e-12) return std::nullopt;
  horizon /= horizon[2];
  // Every corner must stay well in front of the vanishing line.
  for (cv::Point2d corner : {cv::Point2d(0, 0), cv::Point2d(image_size.width, 0),
                             cv::Point2d(image_size.width, image_size.height),
                             cv::Point2d(0, image_size.height)}) {
    cv::Vec3d c = norm * cv::Vec3d(corner.x, corner.y, 1.0);
    if (horizon.dot(c) / c[2] < 0.5) return std::nullopt;
  }
  cv::Matx33d hp(1, 0, 0, 0, 1, 0, horizon[0], horizon[1], 1);
  cv::Vec3d dh = hp * v_h, dv = hp * v_v;
  cv::Vec2d eh(dh[0], dh[1]), ev(dv[0], dv[1]);
  if (cv::norm(eh) < 1e-12 || cv::norm(ev) < 1e-12) return std::nullopt;
  eh /= cv::norm(eh);
  ev /= cv::norm(ev);
  if (eh[0] < 0) eh = -eh;
  if (ev[1] < 0) ev = -ev;
  cv::Matx22d basis(eh[0], ev[0], eh[1], ev[1]);
  if (std::abs(cv::determinant(basis)) < 0.5) return std::nullopt;  // families far from orthogonal
  cv::Matx22d a = basis.inv();
  cv::Matx33d affine(a(0, 0), a(0, 1), 0, a(1, 0), a(1, 1), 0, 0, 0, 1);
  return norm.inv() * affine * hp * norm;
}

bool fit_canvas(cv::Matx33d &h, cv::Size image_size, double max_area_factor, cv::Size &canvas) {
  double min_x = 1e300, min_y = 1e300, max_x = -1e300, max_y = -1e300;
  for (cv::Point2d corner : {cv::Point2d(0, 0), cv::Point2d(image_size.width, 0),
                             cv::Point2d(image_size.width, image_size.height),
                             cv::Point2d(0, image_size.height)}) {
    cv::Vec3d p = h * cv::Vec3d(corner.x, corner.y, 1.0);
    if (!(p[2] > 1e-9)) return false;
    min_x = std::min(min_x, p[0] / p[2]);
    max_x = std::max(max_x, p[0] / p[2]);
    min_y = std::min(min_y, p[1] / p[2]);
    max_y = std::max(max_y, p[1] / p[2]);
  }
  double w = max_x - min_x, hgt = max_y - min_y;
  if (!(w >= 1 && hgt >= 1) || w * hgt > max_area_factor * image_size.area()) return false;
  // Sub-pixel slack so a page that needs no change keeps its exact size.
  canvas = cv::Size(static_cast<int>(std::ceil(w - 1e-6)), static_cast<int>(std::ceil(hgt - 1e-6)));
  h = cv::Matx33d(1, 0, -min_x, 0, 1, -min_y, 0, 0, 1) * h;
  return true;
}

}  // namespace detail
}  // namespace v1
}  // namespace ecgdig
