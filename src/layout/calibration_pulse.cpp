#include "layout/calibration_pulse.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

#include "core/order_statistics.hpp"

namespace ecgdig {
inline namespace v1 {
namespace detail {
namespace {

// The longest vertical run of mask pixels in column x within [top, bottom]
// (first and last row), bridging gaps of up to max_gap rows, or up to
// max_grid_gap rows of which all but max_gap are grid (where a grid line
// crossed it and took its pixels, and resampling a few more at its sides);
// {-1, -1} when the column is empty. The longest, not the
// topmost: a dot of grid or text above a pulse edge must not hide it.
std::pair<int, int> longest_run(const cv::Mat &mask, const cv::Mat &grid, int x, int top, int bottom, int max_gap,
                                int max_grid_gap) {
  std::pair<int, int> best{-1, -1};
  for (int y = top; y <= bottom; ++y) {
    if (!mask.at<std::uint8_t>(y, x)) continue;
    int end = y, off_grid = 0;
    for (int next = y + 1; next <= bottom; ++next) {
      if (mask.at<std::uint8_t>(next, x)) {
        end = next;
        off_grid = 0;
        continue;
      }
      off_grid += grid.empty() || !grid.at<std::uint8_t>(next, x);
      if (next - end > max_grid_gap || off_grid > max_gap) break;
    }
    if (best.first < 0 || end - y > best.second - best.first) best = {y, end};
    y = end;
  }
  return best;
}

}  // namespace

std::optional<double> snap_to(double value, std::initializer_list<double> choices,
                              double tolerance) {
  for (double c : choices)
    if (std::abs(value - c) <= tolerance * c) return c;
  return std::nullopt;
}

std::optional<CalibrationPulse> find_calibration_pulse(const cv::Mat &mask, const cv::Mat &grid, int x_begin,
                                                       int row_top_px, int row_bottom_px,
                                                       double px_per_mm_x, double px_per_mm_y) {
  x_begin = std::max(0, x_begin);
  const int top = std::max(0, row_top_px);
  const int bottom = std::min(mask.rows - 1, row_bottom_px);
  const int x_last = std::min(mask.cols - 1, x_begin + static_cast<int>(40 * px_per_mm_x));
  const double min_rise_px = 2.5 * px_per_mm_y;
  if (x_begin >= mask.cols || top >= bottom) return std::nullopt;

  std::vector<std::pair<int, int>> runs;
  const int max_gap = std::max(1, static_cast<int>(0.6 * px_per_mm_y));
  const int max_grid_gap = std::max(max_gap, static_cast<int>(1.5 * px_per_mm_y));
  for (int x = x_begin; x <= x_last; ++x)
    runs.push_back(longest_run(mask, grid, x, top, bottom, max_gap, max_grid_gap));
  const int n = static_cast<int>(runs.size());

  const auto run_length = [&](int k) { return runs[k].second - runs[k].first; };
  // The first row within 2 px of y_level that column k has ink in; -1 if none.
  const auto ink_near = [&](int k, int y_level) {
    for (int y = std::max(top, y_level - 2); y <= std::min(bottom, y_level + 2); ++y)
      if (mask.at<std::uint8_t>(y, x_begin + k)) return y;
    return -1;
  };

  const int max_start = static_cast<int>(26 * px_per_mm_x);
  for (int i = 0; i < n && i <= max_start; ++i) {
    // A rising edge: a long vertical run; then the plateau: columns with ink
    // within 2 px of the top line's level in the column before (a
    // grid-crossing remnant above the line must not end it). The level
    // follows the line, which a blurred or slightly turned page draws sloping.
    if (runs[i].first < 0 || run_length(i) < min_rise_px) continue;
    std::vector<int> level{runs[i].first};  // the top line's highest ink row, per column from i
    int j = i;
    for (int y; j + 1 < n && (y = ink_near(j + 1, level.back())) >= 0; ++j) level.push_back(y);
    const int first = i;
    const double width_mm = (j - first + 1) / px_per_mm_x;
    if (width_mm < 2.5 || width_mm > 12.5) continue;
    // The top line's level along the plateau, and the rising edge's foot.
    // Of the edge's columns within 1 mm of the first, those that run at
    // least 70 % as far as the longest are full: a blurred corner or a
    // tilted edge leaves others short. Of two or more full columns the foot
    // is the second lowest: a crease or a wave crossing one column carries
    // it on below the baseline.
    const int top_y = level.size() > 2 ? median(std::vector<int>(level.begin() + 1, level.end()))
                                       : runs[first].first;
    const int edge_end = std::min(j, first + static_cast<int>(px_per_mm_x));
    int longest_run_px = 0;
    for (int k = first; k <= edge_end; ++k) longest_run_px = std::max(longest_run_px, run_length(k));
    std::vector<int> feet;
    for (int k = first; k <= edge_end; ++k)
      if (run_length(k) >= 0.7 * longest_run_px) feet.push_back(runs[k].second);
    std::sort(feet.begin(), feet.end());
    const int foot = feet.size() >= 2 ? feet[feet.size() - 2] : feet.back();
    const double height = foot - top_y;
    // Edges run from the top line down to the baseline; the interior is the top line only.
    const auto is_edge = [&](int k) { return run_length(k) >= 0.7 * height; };
    while (j > first && !is_edge(j)) --j;  // the top line's end cap overhangs the falling edge
    int rise_end = first, fall_begin = j;
    while (rise_end < j && is_edge(rise_end + 1)) ++rise_end;
    while (fall_begin > first && is_edge(fall_begin - 1)) --fall_begin;
    if (!is_edge(first) || !is_edge(j) || fall_begin - rise_end < 2) continue;
    // The top line is straight: a stretch of trace between two strokes,
    // which the level follows as well, wanders (a T wave: 2.6 mm on a B/W
    // copy, where a blurred top line drifts by 0.7 mm at most).
    const auto [lowest, highest] = std::minmax_element(level.begin() + (rise_end + 1 - first),
                                                       level.begin() + (fall_begin - first));
    if (*highest - *lowest > px_per_mm_y) continue;
    // The top line's thickness in each interior column: the run through its
    // level (another row's trace may run longer in the same column).
    std::vector<int> thickness;
    for (int k = rise_end + 1; k < fall_begin; ++k) {
      int y0 = level[static_cast<std::size_t>(k - first)], y1 = y0;
      while (y0 > top && mask.at<std::uint8_t>(y0 - 1, x_begin + k)) --y0;
      while (y1 < bottom && mask.at<std::uint8_t>(y1 + 1, x_begin + k)) ++y1;
      thickness.push_back(y1 - y0 + 1);
    }
    // A broken edge leaves a column or two of partial edge inside; more thick
    // columns than that are something hanging from the line (a letter, a wave).
    const auto thick = std::count_if(thickness.begin(), thickness.end(),
                                     [&](int t) { return t > 1.5 * px_per_mm_y; });
    if (thick > std::max<std::ptrdiff_t>(2, static_cast<std::ptrdiff_t>(thickness.size() / 5))) continue;
    const double line_px = median(thickness);
    CalibrationPulse pulse;
    pulse.x_rise_px = x_begin + (first + rise_end + 1) / 2.0;
    pulse.x_fall_px = x_begin + (fall_begin + j + 1) / 2.0;
    pulse.top_y_px = top_y + line_px / 2;
    pulse.bottom_y_px = foot + 1 - line_px / 2;
    return pulse;
  }
  return std::nullopt;
}

}  // namespace detail
}  // namespace v1
}  // namespace ecgdig
