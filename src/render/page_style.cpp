// Page styles: the varied ones that training draws, and ecg-image-kit's look.

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "ecgdig/render.hpp"
#include "render/page_layouts.hpp"
#include "render/render_random.hpp"

namespace ecgdig {
inline namespace v1 {
namespace {

using render_detail::RenderRandom;

/// A mix of `a` and `b`: t = 0 gives a, t = 1 gives b.
cv::Scalar mix(const cv::Scalar &a, const cv::Scalar &b, double t) {
  return a * (1 - t) + b * t;
}

cv::Scalar jitter(RenderRandom &rng, const cv::Scalar &bgr, double amount) {
  cv::Scalar out;
  for (int c = 0; c < 3; ++c) out[c] = std::clamp(bgr[c] + rng.uniform(-amount, amount), 0.0, 255.0);
  return out;
}

}  // namespace

PageStyle random_page_style(std::uint64_t seed) {
  RenderRandom rng(seed ^ 0x5A17E5EEDULL);
  PageStyle s;
  // Most real pages are 3x4+1 at 25 mm/s and 10 mm/mV; every option stays reachable.
  const std::vector<std::string> layouts = page_layout_names();
  s.layout = layouts[rng.weighted({0.12, 0.45, 0.1, 0.07, 0.05, 0.06, 0.03, 0.03, 0.09})];
  s.paper_speed_mm_s = rng.chance(0.88) ? 25 : 50;
  const double gains[] = {10, 5, 20};
  s.limb_gain_mm_per_mv = gains[rng.weighted({0.8, 0.1, 0.1})];
  if (s.layout == "12x1" && rng.chance(0.5)) s.limb_gain_mm_per_mv = 5;
  s.chest_gain_mm_per_mv = rng.chance(0.85) ? s.limb_gain_mm_per_mv : gains[rng.integer(0, 2)];

  const std::size_t dpi_kind = rng.weighted({0.15, 0.15, 0.3, 0.2, 0.2});
  const double dpis[] = {100, 150, 200, 300};
  s.dpi = dpi_kind < 4 ? dpis[dpi_kind] : std::round(rng.uniform(72, 600));

  const std::size_t paper = rng.weighted({0.55, 0.35, 0.05, 0.05});
  const bool a4 = paper == 1 || paper == 3, portrait = paper >= 2;
  const double w = a4 ? 297.0 : 279.4, h = a4 ? 210.0 : 215.9;
  s.page_width_mm = portrait ? h : w;
  s.page_height_mm = portrait ? w : h;

  s.calibration_pulse = rng.chance(0.8);
  s.grid = rng.chance(0.93);
  s.lead_labels = rng.chance(0.95);
  s.header_text = rng.chance(0.8);
  s.separators = rng.chance(0.6);

  // Grid colours as printed by different machines and papers (BGR).
  const std::vector<cv::Scalar> majors = {
      {0, 0, 230},     // red
      {150, 110, 250}, // pink
      {40, 140, 250},  // orange
      {60, 160, 40},   // green
      {200, 120, 40},  // blue
      {120, 120, 120}, // grey
      {30, 30, 30}};   // black
  const cv::Scalar major = jitter(rng, majors[rng.weighted({0.4, 0.15, 0.1, 0.08, 0.07, 0.12, 0.08})], 25);
  s.paper_bgr = rng.chance(0.7) ? cv::Scalar(255, 255, 255)
                                : jitter(rng, cv::Scalar(238, 245, 250), 10);  // warm, slightly grey paper
  s.grid_major_bgr = major;
  s.grid_minor_bgr = mix(major, s.paper_bgr, rng.uniform(0.35, 0.8));

  const std::size_t ink = rng.weighted({0.8, 0.1, 0.1});
  s.trace_bgr = ink == 0 ? cv::Scalar::all(rng.uniform(0, 40))
                : ink == 1 ? cv::Scalar(rng.uniform(90, 160), rng.uniform(0, 50), rng.uniform(0, 40))
                           : cv::Scalar::all(rng.uniform(40, 90));
  s.trace_width_mm = rng.uniform(0.15, 0.5);
  s.seed = (std::uint64_t(rng.uniform() * 4294967296.0) << 32) | std::uint64_t(rng.uniform() * 4294967296.0);
  return s;
}

PageStyle ecg_image_kit_page_style(bool calibration_pulse) {
  PageStyle s;
  s.layout = "3x4+1";
  s.dpi = 200;
  s.page_width_mm = 279.4;
  s.page_height_mm = 215.9;
  s.calibration_pulse = calibration_pulse;
  s.grid_major_bgr = {0, 0, 255};
  s.grid_minor_bgr = {218.99, 223.0, 253.98};
  s.trace_bgr = {0, 0, 0};
  s.trace_width_mm = 0.75 * 25.4 / 72;  // matplotlib line width 0.75 pt
  s.paper_bgr = {255, 255, 255};
  s.geometry = "ecg-image-kit";
  return s;
}

}  // namespace v1
}  // namespace ecgdig
