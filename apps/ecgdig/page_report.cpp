#include "page_report.hpp"

#include <algorithm>
#include <cmath>

namespace ecgdig::cli {

using json = nlohmann::ordered_json;

namespace {

double fraction_known(const Lead &lead) {
  if (lead.mv.empty()) return 0.0;
  const auto known = std::count_if(lead.mv.begin(), lead.mv.end(), [](float v) { return std::isfinite(v); });
  return double(known) / double(lead.mv.size());
}

// The largest shift the paper's bend called for, in mm (0 for a flat page).
double largest_bend_mm(const Geometry &g) {
  double largest = 0;
  for (auto it = g.bend_px.begin<cv::Vec2f>(); !g.bend_px.empty() && it != g.bend_px.end<cv::Vec2f>(); ++it)
    largest = std::max({largest, std::abs((*it)[0]) / g.px_per_mm_x, std::abs((*it)[1]) / g.px_per_mm_y});
  return largest;
}

}  // namespace

json page_report(const std::string &input, int page, const std::string &name, const Result &result,
                 const Record &record) {
  const Layout &layout = result.layout;
  const Geometry &geometry = result.geometry;
  json leads = json::array();
  for (const Lead &lead : record.leads)
    leads.push_back({{"name", lead.name}, {"confidence", lead.confidence}, {"fraction_known", fraction_known(lead)}});
  json timings = json::object();
  for (const StageTiming &t : result.diagnostics.timings) timings[t.stage] = t.ms;
  return {
      {"input", input},
      {"page", page},
      {"status", "ok"},
      {"record", name},
      {"layout",
       {{"name", layout.name},
        {"confidence", layout.confidence},
        {"paper_speed_mm_s", layout.paper_speed_mm_s},
        {"speed_from", to_string(layout.speed_evidence)},
        {"gain_mm_per_mv", layout.gain_mm_per_mv},
        {"gain_from", to_string(layout.gain_evidence)},
        {"chest_gain_mm_per_mv", layout.chest_gain_mm_per_mv},
        {"chest_gain_from", to_string(layout.chest_gain_evidence)},
        {"names_from", to_string(layout.name_evidence)}}},
      {"geometry",
       {{"rotation_deg", geometry.rotation_deg},
        {"px_per_mm_x", geometry.px_per_mm_x},
        {"px_per_mm_y", geometry.px_per_mm_y},
        {"scale_from", to_string(geometry.scale_source)},
        {"bend_mm", largest_bend_mm(geometry)},
        {"confidence", geometry.confidence}}},
      {"leads", leads},
      {"warnings", result.diagnostics.warnings},
      {"timings_ms", timings},
  };
}

json failure_report(const std::string &input, const std::string &error) {
  return {{"input", input}, {"status", "failed"}, {"error", error}};
}

}  // namespace ecgdig::cli
