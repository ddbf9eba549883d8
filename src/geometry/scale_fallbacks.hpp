#pragma once
// Ways to tell the size of a millimetre when the page shows no usable grid.

#include <optional>

#include <opencv2/core.hpp>

namespace ecgdig {
inline namespace v1 {
namespace detail {

/// A scale measured without the grid.
struct ScaleEstimate {
  double px_per_mm = 0;
  double confidence = 0;  ///< 0..1
};

/// Finds 1 mV calibration pulses (upright rectangles open at the bottom, at the
/// start of the trace rows) in a CV_8UC1 ink mask of the rectified page
/// (non-zero = trace). A pulse 2:1 tall is the standard 10 mm x 5 mm
/// (10 mm/mV, 25 mm/s) and gives the scale from both sides; a 4:1 pulse is
/// read as 20 mm/mV and gives it from its 5 mm width. Squares are ambiguous
/// (5 mm/mV or 50 mm/s) and are not used.
std::optional<ScaleEstimate> scale_from_calibration_pulse(const cv::Mat &ink, double min_px_per_mm,
                                                          double max_px_per_mm);

/// Scale from the length of the trace rows: a 12-lead page shows 10 s per
/// row at 25 mm/s (5 s at 50 mm/s), 250 mm in either case. Needs at least
/// two rows of about the same length.
std::optional<ScaleEstimate> scale_from_trace_rows(const cv::Mat &ink, double min_px_per_mm,
                                                   double max_px_per_mm);

/// Scale of a fully visible US-letter or A4 page, recognised by its aspect
/// ratio (within `tolerance`, relative).
std::optional<ScaleEstimate> scale_from_page_size(cv::Size page, double tolerance = 0.02);

}  // namespace detail
}  // namespace v1
}  // namespace ecgdig
