#pragma once
// The ecg-image-kit page 10504 (3x4+1, 2200 x 1700 at 200 dpi) scaled to a
// given dpi, with maps from its dark pixels: the input of the layout and
// extraction benchmarks, built once per dpi outside the timed loops.

#include <map>

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "ecgdig/types.hpp"

namespace bench {

struct KitPage {
  cv::Mat bgr;
  ecgdig::SegmentationMaps maps;
  ecgdig::Geometry geometry;
};

inline const KitPage &kit_page_at(int dpi) {
  static std::map<int, KitPage> pages;
  auto it = pages.find(dpi);
  if (it != pages.end()) return it->second;
  KitPage page;
  const cv::Mat original =
      cv::imread(ECGDIG_TEST_DATA_DIR "/ptbxl/10504_hr-0.png", cv::IMREAD_COLOR);
  cv::resize(original, page.bgr, cv::Size(), dpi / 200.0, dpi / 200.0, cv::INTER_AREA);
  // Trace = dark in every channel (the red grid is dark in blue and green only).
  cv::Mat channels[3];
  cv::split(page.bgr, channels);
  const cv::Mat dark = cv::max(cv::max(channels[0], channels[1]), channels[2]) < 100;
  dark.convertTo(page.maps.trace, CV_32F, 1.0 / 255);
  page.maps.grid = cv::Mat::zeros(page.bgr.size(), CV_32F);
  page.maps.text = page.maps.grid.clone();
  page.geometry.rectified_size = page.bgr.size();
  page.geometry.px_per_mm_x = page.geometry.px_per_mm_y = dpi / 25.4;
  return pages.emplace(dpi, std::move(page)).first->second;
}

}  // namespace bench
