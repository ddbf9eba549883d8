#pragma once
// The 1 mV calibration pulse printed at the start of a trace row.

#include <optional>

#include <opencv2/core.hpp>

namespace ecgdig {
inline namespace v1 {
namespace detail {

/// A calibration pulse found on a binary trace mask. Coordinates are
/// continuous page px (pixel i spans [i, i + 1)).
struct CalibrationPulse {
  double x_rise_px = 0;    ///< centre of the rising edge
  double x_fall_px = 0;    ///< centre of the falling edge; the signal starts here
  double top_y_px = 0;     ///< centre of the top line (1 mV)
  double bottom_y_px = 0;  ///< centre of the bottom line (0 mV)
  double height_px() const { return bottom_y_px - top_y_px; }
  double width_px() const { return x_fall_px - x_rise_px; }
};

/// Looks for a pulse (a step up of at least 2.5 mm, flat for 2.5-12.5 mm,
/// back down) starting within 26 mm right of `x_begin`: a flat top line
/// whose first and last columns run down to the baseline. Edges may be broken
/// for up to 0.6 mm, or up to 1.5 mm where all but 0.6 mm of the gap is grid
/// (a grid line crossing the edge took its pixels), and dots of grid or text
/// may stand above the line.
/// @param mask CV_8UC1, non-zero on the trace
/// @param grid CV_8UC1 of the mask's size, non-zero on grid lines; may be empty
/// @param row_top_px, row_bottom_px the row's band (search window)
std::optional<CalibrationPulse> find_calibration_pulse(const cv::Mat &mask, const cv::Mat &grid, int x_begin,
                                                       int row_top_px, int row_bottom_px,
                                                       double px_per_mm_x, double px_per_mm_y);

/// The first of `choices` within `tolerance` (relative) of `value`; nothing
/// when none is.
std::optional<double> snap_to(double value, std::initializer_list<double> choices,
                              double tolerance);

}  // namespace detail
}  // namespace v1
}  // namespace ecgdig
