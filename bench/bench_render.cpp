// Benchmarks of the renderer: synthetic records and page drawing.

#include <benchmark/benchmark.h>

#include "ecgdig/render.hpp"

namespace {

using namespace ecgdig;

void BM_synthesize_ecg(benchmark::State &state) {
  std::uint64_t seed = 0;
  for (auto _ : state) benchmark::DoNotOptimize(synthesize_ecg(SynthOptions{}, seed++));
}
BENCHMARK(BM_synthesize_ecg)->Unit(benchmark::kMillisecond);

/// A 3x4+1 page at `range(0)` dpi: 100 dpi = 1100 x 850 px, 200 dpi = 2200 x 1700 px.
void BM_render_page(benchmark::State &state) {
  const Record record = synthesize_ecg(SynthOptions{}, 1);
  PageStyle style;
  style.dpi = double(state.range(0));
  for (auto _ : state) benchmark::DoNotOptimize(render_page(record, style));
  state.counters["pixels"] = double(render_page(record, style).bgr.total());
}
BENCHMARK(BM_render_page)->Arg(100)->Arg(200)->Unit(benchmark::kMillisecond);

/// Random styles (any layout, colours, fonts) at a fixed 100 dpi, as training draws them.
void BM_render_random_style(benchmark::State &state) {
  const Record record = synthesize_ecg(SynthOptions{}, 2);
  std::uint64_t seed = 0;
  for (auto _ : state) {
    state.PauseTiming();
    PageStyle style = random_page_style(seed++);
    style.dpi = 100;
    state.ResumeTiming();
    benchmark::DoNotOptimize(render_page(record, style));
  }
}
BENCHMARK(BM_render_random_style)->Unit(benchmark::kMillisecond);

}  // namespace
