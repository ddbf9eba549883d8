// The whole pipeline on a 2200 x 1700 page (ecg-image-kit, 200 dpi), from
// decoded image to 12-lead record, with the default segmenter ("auto": the
// U-Net where its weights are found) and with the classical one; arg =
// threads. Counters give each stage's mean milliseconds, as the pipeline's
// diagnostics record them.

#include <benchmark/benchmark.h>

#include <map>
#include <string>

#include "ecgdig/image_io.hpp"
#include "ecgdig/pipeline.hpp"

namespace {

void BM_Pipeline_2200x1700(benchmark::State &state, const char *segmenter) {
  const cv::Mat page =
      ecgdig::read_image_pages(std::string(ECGDIG_TEST_DATA_DIR) + "/ptbxl/00841_hr-0.png").at(0);
  ecgdig::PipelineOptions options;
  options.segmenter = segmenter;
  options.num_threads = static_cast<int>(state.range(0));
  const ecgdig::Pipeline pipeline(options);
  std::map<std::string, double> stage_ms;
  for (auto _ : state) {
    ecgdig::Result result = pipeline.run(page);
    for (const auto &t : result.diagnostics.timings) stage_ms[t.stage] += t.ms;
    benchmark::DoNotOptimize(result);
  }
  for (const auto &[stage, ms] : stage_ms)
    state.counters[stage + "_ms"] = benchmark::Counter(ms / state.iterations());
}
BENCHMARK_CAPTURE(BM_Pipeline_2200x1700, default, "auto")
    ->Arg(1)
    ->Arg(2)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
BENCHMARK_CAPTURE(BM_Pipeline_2200x1700, classical, "classical")
    ->Arg(1)
    ->Arg(2)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

}  // namespace
