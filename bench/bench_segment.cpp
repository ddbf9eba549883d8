// The "classical" segmenter on an ecg-image-kit page at working size
// (2200 x 1700 px): the colour page and its black-and-white copy (grey grid,
// which takes the extra pale-line pass), on 1 and 2 threads. Target: < 150 ms
// on 2 cores.

#include <benchmark/benchmark.h>
#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>

#include "ecgdig/image_io.hpp"
#include "ecgdig/segmenter.hpp"

namespace {

const cv::Mat &colour_page() {
  static const cv::Mat p = ecgdig::read_image_pages(ECGDIG_TEST_DATA_DIR "/ptbxl/10504_hr-0.png").at(0);
  return p;
}

const cv::Mat &bw_page() {
  static const cv::Mat p = [] {
    cv::Mat grey, bgr;
    cv::cvtColor(colour_page(), grey, cv::COLOR_BGR2GRAY);
    cv::cvtColor(grey, bgr, cv::COLOR_GRAY2BGR);
    return bgr;
  }();
  return p;
}

// Argument: thread count.
void BM_Classical(benchmark::State &state, const cv::Mat &(*page)()) {
  const int threads = static_cast<int>(state.range(0));
  cv::setNumThreads(threads);
  const auto segmenter = ecgdig::Registry<ecgdig::Segmenter>::global().create(
      "classical", {{"num_threads", std::to_string(threads)}});
  const cv::Mat &input = page();
  for (auto _ : state) benchmark::DoNotOptimize(segmenter->segment(input));
  state.counters["width_px"] = input.cols;
  state.counters["height_px"] = input.rows;
}

BENCHMARK_CAPTURE(BM_Classical, colour, colour_page)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Classical, black_and_white, bw_page)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond);

}  // namespace
