// Decoding a page file and the "standard" preprocessor (resize + paper
// flattening) on an ecg-image-kit page (2200 x 1700 px, 200 dpi), scaled to
// several input sizes: the working size is 2200 px on the long side.

#include <benchmark/benchmark.h>
#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>

#include "ecgdig/image_io.hpp"
#include "ecgdig/preprocessor.hpp"

namespace {

const char *const kPage = ECGDIG_TEST_DATA_DIR "/ptbxl/10504_hr-0.png";

const cv::Mat &page() {
  static const cv::Mat p = ecgdig::read_image_pages(kPage).at(0);
  return p;
}

void BM_ReadPng(benchmark::State &state) {
  cv::setNumThreads(static_cast<int>(state.range(0)));
  for (auto _ : state) benchmark::DoNotOptimize(ecgdig::read_image_pages(kPage));
}

// Argument: input width in px (the page scaled from 2200 px wide).
void BM_StandardPrepare(benchmark::State &state) {
  cv::setNumThreads(2);
  cv::Mat input;
  const double scale = double(state.range(0)) / page().cols;
  cv::resize(page(), input, cv::Size(), scale, scale, cv::INTER_LINEAR);
  const auto preprocessor = ecgdig::Registry<ecgdig::Preprocessor>::global().create("standard");
  for (auto _ : state) benchmark::DoNotOptimize(preprocessor->prepare(input));
  state.counters["input_px"] = double(input.total());
}

BENCHMARK(BM_ReadPng)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_StandardPrepare)->Arg(1100)->Arg(2200)->Arg(4400)->Unit(benchmark::kMillisecond);

}  // namespace
