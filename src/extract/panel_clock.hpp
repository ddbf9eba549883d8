#pragma once
// Time along a lead panel, read from the printed grid beside its trace.

#include <map>
#include <optional>
#include <tuple>
#include <vector>

#include <opencv2/core.hpp>

#include "ecgdig/types.hpp"

namespace ecgdig {
inline namespace v1 {
namespace detail {

/// The printed grid's local scale over the page's scale, in windows of the
/// rectified page; each window is measured once (neighbouring panels share them).
class GridStretch {
 public:
  /// `grid`: the rectified grid map (CV_32FC1); `px_per_mm_x`: the page's horizontal scale.
  GridStretch(cv::Mat grid, double px_per_mm_x);

  /// Local px per mm over the page's in the window, from the 5 mm lattice
  /// and its harmonics in its column sums; nothing where no lattice stands out.
  std::optional<double> in(cv::Range rows, cv::Range cols);

  double px_per_mm_x() const { return px_per_mm_x_; }
  cv::Size size() const { return grid_.size(); }

 private:
  cv::Mat grid_;
  double px_per_mm_x_;
  std::map<std::tuple<int, int, int, int>, std::optional<double>> measured_;
};

/// Where each moment of a panel lies on the rectified page. The page's scale
/// is one number, but a photographed or curled page stays unevenly stretched
/// after its homography: a panel's millimetres can be a few per cent wider or
/// narrower than the page's mean, and 2 % of a 2.5 s panel moves a QRS complex
/// at its ends by 25 ms. Where the grid shows, its stretch in windows of about
/// 50 mm along the panel and one beyond each end sets the panel's px per
/// second (linear through the window centres); elsewhere the page's scale holds.
class PanelClock {
 public:
  /// `grid`: the page's grid, or null for the page's scale throughout; the
  /// box's width and duration give the page's px per second.
  PanelClock(GridStretch *grid, const LeadBox &box);

  /// Rectified x at recording time t (s, from box.t_start_s on).
  double x_at(double t) const;

  /// Recording time at rectified x (s).
  double t_at(double x) const;

  /// Moves the panel's start (box.box_px.x) to time t; the clock runs as before from there.
  void start_at(double t);

 private:
  /// Local px per mm over the page's, at rectified x (1 where the grid did not tell).
  double stretch_at(double x) const;

  double x0_ = 0, px_per_s_ = 1;
  std::vector<double> knot_x_, knot_stretch_;  // window centres and their stretch
  std::vector<double> t_;                      // t_[i]: time at x0_ + i; t_[0] the panel's start
};

}  // namespace detail
}  // namespace v1
}  // namespace ecgdig
