// U-Net segmenter on a 2200 x 1700 page (letter at 200 dpi) for first-level
// widths 8 and 16 at working long sides of 1024 and 1536 px, on 2 torch
// threads. The weights are those of one training step: the timing does not
// depend on them.
#include <benchmark/benchmark.h>

#include <filesystem>
#include <map>
#include <string>

#define ECGDIG_EXPERIMENTAL
#include "ecgdig/experimental/train.hpp"
#include "ecgdig/registry.hpp"
#include "ecgdig/render.hpp"
#include "ecgdig/segmenter.hpp"
#include "ecgdig/version.hpp"

namespace {

std::filesystem::path bench_weights(int width) {
  static std::map<int, std::filesystem::path> paths;
  if (!paths.count(width)) {
    ecgdig::experimental::TrainOptions o;
    o.out_dir = std::filesystem::temp_directory_path() / ("ecgdig_bench_unet_w" + std::to_string(width));
    o.base_width = width;
    o.steps = 1;
    o.batch = 1;
    o.crop_px = 64;
    o.working_long_side_px = 128;
    o.warmup_steps = 1;
    o.val_pages = 0;
    paths[width] = ecgdig::experimental::train_unet(o).weights;
  }
  return paths[width];
}

void BM_UnetSegment(benchmark::State &state) {
  if (!ecgdig::built_with_torch()) {
    state.SkipWithError("built without LibTorch (ECGDIG_WITH_TORCH=OFF)");
    return;
  }
  const cv::Mat page =
      ecgdig::render_page(ecgdig::synthesize_ecg({}, 1), ecgdig::ecg_image_kit_page_style(true)).bgr;
  const auto segmenter = ecgdig::Registry<ecgdig::Segmenter>::global().create(
      "unet", {{"weights", bench_weights(int(state.range(0))).string()},
               {"unet_long_side_px", std::to_string(state.range(1))},
               {"num_threads", "2"}});
  for (auto _ : state) benchmark::DoNotOptimize(segmenter->segment(page));
  state.SetLabel(std::to_string(page.cols) + "x" + std::to_string(page.rows));
}
BENCHMARK(BM_UnetSegment)
    ->ArgNames({"width", "long_side"})
    ->ArgsProduct({{8, 16}, {1024, 1536}})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

}  // namespace
