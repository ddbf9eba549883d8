#pragma once
// Time along a lead panel, read from the printed grid beside its trace.

#include <vector>

#include <opencv2/core.hpp>

#include "ecgdig/types.hpp"

namespace ecgdig {
inline namespace v1 {
namespace detail {

/// Where each moment of a panel lies on the rectified page. The page's scale
/// is one number, but a photographed or curled page stays unevenly stretched
/// after its homography: a panel's millimetres can be a few per cent wider or
/// narrower than the page's mean, and 2 % of a 2.5 s panel moves a QRS complex
/// at its ends by 25 ms. Where the grid shows, its period in windows of about
/// 50 mm along the panel sets the panel's px per second there (linear between
/// window centres); elsewhere the page's scale holds.
class PanelClock {
 public:
  /// `grid`: the rectified grid map (CV_32FC1), or empty for the page's
  /// scale throughout; `px_per_mm_x`: the page's horizontal scale, which the
  /// box's width and duration were measured with.
  PanelClock(const cv::Mat &grid, const LeadBox &box, double px_per_mm_x);

  /// Rectified x at recording time t (s, from box.t_start_s on).
  double x_at(double t) const;

  /// Local px per mm over the page's, at rectified x (1 where the grid did not tell).
  double stretch_at(double x) const;

 private:
  double x0_ = 0, t0_ = 0, px_per_s_ = 1;
  std::vector<double> knot_x_, knot_stretch_;  // window centres and their stretch
  std::vector<double> t_;                      // t_[i]: time at x0_ + i
};

}  // namespace detail
}  // namespace v1
}  // namespace ecgdig
