// Cost of the "trace" signal extractor on the ecg-image-kit page 10504
// (3x4+1, 13 panels) scaled to 100, 200 and 300 dpi, with maps from its dark
// pixels and the layout found by "template"; arg = dpi.

#include <benchmark/benchmark.h>

#include "ecg_image_kit_page.hpp"
#include "ecgdig/lead_layout.hpp"
#include "ecgdig/registry.hpp"
#include "ecgdig/signal_extractor.hpp"

namespace {

void BM_TraceExtractor(benchmark::State &state) {
  const bench::KitPage &page = bench::kit_page_at(static_cast<int>(state.range(0)));
  const ecgdig::Layout found = ecgdig::Registry<ecgdig::LeadLayout>::global()
                                   .create("template")
                                   ->locate(page.bgr, page.maps, page.geometry);
  const auto extractor = ecgdig::Registry<ecgdig::SignalExtractor>::global().create("trace");
  for (auto _ : state) {
    ecgdig::Layout layout = found;
    benchmark::DoNotOptimize(extractor->extract(page.maps, page.geometry, layout, 500));
  }
}
BENCHMARK(BM_TraceExtractor)->Arg(100)->Arg(200)->Arg(300)->Unit(benchmark::kMillisecond);

}  // namespace
