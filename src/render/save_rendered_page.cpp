// Writes a rendered page with its masks and truth (JSON and WFDB).

#include <cmath>
#include <fstream>
#include <string>

#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>

#include "ecgdig/error.hpp"
#include "ecgdig/io.hpp"
#include "ecgdig/render.hpp"

namespace ecgdig {
inline namespace v1 {
namespace {

nlohmann::json number_or_null(double v) { return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(nullptr); }

/// Two decimals are far below a pixel and keep the files small.
double round2(double v) { return std::round(v * 100.0) / 100.0; }

nlohmann::json bgr_json(const cv::Scalar &s) { return {s[0], s[1], s[2]}; }

void write_png(const std::filesystem::path &path, const cv::Mat &image) {
  bool ok = false;
  try {
    ok = !image.empty() && cv::imwrite(path.string(), image);
  } catch (const cv::Exception &e) {
    throw Error(ErrorCode::Io, "save_rendered_page: cannot write " + path.string() + ": " + e.what());
  }
  if (!ok) throw Error(ErrorCode::Io, "save_rendered_page: cannot write " + path.string());
}

}  // namespace

void save_rendered_page(const RenderedPage &page, const std::filesystem::path &dir, const std::string &stem) {
  if (stem.empty() || stem.find_first_of("/\\") != std::string::npos)
    throw Error(ErrorCode::InvalidArgument, "save_rendered_page: stem \"" + stem + "\" must be a plain file name");
  if (page.bgr.empty() || page.bgr.type() != CV_8UC3)
    throw Error(ErrorCode::InvalidArgument, "save_rendered_page: page \"" + stem + "\" has no CV_8UC3 image");
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) throw Error(ErrorCode::Io, "save_rendered_page: cannot create directory " + dir.string() + ": " + ec.message());

  write_png(dir / (stem + ".png"), page.bgr);
  write_png(dir / (stem + "_trace.png"), page.trace_mask);
  write_png(dir / (stem + "_grid.png"), page.grid_mask);
  write_png(dir / (stem + "_text.png"), page.text_mask);

  nlohmann::json j;
  j["layout"] = page.layout;
  j["width"] = page.bgr.cols;
  j["height"] = page.bgr.rows;
  j["px_per_mm"] = page.px_per_mm;
  j["dpi"] = page.style.dpi;
  j["fs_hz"] = page.truth.fs_hz;
  j["num_samples"] = page.truth.num_samples();
  j["record"] = page.truth.name;
  j["paper_speed_mm_s"] = page.style.paper_speed_mm_s;
  j["limb_gain_mm_per_mv"] = page.style.limb_gain_mm_per_mv;
  j["chest_gain_mm_per_mv"] = page.style.chest_gain_mm_per_mv;
  j["calibration_pulse"] = page.style.calibration_pulse;
  j["geometry"] = page.style.geometry;
  j["seed"] = page.style.seed;
  j["grid_major_bgr"] = bgr_json(page.style.grid_major_bgr);
  j["grid_minor_bgr"] = bgr_json(page.style.grid_minor_bgr);
  j["trace_bgr"] = bgr_json(page.style.trace_bgr);
  j["paper_bgr"] = bgr_json(page.style.paper_bgr);
  nlohmann::json h = nlohmann::json::array();
  for (int r = 0; r < 3; ++r) h.push_back({page.image_from_page(r, 0), page.image_from_page(r, 1), page.image_from_page(r, 2)});
  j["image_from_page"] = h;
  j["degradations"] = page.degradations;
  j["path_format"] = "[x, y] image px, pixel centres at integers, one per sample from first_sample";
  nlohmann::json leads = nlohmann::json::array();
  for (const LeadTruth &lead : page.leads) {
    nlohmann::json l;
    l["name"] = lead.name;
    l["box_px"] = {lead.box_px.x, lead.box_px.y, lead.box_px.width, lead.box_px.height};
    l["baseline_y_px"] = lead.baseline_y_px;
    l["t_start_s"] = lead.t_start_s;
    l["duration_s"] = lead.duration_s;
    l["first_sample"] = lead.first_sample;
    nlohmann::json path = nlohmann::json::array();
    for (const cv::Point2f &p : lead.path_px) path.push_back({number_or_null(round2(p.x)), number_or_null(round2(p.y))});
    l["path_px"] = std::move(path);
    leads.push_back(std::move(l));
  }
  j["leads"] = std::move(leads);

  const std::filesystem::path json_path = dir / (stem + ".json");
  std::ofstream out(json_path);
  if (!out) throw Error(ErrorCode::Io, "save_rendered_page: cannot write " + json_path.string());
  out << j.dump();
  if (!out) throw Error(ErrorCode::Io, "save_rendered_page: cannot write " + json_path.string());
  out.close();

  Record truth = page.truth;
  truth.name = stem;
  write_wfdb(truth, dir / stem);
}

}  // namespace v1
}  // namespace ecgdig
