// Cost of degrade() per preset on a 1100 x 850 page (letter at 100 dpi), one
// core: the renderer feeds on-the-fly training, so "heavy" must stay near 50 ms.

#include <benchmark/benchmark.h>
#include <opencv2/core.hpp>

#include "ecgdig/render.hpp"

namespace {

const ecgdig::RenderedPage &page() {
  static const ecgdig::RenderedPage p = [] {
    ecgdig::PageStyle style;
    style.dpi = 100;
    return ecgdig::render_page(ecgdig::synthesize_ecg({}, 7), style);
  }();
  return p;
}

void BM_Degrade(benchmark::State &state, const char *preset) {
  cv::setNumThreads(1);
  const ecgdig::DegradeOptions options = ecgdig::degrade_preset(preset);
  const ecgdig::RenderedPage &source = page();
  std::uint64_t seed = 0;
  for (auto _ : state) {
    // degrade() clones the image itself; a shallow copy is all it needs.
    ecgdig::RenderedPage p = source;
    ecgdig::degrade(p, options, seed++);
    benchmark::DoNotOptimize(p.bgr.data);
  }
  state.counters["width_px"] = source.bgr.cols;
  state.counters["height_px"] = source.bgr.rows;
}

BENCHMARK_CAPTURE(BM_Degrade, light, "light")->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Degrade, heavy, "heavy")->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Degrade, photo, "photo")->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Degrade, bw, "bw")->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Degrade, rotated, "rotated")->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Degrade, crease, "crease")->Unit(benchmark::kMillisecond);

}  // namespace
