#include "ecgdig/overlay.hpp"

#include <cmath>

#include <fmt/format.h>
#include <opencv2/imgproc.hpp>

#include "ecgdig/error.hpp"

namespace ecgdig {
inline namespace v1 {
namespace {

// Distinct colours so neighbouring panels are easy to tell apart (BGR).
const cv::Scalar kPalette[] = {{255, 64, 0}, {0, 160, 0}, {200, 0, 200}, {0, 140, 255}};

}  // namespace

cv::Mat draw_overlay(const Result &result) {
  if (result.rectified_bgr.empty())
    throw Error(ErrorCode::InvalidArgument, "draw_overlay: the result has no rectified page");
  cv::Mat canvas;
  // A paler page makes the drawn traces stand out from the printed ones.
  result.rectified_bgr.convertTo(canvas, CV_8UC3, 0.5, 127);
  const Geometry &g = result.geometry;
  const Layout &layout = result.layout;
  const Record &record = result.record;
  const double thickness_scale = std::max(1.0, canvas.cols / 1100.0);
  const int line = static_cast<int>(std::lround(thickness_scale));

  for (std::size_t i = 0; i < layout.leads.size(); ++i) {
    const LeadBox &box = layout.leads[i];
    const cv::Scalar colour = kPalette[i % 4];
    cv::rectangle(canvas, box.box_px, colour, line);
    cv::putText(canvas, box.name, cv::Point(int(box.box_px.x) + 4 * line, int(box.box_px.y) + 18 * line),
                cv::FONT_HERSHEY_SIMPLEX, 0.6 * thickness_scale, colour, line, cv::LINE_AA);
    const Lead *lead = record.find(box.name);
    if (!lead || g.px_per_mm_x <= 0 || record.fs_hz <= 0) continue;
    const double px_per_s = layout.paper_speed_mm_s * g.px_per_mm_x;
    const double px_per_mv = lead_gain_mm_per_mv(layout, box.name) * g.px_per_mm_y;
    const auto first = static_cast<std::size_t>(std::max(0.0, std::floor(box.t_start_s * record.fs_hz)));
    const auto last = std::min(lead->mv.size(), static_cast<std::size_t>(std::ceil(
                                                    (box.t_start_s + box.duration_s) * record.fs_hz)));
    std::vector<cv::Point> run;
    auto flush = [&] {
      if (run.size() > 1) cv::polylines(canvas, run, false, colour, line, cv::LINE_AA);
      run.clear();
    };
    for (std::size_t n = first; n < last; ++n) {
      float mv = lead->mv[n];
      if (!std::isfinite(mv)) {
        flush();
        continue;
      }
      double x = box.box_px.x + (n / record.fs_hz - box.t_start_s) * px_per_s;
      double y = box.baseline_y_px - mv * px_per_mv;
      run.emplace_back(int(std::lround(x)), int(std::lround(y)));
    }
    flush();
  }

  // Scale mark: 0.2 s wide and 1 mV tall at the measured scale.
  if (g.px_per_mm_x > 0 && g.px_per_mm_y > 0) {
    const int w = int(std::lround(0.2 * layout.paper_speed_mm_s * g.px_per_mm_x));
    const int h = int(std::lround(layout.gain_mm_per_mv * g.px_per_mm_y));
    const cv::Point origin(10 * line, canvas.rows - 10 * line);
    cv::rectangle(canvas, cv::Rect(origin.x, origin.y - h, w, h), cv::Scalar(0, 0, 255), line);
    std::string label =
        fmt::format("{:.2f} px/mm ({}), {} mm/s, {} mm/mV, layout {}", g.px_per_mm_x,
                    to_string(g.scale_source), layout.paper_speed_mm_s, layout.gain_mm_per_mv,
                    layout.name.empty() ? "?" : layout.name);
    cv::putText(canvas, label, cv::Point(origin.x + w + 8 * line, origin.y),
                cv::FONT_HERSHEY_SIMPLEX, 0.6 * thickness_scale, cv::Scalar(0, 0, 255), line,
                cv::LINE_AA);
  }
  return canvas;
}

}  // namespace v1
}  // namespace ecgdig
