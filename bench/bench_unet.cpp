// U-Net segmenter on a 2200 x 1700 page (letter at 200 dpi), default width,
// at working long sides of 768, 1024 and 1280 px, on 2 torch threads. The
// weights are those of one training step: the timing does not depend on them.
#include <benchmark/benchmark.h>

#include <filesystem>

#define ECGDIG_EXPERIMENTAL
#include "ecgdig/experimental/train.hpp"
#include "ecgdig/registry.hpp"
#include "ecgdig/render.hpp"
#include "ecgdig/segmenter.hpp"
#include "ecgdig/version.hpp"

namespace {

const std::filesystem::path &bench_weights() {
  static const std::filesystem::path path = [] {
    ecgdig::experimental::TrainOptions o;
    o.out_dir = std::filesystem::temp_directory_path() / "ecgdig_bench_unet";
    o.steps = 1;
    o.batch = 1;
    o.crop_px = 64;
    o.working_long_side_px = 128;
    o.warmup_steps = 1;
    o.val_pages = 0;
    return ecgdig::experimental::train_unet(o).weights;
  }();
  return path;
}

void BM_UnetSegment(benchmark::State &state) {
  if (!ecgdig::built_with_torch()) {
    state.SkipWithError("built without LibTorch (ECGDIG_WITH_TORCH=OFF)");
    return;
  }
  const cv::Mat page =
      ecgdig::render_page(ecgdig::synthesize_ecg({}, 1), ecgdig::ecg_image_kit_page_style(true)).bgr;
  const auto segmenter = ecgdig::Registry<ecgdig::Segmenter>::global().create(
      "unet", {{"weights", bench_weights().string()},
               {"unet_long_side_px", std::to_string(state.range(0))},
               {"num_threads", "2"}});
  for (auto _ : state) benchmark::DoNotOptimize(segmenter->segment(page));
  state.SetLabel(std::to_string(page.cols) + "x" + std::to_string(page.rows));
}
BENCHMARK(BM_UnetSegment)->Arg(768)->Arg(1024)->Arg(1280)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
