#pragma once
// The page `ecgdig render --synthetic --layout random --preset PRESET` draws
// for `seed`: page synth_<seed> of the sets scripts/evaluate_accuracy.sh
// scores (seeds 1000-1059 none, 2000-2059 light, ... 6000-6059 bw), so a
// page the evaluation found wrong can be pinned by a test.

#include <cstdint>
#include <string>

#include "ecgdig/render.hpp"

inline ecgdig::RenderedPage evaluation_page(std::uint64_t seed, const std::string &preset) {
  ecgdig::RenderedPage page =
      ecgdig::render_page(ecgdig::synthesize_ecg({}, seed), ecgdig::random_page_style(seed));
  if (preset != "none") ecgdig::degrade(page, ecgdig::degrade_preset(preset), seed);
  return page;
}
