#include "geometry/scale_fallbacks.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

#include "core/order_statistics.hpp"

namespace ecgdig {
inline namespace v1 {
namespace detail {
namespace {

constexpr double kPulseHeightMm = 10.0;  // 1 mV at 10 mm/mV
constexpr double kPulseWidthMm = 5.0;    // 0.2 s at 25 mm/s
constexpr double kRowLengthMm = 250.0;   // 10 s at 25 mm/s, or 5 s at 50 mm/s
constexpr double kLetterShortMm = 215.9, kLetterLongMm = 279.4;
constexpr double kA4ShortMm = 210.0, kA4LongMm = 297.0;

// A vertical stroke: runs of ink in adjacent columns with the same ends.
struct Stroke {
  int x0, x1;  // first and last column
  int y0, y1;  // top and bottom row (inclusive)
  double centre() const { return 0.5 * (x0 + x1); }
  int width() const { return x1 - x0 + 1; }
  int height() const { return y1 - y0 + 1; }
};

std::vector<Stroke> vertical_strokes(const cv::Mat &ink, int min_len, int max_len) {
  std::vector<Stroke> done, open;
  for (int x = 0; x < ink.cols; ++x) {
    std::vector<Stroke> next;
    int y = 0;
    while (y < ink.rows) {
      if (!ink.at<uchar>(y, x)) {
        ++y;
        continue;
      }
      int start = y;
      while (y < ink.rows && ink.at<uchar>(y, x)) ++y;
      int len = y - start;
      if (len < min_len || len > max_len) continue;
      auto it = std::find_if(open.begin(), open.end(), [&](const Stroke &s) {
        return std::abs(s.y0 - start) <= 2 && std::abs(s.y1 - (y - 1)) <= 2;
      });
      if (it != open.end()) {
        Stroke s = *it;
        s.x1 = x;
        s.y0 = std::min(s.y0, start);
        s.y1 = std::max(s.y1, y - 1);
        open.erase(it);
        next.push_back(s);
      } else {
        next.push_back({x, x, start, y - 1});
      }
    }
    for (const Stroke &s : open) done.push_back(s);
    open = std::move(next);
  }
  for (const Stroke &s : open) done.push_back(s);
  return done;
}

// Columns [x0, x1] x rows [y0, y1] (inclusive) clipped to the image; empty when outside.
cv::Rect clipped(const cv::Mat &ink, int x0, int x1, int y0, int y1) {
  if (x1 < x0 || y1 < y0) return {};
  return cv::Rect(cv::Point(x0, y0), cv::Point(x1 + 1, y1 + 1)) & cv::Rect(0, 0, ink.cols, ink.rows);
}

double ink_fraction(const cv::Mat &ink, int x0, int x1, int y0, int y1) {
  cv::Rect r = clipped(ink, x0, x1, y0, y1);
  return r.empty() ? 0.0 : static_cast<double>(cv::countNonZero(ink(r))) / r.area();
}

// Fraction of the columns in [x0, x1] with ink somewhere in rows [y0, y1].
double covered_columns(const cv::Mat &ink, int x0, int x1, int y0, int y1) {
  cv::Rect r = clipped(ink, x0, x1, y0, y1);
  if (r.empty()) return 0.0;
  cv::Mat any;
  cv::reduce(ink(r), any, 0, cv::REDUCE_MAX);
  return static_cast<double>(cv::countNonZero(any)) / r.width;
}

}  // namespace

std::optional<ScaleEstimate> scale_from_calibration_pulse(const cv::Mat &ink, double min_px_per_mm,
                                                          double max_px_per_mm) {
  CV_Assert(ink.type() == CV_8UC1);
  // A pulse is 10 mm tall, over 3 % of any ECG page's long side; letters of
  // the text (an "n" is a small pulse) stay well under 2 %.
  const int min_len = std::max({8, static_cast<int>(5 * min_px_per_mm),
                                static_cast<int>(0.02 * std::max(ink.cols, ink.rows))});
  const int max_len = static_cast<int>(std::ceil(22 * max_px_per_mm));
  std::vector<Stroke> strokes = vertical_strokes(ink, min_len, max_len);
  std::sort(strokes.begin(), strokes.end(),
            [](const Stroke &a, const Stroke &b) { return a.x0 < b.x0; });

  std::vector<double> standard, tall;  // px per mm from 2:1 and 4:1 pulses
  for (std::size_t i = 0; i < strokes.size(); ++i) {
    const Stroke &left = strokes[i];
    const int thickness_max = std::max(6, left.height() / 4);
    if (left.width() > thickness_max) continue;
    for (std::size_t j = i + 1; j < strokes.size(); ++j) {
      const Stroke &right = strokes[j];
      double w = right.centre() - left.centre();
      if (w > 1.5 * left.height()) break;
      const int tol = std::max(3, left.height() / 16);
      if (right.width() > thickness_max || std::abs(right.y0 - left.y0) > tol ||
          std::abs(right.y1 - left.y1) > tol || w < 0.15 * left.height())
        continue;
      // Vertical runs go from the top edge of the top stroke to the bottom
      // edge of the baseline; centre to centre is one stroke width less.
      double t = 0.5 * (left.width() + right.width());
      double h = 0.5 * (left.height() + right.height()) - t;
      int ti = static_cast<int>(std::ceil(t));
      int top = std::min(left.y0, right.y0);
      if (covered_columns(ink, left.x1 + 1, right.x0 - 1, top, top + ti + 1) < 0.9) continue;
      int in_x0 = static_cast<int>(left.centre() + 0.2 * w), in_x1 = static_cast<int>(right.centre() - 0.2 * w);
      int in_y0 = static_cast<int>(top + t + 0.2 * h), in_y1 = static_cast<int>(top + t + 0.8 * h);
      if (ink_fraction(ink, in_x0, in_x1, in_y0, in_y1) > 0.03) continue;
      double ratio = h / w;
      if (ratio >= 1.6 && ratio <= 2.5)
        standard.push_back(0.5 * (h / kPulseHeightMm + w / kPulseWidthMm));
      else if (ratio >= 3.2 && ratio <= 5.0)
        tall.push_back(w / kPulseWidthMm);
    }
  }
  const bool use_standard = standard.size() >= tall.size();
  const std::vector<double> &found = use_standard ? standard : tall;
  if (found.empty()) return std::nullopt;
  ScaleEstimate out;
  out.px_per_mm = median(found);
  if (out.px_per_mm < min_px_per_mm || out.px_per_mm > max_px_per_mm) return std::nullopt;
  // More pulses that agree make a surer scale; the width alone is less sure.
  out.confidence = (0.5 + 0.1 * std::min<double>(3, static_cast<double>(found.size()) - 1)) *
                   (use_standard ? 1.0 : 0.8);
  return out;
}

std::optional<ScaleEstimate> scale_from_trace_rows(const cv::Mat &page_ink, double min_px_per_mm,
                                                   double max_px_per_mm) {
  CV_Assert(page_ink.type() == CV_8UC1);
  if (page_ink.rows < 16 || page_ink.cols < 16) return std::nullopt;
  // Page frames and scan edges hug the border and run the full width; trace
  // rows never do.
  const int mx = page_ink.cols / 100, my = page_ink.rows / 100;
  const cv::Mat ink = page_ink(cv::Rect(mx, my, page_ink.cols - 2 * mx, page_ink.rows - 2 * my));
  std::vector<double> rows(static_cast<std::size_t>(ink.rows));
  for (int y = 0; y < ink.rows; ++y) rows[static_cast<std::size_t>(y)] = cv::countNonZero(ink.row(y));
  // Smooth over ~1 % of the height so a row's wiggles make one band.
  const int half = std::max(2, ink.rows / 200);
  std::vector<double> smooth(rows.size(), 0.0);
  for (int y = 0; y < ink.rows; ++y) {
    int a = std::max(0, y - half), b = std::min(ink.rows - 1, y + half);
    for (int k = a; k <= b; ++k) smooth[static_cast<std::size_t>(y)] += rows[static_cast<std::size_t>(k)];
    smooth[static_cast<std::size_t>(y)] /= (b - a + 1);
  }
  const double peak = *std::max_element(smooth.begin(), smooth.end());
  if (!(peak > 0)) return std::nullopt;
  const int max_gap = std::max(4, ink.cols / 50);
  std::vector<double> lengths;
  for (int y = 0; y < ink.rows;) {
    if (smooth[static_cast<std::size_t>(y)] < 0.25 * peak) {
      ++y;
      continue;
    }
    int y0 = y;
    while (y < ink.rows && smooth[static_cast<std::size_t>(y)] >= 0.25 * peak) ++y;
    // The longest run of inked columns in the band, bridging small gaps.
    cv::Mat band;
    cv::reduce(ink.rowRange(y0, y), band, 0, cv::REDUCE_MAX);
    int best = 0, start = -1, last = -1;
    for (int x = 0; x < band.cols; ++x) {
      if (!band.at<uchar>(0, x)) continue;
      if (start < 0 || x - last > max_gap) start = x;
      last = x;
      best = std::max(best, last - start + 1);
    }
    if (best >= 0.4 * ink.cols) lengths.push_back(best);
  }
  // The longest length that another row confirms within 3 %.
  std::sort(lengths.rbegin(), lengths.rend());
  for (std::size_t i = 0; i < lengths.size(); ++i) {
    std::vector<double> agree;
    for (double l : lengths)
      if (std::abs(l - lengths[i]) <= 0.03 * lengths[i]) agree.push_back(l);
    if (agree.size() < 2) continue;
    double px_per_mm = median(agree) / kRowLengthMm;
    if (px_per_mm < min_px_per_mm || px_per_mm > max_px_per_mm) return std::nullopt;
    return ScaleEstimate{px_per_mm, 0.3};
  }
  return std::nullopt;
}

std::optional<ScaleEstimate> scale_from_page_size(cv::Size page, double tolerance) {
  double long_px = std::max(page.width, page.height), short_px = std::min(page.width, page.height);
  if (short_px < 1) return std::nullopt;
  double aspect = long_px / short_px;
  for (auto [short_mm, long_mm] : {std::pair{kLetterShortMm, kLetterLongMm}, std::pair{kA4ShortMm, kA4LongMm}})
    if (std::abs(aspect / (long_mm / short_mm) - 1.0) < tolerance)
      return ScaleEstimate{0.5 * (short_px / short_mm + long_px / long_mm), 0.2};
  return std::nullopt;
}

}  // namespace detail
}  // namespace v1
}  // namespace ecgdig
