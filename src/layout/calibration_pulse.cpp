#include "layout/calibration_pulse.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

namespace ecgdig {
inline namespace v1 {
namespace detail {
namespace {

// Topmost mask pixel of column x in [top, bottom], and the end of the
// vertical run that starts there; -1 when the column is empty.
std::pair<int, int> top_run(const cv::Mat &mask, int x, int top, int bottom) {
  for (int y = top; y <= bottom; ++y) {
    if (!mask.at<std::uint8_t>(y, x)) continue;
    int end = y;
    while (end + 1 <= bottom && mask.at<std::uint8_t>(end + 1, x)) ++end;
    return {y, end};
  }
  return {-1, -1};
}

}  // namespace

std::optional<double> snap_to(double value, std::initializer_list<double> choices,
                              double tolerance) {
  for (double c : choices)
    if (std::abs(value - c) <= tolerance * c) return c;
  return std::nullopt;
}

std::optional<CalibrationPulse> find_calibration_pulse(const cv::Mat &mask, int x_begin,
                                                       int row_top_px, int row_bottom_px,
                                                       double px_per_mm_x, double px_per_mm_y) {
  x_begin = std::max(0, x_begin);
  const int top = std::max(0, row_top_px);
  const int bottom = std::min(mask.rows - 1, row_bottom_px);
  const int x_last = std::min(mask.cols - 1, x_begin + static_cast<int>(40 * px_per_mm_x));
  const double min_rise_px = 2.5 * px_per_mm_y;
  if (x_begin >= mask.cols || top >= bottom) return std::nullopt;

  std::vector<std::pair<int, int>> runs;
  for (int x = x_begin; x <= x_last; ++x) runs.push_back(top_run(mask, x, top, bottom));
  const int n = static_cast<int>(runs.size());

  const int max_start = static_cast<int>(26 * px_per_mm_x);
  for (int i = 0; i < n && i <= max_start; ++i) {
    // A rising edge: a long vertical run; then the plateau: columns whose top stays within 2 px.
    if (runs[i].first < 0 || runs[i].second - runs[i].first < min_rise_px) continue;
    int j = i;
    while (j + 1 < n && runs[j + 1].first >= 0 && std::abs(runs[j + 1].first - runs[i].first) <= 2)
      ++j;
    const int first = i;
    i = j;  // a failed candidate is skipped whole
    const double width_mm = (j - first + 1) / px_per_mm_x;
    if (width_mm < 2.5 || width_mm > 12.5) continue;
    const int top_y = runs[first].first;
    const double height = runs[first].second - top_y;
    // Edges run from the top line down to the baseline; the interior is the top line only.
    const auto is_edge = [&](int k) { return runs[k].second - runs[k].first >= 0.7 * height; };
    while (j > first && !is_edge(j)) --j;  // the top line's end cap overhangs the falling edge
    int rise_end = first, fall_begin = j;
    while (rise_end < j && is_edge(rise_end + 1)) ++rise_end;
    while (fall_begin > first && is_edge(fall_begin - 1)) --fall_begin;
    if (!is_edge(first) || !is_edge(j) || fall_begin - rise_end < 2) continue;
    std::vector<int> thickness;
    for (int k = rise_end + 1; k < fall_begin; ++k)
      thickness.push_back(runs[k].second - runs[k].first + 1);
    if (*std::max_element(thickness.begin(), thickness.end()) > 1.5 * px_per_mm_y) continue;
    std::nth_element(thickness.begin(), thickness.begin() + thickness.size() / 2, thickness.end());
    const double line_px = thickness[thickness.size() / 2];
    CalibrationPulse pulse;
    pulse.x_rise_px = x_begin + (first + rise_end + 1) / 2.0;
    pulse.x_fall_px = x_begin + (fall_begin + j + 1) / 2.0;
    pulse.top_y_px = top_y + line_px / 2;
    pulse.bottom_y_px = runs[first].second + 1 - line_px / 2;
    return pulse;
  }
  return std::nullopt;
}

}  // namespace detail
}  // namespace v1
}  // namespace ecgdig
