// Cost of the "hough" grid detector on a 2200 x 1700 page (ecg-image-kit, 200 dpi):
// upright, turned by 3 degrees, photographed at a slant, curled, and without a
// grid; and of carrying a curled page and its three maps onto the rectified
// page. The target is under 200 ms on two cores; arg = OpenCV threads.

#include <benchmark/benchmark.h>

#include <cmath>
#include <map>
#include <string>

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "ecgdig/grid_detector.hpp"
#include "ecgdig/registry.hpp"
#include "ecgdig/types.hpp"

namespace {

struct Case {
  cv::Mat bgr;
  ecgdig::SegmentationMaps maps;
};

// The page's grid is red and its traces near-black, so simple colour maps
// stand in for the segmenter's.
ecgdig::SegmentationMaps colour_maps(const cv::Mat &bgr, bool with_grid) {
  ecgdig::SegmentationMaps maps;
  cv::Mat channels[3], gray, dark;
  cv::split(bgr, channels);
  if (with_grid) {
    cv::Mat other = cv::max(channels[0], channels[1]), red;
    cv::subtract(channels[2], other, red);
    red.convertTo(maps.grid, CV_32F, 1.0 / 255);
  }
  cv::cvtColor(bgr, gray, cv::COLOR_BGR2GRAY);
  cv::threshold(gray, dark, 60, 255, cv::THRESH_BINARY_INV);
  dark.convertTo(maps.trace, CV_32F, 1.0 / 255);
  return maps;
}

const Case &make_case(const std::string &name) {
  static std::map<std::string, Case> cases;
  auto it = cases.find(name);
  if (it != cases.end()) return it->second;
  cv::Mat page = cv::imread(ECGDIG_TEST_DATA_DIR "/ptbxl/10504_hr-0.png", cv::IMREAD_COLOR), bgr;
  const cv::Point2f centre(page.cols / 2.f, page.rows / 2.f);
  const float w = static_cast<float>(page.cols), h = static_cast<float>(page.rows);
  if (name == "rotated") {
    cv::warpAffine(page, bgr, cv::getRotationMatrix2D(centre, 3.0, 1.0), page.size(), cv::INTER_LINEAR,
                   cv::BORDER_CONSTANT, cv::Scalar::all(255));
  } else if (name == "perspective") {
    cv::Point2f from[] = {{0, 0}, {w, 0}, {w, h}, {0, h}};
    cv::Point2f to[] = {{0.04f * w, 0.03f * h}, {0.98f * w, 0}, {0.96f * w, 0.96f * h}, {0.01f * w, 0.98f * h}};
    cv::warpPerspective(page, bgr, cv::getPerspectiveTransform(from, to), page.size(), cv::INTER_LINEAR,
                        cv::BORDER_CONSTANT, cv::Scalar::all(255));
  } else if (name == "curled") {
    // Two slow waves, up to 3 mm each way, as a phone photo of a curled page shows.
    cv::Mat map(page.size(), CV_32FC2);
    for (int y = 0; y < page.rows; ++y)
      for (int x = 0; x < page.cols; ++x)
        map.at<cv::Vec2f>(y, x) = cv::Vec2f(x + 20.f * std::sin(2 * CV_PI * (0.3 * y / h + 0.2 * x / w)),
                                            y + 24.f * std::sin(2 * CV_PI * (0.5 * x / w + 0.1)));
    cv::remap(page, bgr, map, cv::noArray(), cv::INTER_LINEAR, cv::BORDER_CONSTANT, cv::Scalar::all(255));
  } else {
    bgr = page;
  }
  Case c{bgr, colour_maps(bgr, name != "no_grid")};
  return cases.emplace(name, c).first->second;
}

void BM_GridDetect(benchmark::State &state, const char *name) {
  cv::setNumThreads(static_cast<int>(state.range(0)));
  const Case &c = make_case(name);
  auto detector = ecgdig::Registry<ecgdig::GridDetector>::global().create("hough");
  ecgdig::Geometry g;
  for (auto _ : state) {
    g = detector->detect(c.bgr, c.maps);
    benchmark::DoNotOptimize(g);
  }
  state.counters["px_per_mm"] = g.px_per_mm_x;
  state.counters["bent"] = g.bend_px.empty() ? 0 : 1;
  state.counters["rotation_deg"] = g.rotation_deg;
  state.counters["width_px"] = c.bgr.cols;
  state.counters["height_px"] = c.bgr.rows;
  cv::setNumThreads(-1);
}

BENCHMARK_CAPTURE(BM_GridDetect, upright, "upright")->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_CAPTURE(BM_GridDetect, rotated, "rotated")->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_CAPTURE(BM_GridDetect, perspective, "perspective")->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_CAPTURE(BM_GridDetect, curled, "curled")->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_CAPTURE(BM_GridDetect, no_grid, "no_grid")->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();

// The page and its three maps onto the rectified page, as the pipeline does.
void BM_Rectify(benchmark::State &state, const char *name) {
  cv::setNumThreads(static_cast<int>(state.range(0)));
  const Case &c = make_case(name);
  const ecgdig::Geometry g = ecgdig::Registry<ecgdig::GridDetector>::global().create("hough")->detect(c.bgr, c.maps);
  const cv::Mat text = cv::Mat::zeros(c.bgr.size(), CV_32F);
  ecgdig::Geometry flat = g;
  flat.bend_px.release();
  const bool bent = state.range(1) != 0;
  for (auto _ : state)
    benchmark::DoNotOptimize(ecgdig::rectify({c.bgr, c.maps.trace, c.maps.grid, text}, bent ? g : flat));
  state.counters["bent"] = bent && !g.bend_px.empty() ? 1 : 0;
  cv::setNumThreads(-1);
}

// args: OpenCV threads, bend undone (0: the homography alone)
BENCHMARK_CAPTURE(BM_Rectify, curled, "curled")
    ->Args({1, 0})->Args({1, 1})->Args({2, 0})->Args({2, 1})->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
