// Cost of the "template" lead layout on the ecg-image-kit page 10504
// (3x4+1, 2200 x 1700 at 200 dpi) scaled to 100, 200 and 300 dpi, with maps
// from its dark pixels; arg = dpi.

#include <benchmark/benchmark.h>

#include "ecg_image_kit_page.hpp"
#include "ecgdig/lead_layout.hpp"
#include "ecgdig/registry.hpp"

namespace {

void BM_TemplateLayout(benchmark::State &state) {
  const bench::KitPage &page = bench::kit_page_at(static_cast<int>(state.range(0)));
  const auto layout = ecgdig::Registry<ecgdig::LeadLayout>::global().create("template");
  for (auto _ : state) benchmark::DoNotOptimize(layout->locate(page.bgr, page.maps, page.geometry));
}
BENCHMARK(BM_TemplateLayout)->Arg(100)->Arg(200)->Arg(300)->Unit(benchmark::kMillisecond);

}  // namespace
