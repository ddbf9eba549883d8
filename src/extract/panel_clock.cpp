#include "extract/panel_clock.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <optional>
#include <utility>

namespace ecgdig {
inline namespace v1 {
namespace detail {
namespace {

constexpr double kWindowMm = 50.0;         // about ten 5 mm squares: a period to 0.2 %
constexpr double kMinWindowMm = 25.0;      // five 5 mm squares at least
constexpr double kMaxStretch = 0.12;       // no harmonic of a wrong period fits the lattice in it
constexpr double kMinLatticeShare = 0.1;   // of the profile's energy; noise alone holds about 0.03
constexpr double kRasterPx = 1.0;          // how far a window's lattice may be off from rasterising
constexpr int kHarmonics = 5;              // of the 5 mm period: the 1 mm lines are the fifth
// The stretch is scanned in these steps, each around the best of the one
// before; the first is finer than the fifth harmonic's peak (about 2 % wide).
constexpr std::array<double, 3> kScanSteps = {0.008, 0.001, 0.0002};
constexpr double kTableMarginFraction = 0.25;  // times are tabled this far past the box

// Power of a profile's 5 mm lattice and its harmonics at a period of
// `period` px (Hann-windowed, so the window's edges do not pull the peak).
double lattice_power(const std::vector<double> &profile, double period) {
  double power = 0;
  for (int h = 1; h <= kHarmonics; ++h) {
    // The phasor e^(i w x) advanced by one rotation per pixel, not a cos and sin each.
    const double w = 2 * CV_PI * h / period, step_re = std::cos(w), step_im = std::sin(w);
    double re = 0, im = 0, p_re = 1, p_im = 0;
    for (double v : profile) {
      re += v * p_re;
      im += v * p_im;
      const double next_re = p_re * step_re - p_im * step_im;
      p_im = p_re * step_im + p_im * step_re;
      p_re = next_re;
    }
    power += (re * re + im * im) / static_cast<double>(profile.size());
  }
  return power;
}

// The local px per mm over `px_per_mm`, from the lattice of the grid lines
// crossing a window's column profile; nothing when no lattice stands out.
std::optional<double> local_stretch(std::vector<double> profile, double px_per_mm) {
  const double n = static_cast<double>(profile.size());
  double mean = 0;
  for (double v : profile) mean += v / n;
  for (std::size_t i = 0; i < profile.size(); ++i)
    profile[i] = (profile[i] - mean) * (0.5 - 0.5 * std::cos(2 * CV_PI * (i + 0.5) / n));
  const double major = 5 * px_per_mm;
  double best = 1, best_power = -1;
  for (double s = 1 - kMaxStretch; s <= 1 + kMaxStretch + 1e-9; s += kScanSteps[0]) {
    const double p = lattice_power(profile, major * s);
    if (p > best_power) best_power = p, best = s;
  }
  double energy = 0;
  for (double v : profile) energy += v * v;
  if (!(best_power > kMinLatticeShare * energy)) return std::nullopt;
  for (int level = 1; level < static_cast<int>(kScanSteps.size()); ++level) {
    const double centre = best, step = kScanSteps[level], reach = kScanSteps[level - 1];
    for (double s = centre - reach; s <= centre + reach + 1e-9; s += step) {
      const double p = lattice_power(profile, major * s);
      if (p > best_power) best_power = p, best = s;
    }
  }
  if (std::abs(best - 1) >= kMaxStretch) return std::nullopt;  // the scan's edge: no peak
  // Lines drawn at whole pixels put a window's lattice up to a pixel off
  // over its length: so much of the difference is no stretch.
  const double raster = kRasterPx / n;
  return 1 + std::copysign(std::max(0.0, std::abs(best - 1) - raster), best - 1);
}

}  // namespace

GridStretch::GridStretch(cv::Mat grid, double px_per_mm_x)
    : grid_(std::move(grid)), px_per_mm_x_(px_per_mm_x) {}

std::optional<double> GridStretch::in(cv::Range rows, cv::Range cols) {
  const auto key = std::make_tuple(rows.start, rows.end, cols.start, cols.end);
  if (const auto it = measured_.find(key); it != measured_.end()) return it->second;
  cv::Mat sums;
  cv::reduce(grid_(rows, cols), sums, 0, cv::REDUCE_SUM, CV_64F);
  const std::vector<double> profile(sums.ptr<double>(), sums.ptr<double>() + sums.cols);
  const std::optional<double> stretch = local_stretch(profile, px_per_mm_x_);
  measured_.emplace(key, stretch);
  return stretch;
}

PanelClock::PanelClock(GridStretch *grid, const LeadBox &box)
    : x0_(box.box_px.x), px_per_s_(box.box_px.width / box.duration_s) {
  if (grid) {
    const double width_mm = box.box_px.width / grid->px_per_mm_x();
    const int y0 = std::max(0, static_cast<int>(std::floor(box.box_px.y)));
    const int y1 = std::min(grid->size().height, static_cast<int>(std::ceil(box.box_px.br().y)));
    const int windows = std::max(1, static_cast<int>(std::lround(width_mm / kWindowMm)));
    const double step = box.box_px.width / windows;
    // One window beyond each end too: the trend across the panel.
    for (int w = -1; w <= windows && y1 > y0; ++w) {
      const int a = std::max(0, static_cast<int>(std::lround(x0_ + w * step)));
      const int b =
          std::min(grid->size().width, static_cast<int>(std::lround(x0_ + (w + 1) * step)));
      if ((b - a) < kMinWindowMm * grid->px_per_mm_x()) continue;
      if (const std::optional<double> stretch = grid->in(cv::Range(y0, y1), cv::Range(a, b))) {
        knot_x_.push_back(0.5 * (a + b));
        knot_stretch_.push_back(*stretch);
      }
    }
  }
  // Seconds at each column from x0_: the sum of 1 / (local px per s).
  const int n = static_cast<int>(std::ceil(box.box_px.width * (1 + kTableMarginFraction))) + 2;
  t_.resize(static_cast<std::size_t>(n));
  t_[0] = box.t_start_s;
  for (int i = 1; i < n; ++i) t_[i] = t_[i - 1] + 1.0 / (px_per_s_ * stretch_at(x0_ + i - 0.5));
}

double PanelClock::stretch_at(double x) const {
  if (knot_x_.empty()) return 1.0;
  if (knot_x_.size() == 1) return knot_stretch_.front();
  // Linear through the two nearest window centres, beyond the ends too (the
  // stretch of a tilted or curled page changes steadily across it).
  const std::size_t above = static_cast<std::size_t>(
      std::upper_bound(knot_x_.begin(), knot_x_.end(), x) - knot_x_.begin());
  const std::size_t j = std::clamp<std::size_t>(above, 1, knot_x_.size() - 1);
  const double f = (x - knot_x_[j - 1]) / (knot_x_[j] - knot_x_[j - 1]);
  return std::clamp(knot_stretch_[j - 1] + f * (knot_stretch_[j] - knot_stretch_[j - 1]),
                    1 - kMaxStretch, 1 + kMaxStretch);
}

double PanelClock::x_at(double t) const {
  if (t <= t_.front()) return x0_ + (t - t_.front()) * px_per_s_ * stretch_at(x0_);
  const auto it = std::upper_bound(t_.begin(), t_.end(), t);
  if (it == t_.end()) {
    const double x_end = x0_ + static_cast<double>(t_.size() - 1);
    return x_end + (t - t_.back()) * px_per_s_ * stretch_at(x_end);
  }
  const std::size_t i = static_cast<std::size_t>(it - t_.begin());
  return x0_ + static_cast<double>(i - 1) + (t - t_[i - 1]) / (t_[i] - t_[i - 1]);
}

double PanelClock::t_at(double x) const {
  const double i = x - x0_;
  if (i <= 0) return t_.front() + i / (px_per_s_ * stretch_at(x0_));
  const double last = static_cast<double>(t_.size() - 1);
  if (i >= last) return t_.back() + (i - last) / (px_per_s_ * stretch_at(x0_ + last));
  const std::size_t k = static_cast<std::size_t>(i);
  return t_[k] + (i - static_cast<double>(k)) * (t_[k + 1] - t_[k]);
}

void PanelClock::start_at(double t) {
  const double shift = t - t_.front();
  for (double &v : t_) v += shift;
}

}  // namespace detail
}  // namespace v1
}  // namespace ecgdig
