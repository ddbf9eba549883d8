#include "segment/classical_segmenter.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

#include <fmt/format.h>
#include <opencv2/imgproc.hpp>

#include "ecgdig/error.hpp"
#include "preprocess/paper_background.hpp"

// How the classical segmenter decides (all sizes relative to the page, which
// is assumed to fill the image: ~280 mm on the long side, letter or A4):
//  - colour: HSV-style saturation of bright-ish pixels marks a coloured grid
//    (red, pink, orange, green, blue); a saturated pixel is never trace.
//  - ink: darkness against the local paper colour, for unsaturated pixels.
//  - grid lines in grey or black (B/W copies): ink that lies on long straight
//    horizontal or vertical runs (morphological opening with ~28 mm kernels,
//    tolerant of ~0.5 degree skew). Where a trace crosses such a line, pixels
//    clearly darker than the line ink stay trace.
//  - text: ink components of letter size (lead names, header, footer), or
//    short dense lines of letters. Column separators and isolated calibration
//    pulses are that small too and land in text; a calibration pulse joined
//    to its trace stays trace.
//  - trace: the remaining ink.

namespace ecgdig {
inline namespace v1 {
namespace detail {
namespace {

constexpr double kAssumedPageLongSideMm = 280.0;
// Grid lines are runs at least this long; ECG traces are rarely this straight.
constexpr double kLineRunMm = 28.0;
// Text components: letters and lines of letters.
constexpr double kTextMaxHeightMm = 8.0;
constexpr double kGlyphMaxWidthMm = 12.0;
constexpr double kTextLineMaxHeightMm = 5.0;
constexpr double kTextLineMinDensity = 0.2;

inline float ramp(float x, float lo, float hi) { return std::clamp((x - lo) / (hi - lo), 0.0f, 1.0f); }

struct PixelMaps {
  cv::Mat colour;    // CV_32F, coloured-grid evidence
  cv::Mat ink;       // CV_32F, dark unsaturated ink
  cv::Mat ink_mask;  // CV_8U, 255 where ink >= 0.5
  cv::Mat darkness;  // CV_8U, 255 * (1 - value / paper value)
};

class ClassicalSegmenter final : public Segmenter {
 public:
  explicit ClassicalSegmenter(const StageOptions &options) : num_threads_(options.get_int("num_threads", 0)) {
    if (num_threads_ < 0)
      throw Error(ErrorCode::InvalidArgument, fmt::format("option num_threads must be >= 0, not {}", num_threads_));
  }

  SegmentationMaps segment(const cv::Mat &bgr) const override {
    if (bgr.empty() || bgr.type() != CV_8UC3)
      throw Error(ErrorCode::InvalidArgument, "the classical segmenter needs a non-empty CV_8UC3 BGR image");
    if (std::min(bgr.cols, bgr.rows) < 32)
      throw Error(ErrorCode::InvalidArgument,
                  fmt::format("the image given to the classical segmenter is {}x{} px; at least 32 px per side are needed",
                              bgr.cols, bgr.rows));
    const double px_per_mm = std::max(bgr.cols, bgr.rows) / kAssumedPageLongSideMm;
    const PixelMaps pixels = measure_pixels(bgr);

    // Shape analysis runs at half resolution: 4x cheaper, and a 1 px skew step
    // at full resolution disappears.
    cv::Mat ink_half;
    cv::resize(pixels.ink_mask, ink_half, cv::Size((bgr.cols + 1) / 2, (bgr.rows + 1) / 2), 0, 0, cv::INTER_AREA);
    cv::threshold(ink_half, ink_half, 0, 255, cv::THRESH_BINARY);
    const cv::Mat lines_half = straight_lines(ink_half, px_per_mm / 2);
    const cv::Mat text_half = text_components(ink_half & ~lines_half, px_per_mm / 2);

    cv::Mat lines, text;
    cv::resize(lines_half, lines, bgr.size(), 0, 0, cv::INTER_NEAREST);
    cv::resize(text_half, text, bgr.size(), 0, 0, cv::INTER_NEAREST);
    lines &= pixels.ink_mask;
    text &= pixels.ink_mask;
    return compose(pixels, lines, text);
  }

 private:
  int stripes() const { return num_threads_ > 0 ? num_threads_ : -1; }

  PixelMaps measure_pixels(const cv::Mat &bgr) const {
    cv::Mat value(bgr.size(), CV_8U);
    cv::parallel_for_(cv::Range(0, bgr.rows), [&](const cv::Range &rows) {
      for (int y = rows.start; y < rows.end; ++y) {
        const auto *p = bgr.ptr<cv::Vec3b>(y);
        auto *v = value.ptr<std::uint8_t>(y);
        for (int x = 0; x < bgr.cols; ++x) v[x] = std::max({p[x][0], p[x][1], p[x][2]});
      }
    }, stripes());
    cv::Mat paper;
    cv::resize(estimate_paper_background(value), paper, bgr.size(), 0, 0, cv::INTER_LINEAR);

    PixelMaps out{cv::Mat(bgr.size(), CV_32F), cv::Mat(bgr.size(), CV_32F), cv::Mat(bgr.size(), CV_8U),
                  cv::Mat(bgr.size(), CV_8U)};
    cv::parallel_for_(cv::Range(0, bgr.rows), [&](const cv::Range &rows) {
      for (int y = rows.start; y < rows.end; ++y) {
        const auto *p = bgr.ptr<cv::Vec3b>(y);
        const auto *v = value.ptr<std::uint8_t>(y);
        const auto *b = paper.ptr<std::uint8_t>(y);
        auto *colour = out.colour.ptr<float>(y);
        auto *ink = out.ink.ptr<float>(y);
        auto *mask = out.ink_mask.ptr<std::uint8_t>(y);
        auto *dark = out.darkness.ptr<std::uint8_t>(y);
        for (int x = 0; x < bgr.cols; ++x) {
          const float vmax = v[x];
          const float chroma = vmax - std::min({p[x][0], p[x][1], p[x][2]});
          const float saturation = chroma / std::max(vmax, 1.0f);
          const float darkness = std::max(0.0f, 1.0f - vmax / std::max<float>(b[x], 1.0f));
          colour[x] = ramp(saturation, 0.08f, 0.25f) * ramp(chroma, 10.0f, 40.0f);
          ink[x] = ramp(darkness, 0.2f, 0.45f) * (1.0f - colour[x]);
          mask[x] = ink[x] >= 0.5f ? 255 : 0;
          dark[x] = cv::saturate_cast<std::uint8_t>(255.0f * darkness);
        }
      }
    }, stripes());
    return out;
  }

  // Ink on long horizontal or vertical runs. The mask is first thickened
  // across the run direction so a slightly skewed line still forms a run.
  static cv::Mat straight_lines(const cv::Mat &ink, double px_per_mm) {
    const int run = std::max(15, static_cast<int>(std::lround(kLineRunMm * px_per_mm)));
    cv::Mat thick, horizontal, vertical;
    cv::dilate(ink, thick, cv::getStructuringElement(cv::MORPH_RECT, {1, 3}));
    cv::morphologyEx(thick, horizontal, cv::MORPH_OPEN, cv::getStructuringElement(cv::MORPH_RECT, {run, 1}));
    cv::dilate(ink, thick, cv::getStructuringElement(cv::MORPH_RECT, {3, 1}));
    cv::morphologyEx(thick, vertical, cv::MORPH_OPEN, cv::getStructuringElement(cv::MORPH_RECT, {1, run}));
    return (horizontal | vertical) & ink;
  }

  // Ink components of letter size, found after bridging the one-pixel gaps
  // that removed grid lines leave in a trace.
  static cv::Mat text_components(const cv::Mat &ink, double px_per_mm) {
    cv::Mat bridged, labels, stats, centroids;
    cv::dilate(ink, bridged, cv::getStructuringElement(cv::MORPH_RECT, {3, 3}));
    const int count = cv::connectedComponentsWithStats(bridged, labels, stats, centroids, 8, CV_32S);
    std::vector<std::uint8_t> is_text(static_cast<std::size_t>(count), 0);
    for (int i = 1; i < count; ++i) {
      const double w_mm = stats.at<int>(i, cv::CC_STAT_WIDTH) / px_per_mm;
      const double h_mm = stats.at<int>(i, cv::CC_STAT_HEIGHT) / px_per_mm;
      const double density = stats.at<int>(i, cv::CC_STAT_AREA) /
                              double(stats.at<int>(i, cv::CC_STAT_WIDTH) * stats.at<int>(i, cv::CC_STAT_HEIGHT));
      const bool glyph = h_mm <= kTextMaxHeightMm && w_mm <= kGlyphMaxWidthMm;
      const bool text_line = h_mm <= kTextLineMaxHeightMm && density >= kTextLineMinDensity;
      is_text[static_cast<std::size_t>(i)] = (glyph || text_line) ? 255 : 0;
    }
    cv::Mat text(ink.size(), CV_8U);
    for (int y = 0; y < ink.rows; ++y) {
      const auto *l = labels.ptr<int>(y);
      auto *t = text.ptr<std::uint8_t>(y);
      for (int x = 0; x < ink.cols; ++x) t[x] = is_text[static_cast<std::size_t>(l[x])];
    }
    return text & ink;
  }

  // Typical darkness of line ink; trace ink clearly darker than it stays trace
  // where it crosses a line.
  static int trace_over_line_darkness(const PixelMaps &pixels, const cv::Mat &lines) {
    int histogram[256] = {};
    int total = 0;
    for (int y = 0; y < lines.rows; y += 2) {
      const auto *l = lines.ptr<std::uint8_t>(y);
      const auto *d = pixels.darkness.ptr<std::uint8_t>(y);
      for (int x = 0; x < lines.cols; x += 2) {
        if (l[x]) {
          ++histogram[d[x]];
          ++total;
        }
      }
    }
    int median = 255, seen = 0;
    for (int i = 0; i < 256 && total > 0; ++i) {
      seen += histogram[i];
      if (2 * seen >= total) {
        median = i;
        break;
      }
    }
    return median + (255 - median) / 2 + 10;
  }

  SegmentationMaps compose(const PixelMaps &pixels, const cv::Mat &lines, const cv::Mat &text) const {
    const int keep_darkness = trace_over_line_darkness(pixels, lines);
    SegmentationMaps maps{cv::Mat(lines.size(), CV_32F), cv::Mat(lines.size(), CV_32F), cv::Mat(lines.size(), CV_32F)};
    cv::parallel_for_(cv::Range(0, lines.rows), [&](const cv::Range &rows) {
      for (int y = rows.start; y < rows.end; ++y) {
        const auto *colour = pixels.colour.ptr<float>(y);
        const auto *ink = pixels.ink.ptr<float>(y);
        const auto *dark = pixels.darkness.ptr<std::uint8_t>(y);
        const auto *l = lines.ptr<std::uint8_t>(y);
        const auto *t = text.ptr<std::uint8_t>(y);
        auto *trace = maps.trace.ptr<float>(y);
        auto *grid = maps.grid.ptr<float>(y);
        auto *txt = maps.text.ptr<float>(y);
        for (int x = 0; x < lines.cols; ++x) {
          const bool on_line = l[x] && dark[x] < keep_darkness;
          txt[x] = t[x] ? ink[x] : 0.0f;
          trace[x] = (on_line || t[x]) ? 0.0f : ink[x];
          grid[x] = std::min(std::max(colour[x], on_line ? ink[x] : 0.0f), 1.0f - trace[x] - txt[x]);
        }
      }
    }, stripes());
    return maps;
  }

  int num_threads_;
};

}  // namespace

std::unique_ptr<Segmenter> make_classical_segmenter(const StageOptions &options) {
  return std::make_unique<ClassicalSegmenter>(options);
}

}  // namespace detail
}  // namespace v1
}  // namespace ecgdig
