#include "geometry/hough_grid_detector.hpp"

#include <algorithm>
#include <cmath>
#include <optional>
#include <vector>

#include <fmt/format.h>
#include <opencv2/imgproc.hpp>

#include "ecgdig/error.hpp"
#include "geometry/grid_period.hpp"
#include "geometry/line_families.hpp"
#include "geometry/paper_bend.hpp"
#include "geometry/scale_fallbacks.hpp"

namespace ecgdig {
inline namespace v1 {
namespace detail {
namespace {

constexpr double kDeg = 3.14159265358979323846 / 180.0;
constexpr int kCoarseLongSidePx = 320;    // angle sweep resolution
constexpr int kRefineLongSidePx = 800;    // resolution of the page-wide and per-tile angles
constexpr double kCoarseStepDeg = 0.5;
constexpr double kTileSearchDeg = 1.5;    // fine searches look this far from the coarse angle
constexpr double kClearRowsContrast = 30.0;  // trace rows' energy peak this sharp: no wander
constexpr double kMinFamilyContrast = 6.0;// energy peak over median: a line family is there (noise: < 4)
constexpr double kSnapDeg = 0.02;         // smaller rotations are left alone
constexpr double kPerspectiveSpreadDeg = 0.15;  // tile angles spread more: the lines converge
constexpr double kShearDeg = 0.15;        // families further from orthogonal: affine shear
constexpr double kMaxCanvasArea = 4.0;    // rectified page at most this many times the image
constexpr double kExactPageAspect = 0.005;  // an image this close to A4 or letter proportions is the whole page
constexpr double kPulseAgainstPageTolerance = 0.15;  // a pulse further from the whole page's scale is not 10 mm by 5 mm
// A pulse this close to the whole page's scale confirms it: the page's 200+ mm
// measure the scale more finely than the pulse's 10 mm (a pixel is 1 %).
constexpr double kPulseConfirmsPageTolerance = 0.04;
constexpr double kMinGridConfidence = 0.15;
constexpr double kClearLatticeConfidence = 0.5;  // an axis that shows a reading's lattice this clearly supports it
constexpr double kAssumedPageLongMm = 279.4;  // US letter, the usual ECG paper

struct Orientation {
  bool found = false;          // a line family stands out
  bool two_families = false;   // horizontal and vertical families (a grid)
  double h_rad = 0, v_rad = 0; // page-wide directions
  double contrast = 0;         // how far the horizontal family's energy peak stands out
  std::vector<LocalLine> h_lines, v_lines;
};

// The whole factor that shrinks `size` to a long side of about `long_side`.
int shrink_factor(cv::Size size, int long_side) {
  return std::max(1, static_cast<int>(std::lround(static_cast<double>(std::max(size.width, size.height)) / long_side)));
}

// Shrinks by a whole factor (box average: fast, and no resampling ripple that
// would tilt thin lines) to about `long_side`.
cv::Mat downsized(const cv::Mat &map, int long_side, double &factor) {
  const int k = shrink_factor(map.size(), long_side);
  factor = 1.0 / k;
  if (k <= 1) return map;
  cv::Mat out;
  const cv::Size small(map.cols / k, map.rows / k);
  cv::resize(map(cv::Rect(0, 0, small.width * k, small.height * k)), out, small, 0, 0, cv::INTER_AREA);
  return out;
}

// downsized() for the coarse angle sweep. A grid's lines about as dense as
// a factor of 3 or more are blurred away first, since the box alone folds
// them into a sparser lattice at another angle (1 mm lines 7.9 px apart in
// 7 px boxes, turned 4 degrees, fold into lines turned 30 degrees); the
// sparse rows and text lines of a page without grid keep their sharpness.
cv::Mat coarse_view(const cv::Mat &map, bool grid, int long_side, double &factor) {
  const int k = shrink_factor(map.size(), long_side);
  if (!grid || k < 3) return downsized(map, long_side, factor);
  cv::Mat smooth;
  cv::GaussianBlur(map, smooth, cv::Size(), 0.5 * k);
  return downsized(smooth, long_side, factor);
}

bool has_mass(const cv::Mat &map, double fraction) {
  return !map.empty() && cv::sum(map)[0] > fraction * static_cast<double>(map.total());
}

// Pixels clearly darker than the paper (median grey level) as CV_8UC1 0/255.
cv::Mat ink_mask(const cv::Mat &bgr) {
  cv::Mat gray;
  cv::cvtColor(bgr, gray, cv::COLOR_BGR2GRAY);
  int hist[256] = {0};
  for (int y = 0; y < gray.rows; ++y) {
    const uchar *row = gray.ptr<uchar>(y);
    for (int x = 0; x < gray.cols; ++x) ++hist[row[x]];
  }
  std::size_t half = gray.total() / 2, seen = 0;
  int paper = 0;
  while (paper < 255 && (seen += static_cast<std::size_t>(hist[paper])) < half) ++paper;
  double cut = paper - std::max(40.0, 0.35 * paper);
  cv::Mat ink;
  cv::threshold(gray, ink, cut, 255, cv::THRESH_BINARY_INV);
  return ink;
}

// Weighted standard deviation of the local line directions (0 for fewer than two).
double angle_spread(const std::vector<LocalLine> &lines) {
  double sw = 0, sa = 0;
  for (const LocalLine &l : lines) {
    sw += l.weight;
    sa += l.weight * l.angle_rad;
  }
  if (lines.size() < 2 || !(sw > 0)) return 0.0;
  const double mean = sa / sw;
  double var = 0;
  for (const LocalLine &l : lines) var += l.weight * (l.angle_rad - mean) * (l.angle_rad - mean);
  return std::sqrt(var / sw);
}

// The line directions of a coarse view of a map, searched on its inscribed
// disc: a disc's projection has the same smooth envelope at every angle,
// where the image's rectangle would favour its own axes.
struct CoarseSweep {
  AngleSweep h, v;  // v only when asked for
};

CoarseSweep coarse_sweep(const cv::Mat &view, bool two_families, const HoughGridOptions &options) {
  CoarseSweep out;
  WeightedPoints disc = disc_points(view, cv::Point2d(0.5 * (view.cols - 1), 0.5 * (view.rows - 1)),
                                    0.5 * std::min(view.cols, view.rows));
  if (disc.w.size() < 50) return out;
  const double range = options.max_angle_deg * kDeg, step = kCoarseStepDeg * kDeg;
  out.h = sweep_angles(disc, -range, range + step / 2, step);
  if (two_families && out.h.contrast >= kMinFamilyContrast)
    out.v = sweep_angles(disc, out.h.angle_rad + 80 * kDeg, out.h.angle_rad + 100 * kDeg + step / 2, step);
  return out;
}

// The line direction near `coarse_rad` on the inscribed disc of the whole map, to 0.05 degrees.
double page_angle(const cv::Mat &map, double coarse_rad) {
  WeightedPoints disc = disc_points(map, cv::Point2d(0.5 * (map.cols - 1), 0.5 * (map.rows - 1)),
                                    0.5 * std::min(map.cols, map.rows));
  const double step = 0.25 * kDeg, fine = 0.05 * kDeg;
  AngleSweep c = sweep_angles(disc, coarse_rad - kTileSearchDeg * kDeg, coarse_rad + kTileSearchDeg * kDeg + step / 2, step);
  return sweep_angles(disc, c.angle_rad - 6 * fine, c.angle_rad + 6.5 * fine, fine).angle_rad;
}

Orientation orient(const cv::Mat &map, bool two_families, const HoughGridOptions &options,
                   int refine_long_side = kRefineLongSidePx) {
  Orientation o;
  double coarse_factor, refine_factor;
  CoarseSweep sweep = coarse_sweep(coarse_view(map, two_families, kCoarseLongSidePx, coarse_factor), two_families, options);
  const bool v_weak = two_families && sweep.h.contrast >= kMinFamilyContrast && sweep.v.contrast < kMinFamilyContrast;
  if ((sweep.h.contrast < kMinFamilyContrast || v_weak) && coarse_factor < 1) {
    // Dense fine lines (1 mm at low DPI) blur away when the whole page is
    // shrunk, and so do lines that a curled or sheared photo bends: look
    // again at the page's centre, three times sharper.
    const int k = std::max(1, static_cast<int>(std::lround(1 / coarse_factor)) / 3);
    const int side = std::min({map.cols, map.rows, kCoarseLongSidePx * k});
    cv::Mat centre = map(cv::Rect((map.cols - side) / 2, (map.rows - side) / 2, side, side));
    double centre_factor;
    const CoarseSweep sharper = coarse_sweep(coarse_view(centre, two_families, kCoarseLongSidePx, centre_factor), two_families, options);
    if (v_weak) {
      if (sharper.v.contrast > sweep.v.contrast) sweep.v = sharper.v;
    } else {
      sweep = sharper;
    }
  }
  o.contrast = sweep.h.contrast;
  if (sweep.h.contrast < kMinFamilyContrast) return o;
  o.found = true;
  o.h_rad = sweep.h.angle_rad;
  // The page-wide direction (long lines: fine angles) and the local ones
  // (tiles: how the direction changes over the page, i.e. perspective).
  const cv::Mat refine = downsized(map, refine_long_side, refine_factor);
  o.h_rad = page_angle(refine, sweep.h.angle_rad);
  o.h_lines = local_lines(refine, options.tiles, o.h_rad, kTileSearchDeg * kDeg, 1.0 / refine_factor);
  if (two_families && sweep.v.contrast >= kMinFamilyContrast) {
    o.two_families = true;
    o.v_rad = page_angle(refine, sweep.v.angle_rad);
    o.v_lines = local_lines(refine, options.tiles, o.v_rad, kTileSearchDeg * kDeg, 1.0 / refine_factor);
  }
  return o;
}

cv::Matx33d rotation(double angle_rad) {
  double c = std::cos(angle_rad), s = std::sin(angle_rad);
  // Turns direction (c, s) onto +x.
  return cv::Matx33d(c, s, 0, -s, c, 0, 0, 0, 1);
}

// Where a family's lines converge, from its local directions; with too few
// of those (a faint or blurred grid), its page-wide direction at infinity,
// which still undoes the shear of families that are not orthogonal.
cv::Vec3d family_vanishing_point(const std::vector<LocalLine> &lines, double page_rad, const cv::Matx33d &norm) {
  if (lines.size() >= 3) return vanishing_point(lines, norm);
  return cv::Vec3d(std::cos(page_rad), std::sin(page_rad), 0);
}

// Fills page_from_image, rectified_size and rotation_deg from the line families.
void rectification(const Orientation &o, cv::Size size, const HoughGridOptions &options,
                   Geometry &g) {
  // Rotation from the page-wide directions; tiles that disagree with each
  // other (or families that are not orthogonal) call for a homography.
  const double spread_h = angle_spread(o.h_lines), spread_v = angle_spread(o.v_lines);
  double angle = o.h_rad;
  if (o.two_families) {
    angle = 0.5 * (o.h_rad + o.v_rad - 90 * kDeg);
    const bool converging = spread_h > kPerspectiveSpreadDeg * kDeg || spread_v > kPerspectiveSpreadDeg * kDeg ||
                            std::abs(o.v_rad - o.h_rad - 90 * kDeg) > kShearDeg * kDeg;
    if (options.perspective && converging) {
      const double s = 0.5 * std::max(size.width, size.height);
      cv::Matx33d norm(1 / s, 0, -0.5 * size.width / s, 0, 1 / s, -0.5 * size.height / s, 0, 0, 1);
      cv::Vec3d v_h = family_vanishing_point(o.h_lines, o.h_rad, norm);
      cv::Vec3d v_v = family_vanishing_point(o.v_lines, o.v_rad, norm);
      std::optional<cv::Matx33d> h = homography_from_vanishing_points(v_h, v_v, norm, size);
      cv::Size canvas;
      if (h && fit_canvas(*h, size, kMaxCanvasArea, canvas)) {
        g.page_from_image = *h;
        g.rectified_size = canvas;
        double dx = v_h[0], dy = v_h[1];
        if (dx < 0) dx = -dx, dy = -dy;
        g.rotation_deg = -std::atan2(dy, dx) / kDeg;
        return;
      }
    }
  }
  g.rotation_deg = -angle / kDeg;
  if (std::abs(g.rotation_deg) < kSnapDeg) {
    g.rotation_deg = 0;
    g.page_from_image = cv::Matx33d::eye();
    g.rectified_size = size;
    return;
  }
  cv::Matx33d r = rotation(angle);
  cv::Size canvas;
  if (!fit_canvas(r, size, kMaxCanvasArea, canvas))
    throw Error(ErrorCode::Internal, fmt::format("grid: rotation by {} degrees does not fit", g.rotation_deg));
  g.page_from_image = r;
  g.rectified_size = canvas;
}

// Column and row sums of the grid map carried onto the rectified page.
void rectified_profiles(const cv::Mat &grid, const Geometry &g, std::vector<double> &columns,
                        std::vector<double> &rows) {
  columns.assign(static_cast<std::size_t>(g.rectified_size.width) + 1, 0.0);
  rows.assign(static_cast<std::size_t>(g.rectified_size.height) + 1, 0.0);
  const cv::Matx33d &h = g.page_from_image;
  const double max_x = g.rectified_size.width - 1, max_y = g.rectified_size.height - 1;
  auto splat = [](std::vector<double> &p, double at, double w) {
    std::size_t i = static_cast<std::size_t>(at);
    double f = at - static_cast<double>(i);
    p[i] += w * (1 - f);
    p[i + 1] += w * f;
  };
  for (int y = 0; y < grid.rows; ++y) {
    const float *row = grid.ptr<float>(y);
    for (int x = 0; x < grid.cols; ++x) {
      if (row[x] <= 0.1f) continue;
      double z = h(2, 0) * x + h(2, 1) * y + h(2, 2);
      double u = (h(0, 0) * x + h(0, 1) * y + h(0, 2)) / z;
      double v = (h(1, 0) * x + h(1, 1) * y + h(1, 2)) / z;
      if (u < 0 || v < 0 || u > max_x || v > max_y) continue;
      splat(columns, u, row[x]);
      splat(rows, v, row[x]);
    }
  }
  columns.pop_back();
  rows.pop_back();
}

// px per mm from the grid; false when the grid shows no clear period.
bool scale_from_grid(const cv::Mat &grid, const HoughGridOptions &options, Geometry &g) {
  std::vector<double> columns, rows;
  rectified_profiles(grid, g, columns, rows);
  const double long_side = std::max(g.rectified_size.width, g.rectified_size.height);
  std::optional<GridPeriod> px = estimate_grid_period(columns, options.min_px_per_mm, options.max_px_per_mm, long_side);
  std::optional<GridPeriod> py = estimate_grid_period(rows, options.min_px_per_mm, options.max_px_per_mm, long_side);
  if (!px && !py) return false;
  if (px && py && px->px_per_mm / py->px_per_mm > 0.8 && px->px_per_mm / py->px_per_mm < 1.25) {
    g.px_per_mm_x = px->px_per_mm;
    g.px_per_mm_y = py->px_per_mm;
    g.confidence = std::min(px->confidence, py->confidence);
  } else {
    // The axes disagree (which lines are 1 mm, or one axis saw no lattice):
    // read both axes at each axis's scale and keep the reading both support.
    // A lattice also peaks at twice its period, so of two readings both axes
    // clearly support the finer lattice is the grid (a B/W copy whose every
    // other 5 mm line is faint shows a 10 mm lattice on one axis).
    double best_score = -1, best_px_per_mm = 0;
    bool best_clear = false;
    for (const std::optional<GridPeriod> &guess : {px, py}) {
      if (!guess) continue;
      std::optional<GridPeriod> gx = grid_period_near(columns, guess->px_per_mm);
      std::optional<GridPeriod> gy = grid_period_near(rows, guess->px_per_mm);
      double score = (gx ? gx->confidence : 0.0) + (gy ? gy->confidence : 0.0);
      const bool clear = gx && gy && std::min(gx->confidence, gy->confidence) >= kClearLatticeConfidence;
      const bool better = clear != best_clear ? clear
                          : clear             ? guess->px_per_mm < best_px_per_mm
                                              : score > best_score;
      if (!better) continue;
      best_clear = clear;
      best_px_per_mm = guess->px_per_mm;
      best_score = score;
      g.px_per_mm_x = gx ? gx->px_per_mm : guess->px_per_mm;
      g.px_per_mm_y = gy ? gy->px_per_mm : guess->px_per_mm;
      g.confidence = 0.4 * score;
    }
  }
  g.scale_source = ScaleSource::Grid;
  return g.confidence >= kMinGridConfidence;
}

void scale_without_grid(const cv::Mat &rows_map, const cv::Mat &ink, cv::Size image_size,
                        const HoughGridOptions &options, Geometry &g) {
  cv::Mat rectified;
  if (!rows_map.empty()) {
    cv::warpPerspective(rows_map, rectified, cv::Mat(g.page_from_image), g.rectified_size, cv::INTER_LINEAR,
                        cv::BORDER_CONSTANT, 0);
    cv::compare(rectified, 0.5, rectified, cv::CMP_GT);
  } else {
    cv::warpPerspective(ink, rectified, cv::Mat(g.page_from_image), g.rectified_size, cv::INTER_NEAREST,
                        cv::BORDER_CONSTANT, 0);
  }
  std::optional<ScaleEstimate> s;
  // An image with exactly a paper size's proportions is that whole page,
  // which says more than rows assumed to last 10 s (a portrait page's rows
  // hold less), and tells a 10 mm pulse from one printed at 20 mm/mV and
  // 50 mm/s, which has the same shape.
  const std::optional<ScaleEstimate> whole_page = scale_from_page_size(image_size, kExactPageAspect);
  const std::optional<ScaleEstimate> pulse =
      scale_from_calibration_pulse(rectified, options.min_px_per_mm, options.max_px_per_mm);
  const double pulse_off_page =
      pulse && whole_page ? std::abs(pulse->px_per_mm / whole_page->px_per_mm - 1) : 0.0;
  const bool pulse_fits_page = pulse && pulse_off_page <= kPulseAgainstPageTolerance;
  const bool pulse_confirms_page = pulse && whole_page && pulse_off_page <= kPulseConfirmsPageTolerance;
  if (pulse_fits_page && !pulse_confirms_page) {
    s = pulse;
    g.scale_source = ScaleSource::CalibrationPulse;
  } else if ((s = whole_page)) {
    g.scale_source = ScaleSource::PageSize;
  } else if ((s = scale_from_trace_rows(rectified, options.min_px_per_mm, options.max_px_per_mm))) {
    g.scale_source = ScaleSource::TraceRows;
  } else if ((s = scale_from_page_size(image_size))) {
    g.scale_source = ScaleSource::PageSize;
  } else {
    // Kept within the accepted range: later stages size their windows by it.
    s = ScaleEstimate{std::clamp(std::max(image_size.width, image_size.height) / kAssumedPageLongMm,
                                 options.min_px_per_mm, options.max_px_per_mm),
                      0.05};
    g.scale_source = ScaleSource::Assumed;
  }
  g.px_per_mm_x = g.px_per_mm_y = s->px_per_mm;
  g.confidence = s->confidence;
}

void check_map(const cv::Mat &map, const char *name, cv::Size size) {
  if (map.empty()) return;
  if (map.type() != CV_32FC1 || map.size() != size)
    throw Error(ErrorCode::InvalidArgument,
                fmt::format("grid: the {} map must be CV_32FC1 of the image's size {}x{}, got type {} "
                            "size {}x{}",
                            name, size.width, size.height, map.type(), map.cols, map.rows));
}

}  // namespace

HoughGridOptions HoughGridOptions::from(const StageOptions &o) {
  HoughGridOptions out;
  out.max_angle_deg = o.get_double("grid.max_angle_deg", out.max_angle_deg);
  out.tiles = o.get_int("grid.tiles", out.tiles);
  out.perspective = o.get_bool("grid.perspective", out.perspective);
  out.dewarp = o.get_bool("grid.dewarp", out.dewarp);
  out.min_px_per_mm = o.get_double("grid.min_px_per_mm", out.min_px_per_mm);
  out.max_px_per_mm = o.get_double("grid.max_px_per_mm", out.max_px_per_mm);
  if (!(out.max_angle_deg >= 1 && out.max_angle_deg <= 45))
    throw Error(ErrorCode::InvalidArgument,
                fmt::format("grid.max_angle_deg must be in [1, 45], got {}", out.max_angle_deg));
  if (out.tiles < 2 || out.tiles > 8)
    throw Error(ErrorCode::InvalidArgument, fmt::format("grid.tiles must be in [2, 8], got {}", out.tiles));
  if (!(out.min_px_per_mm >= 0.5 && out.min_px_per_mm < out.max_px_per_mm && out.max_px_per_mm <= 200))
    throw Error(ErrorCode::InvalidArgument,
                fmt::format("grid.min_px_per_mm ({}) and grid.max_px_per_mm ({}) must satisfy "
                            "0.5 <= min < max <= 200",
                            out.min_px_per_mm, out.max_px_per_mm));
  return out;
}

Geometry HoughGridDetector::detect(const cv::Mat &bgr, const SegmentationMaps &maps) const {
  if (bgr.empty() || bgr.type() != CV_8UC3)
    throw Error(ErrorCode::InvalidArgument, "grid: the page image must be a non-empty CV_8UC3 BGR image");
  const cv::Size size = bgr.size();
  check_map(maps.grid, "grid", size);
  check_map(maps.trace, "trace", size);
  check_map(maps.text, "text", size);

  const cv::Mat ink = ink_mask(bgr);
  const bool grid_present = has_mass(maps.grid, 0.002);
  // Trace baselines and text lines: horizontal structure when the grid fails.
  cv::Mat rows_map;
  if (has_mass(maps.trace, 0.0002) || has_mass(maps.text, 0.0002)) {
    if (maps.trace.empty()) rows_map = maps.text;
    else if (maps.text.empty()) rows_map = maps.trace;
    else cv::max(maps.trace, maps.text, rows_map);
  }
  const int ink_pixels = cv::countNonZero(ink);
  if (!grid_present && rows_map.empty() && ink_pixels < std::max(50.0, 2e-5 * size.area()))
    throw Error(ErrorCode::NoGrid, "grid: the page is blank (no grid, trace, text or ink)");

  Orientation o;
  if (grid_present) o = orient(maps.grid, true, options_);
  const bool from_grid = o.found;
  if (!from_grid) {
    cv::Mat structure = rows_map;
    if (structure.empty()) ink.convertTo(structure, CV_32F, 1.0 / 255);
    o = orient(structure, false, options_);
    // Trace rows whose baselines wander (a slow drift shown along a whole
    // row) make a broad energy peak; the text lines then tell the direction.
    // Text lines are short: their direction is measured at full resolution.
    if (o.contrast < kClearRowsContrast && has_mass(maps.text, 0.0002)) {
      const Orientation text = orient(maps.text, false, options_, std::max(size.width, size.height));
      if (text.found) o = text;
    }
  }

  Geometry g;
  rectification(o, size, options_, g);
  // A grid map without line families is not a grid (noise, texture).
  if (from_grid && scale_from_grid(maps.grid, options_, g)) {
    if (options_.dewarp) estimate_paper_bend(maps.grid, g);
  } else {
    scale_without_grid(rows_map, ink, size, options_, g);
  }
  // Scale found, but the page orientation came from weaker evidence.
  if (!from_grid) g.confidence *= o.found ? 0.9 : 0.7;
  return g;
}

}  // namespace detail
}  // namespace v1
}  // namespace ecgdig
