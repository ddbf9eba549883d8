#pragma once
// The ecg-image-kit pages in tests/data/ptbxl with maps built from their dark
// pixels and the geometry the data README gives (3x4+1, 25 mm/s, 10 mm/mV,
// 200 dpi).

#include <array>
#include <cmath>
#include <limits>
#include <string>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "ecgdig/types.hpp"

namespace ptbxl_page {

inline constexpr double kPxPerMm = 200 / 25.4;
inline constexpr std::array<double, 4> kBaselinesPx = {708.33, 991.67, 1275.00, 1534.71};
inline constexpr double kFirstSampleX = 78.74;  // no calibration pulse on these pages
inline constexpr double kColumnPx = 492.13;     // 2.5 s at 25 mm/s
inline constexpr int kSamplesPerColumn = 1250;  // at 500 Hz
inline const std::array<std::array<const char *, 4>, 3> kRows = {
    {{"I", "aVR", "V1", "V4"}, {"II", "aVL", "V2", "V5"}, {"III", "aVF", "V3", "V6"}}};

struct Page {
  cv::Mat bgr;
  ecgdig::SegmentationMaps maps;
  ecgdig::Geometry geometry;
};

inline std::string data_path(const std::string &file) {
  return std::string(ECGDIG_TEST_DATA_DIR) + "/ptbxl/" + file;
}

/// Maps from a page image: trace = pixels dark in every channel; no text or grid.
inline ecgdig::SegmentationMaps dark_pixel_maps(const cv::Mat &bgr) {
  cv::Mat brightest;
  cv::Mat channels[3];
  cv::split(bgr, channels);
  cv::max(channels[0], channels[1], brightest);
  cv::max(brightest, channels[2], brightest);
  cv::Mat dark = brightest < 100, trace;
  dark.convertTo(trace, CV_32F, 1.0 / 255);
  const cv::Mat zero = cv::Mat::zeros(bgr.size(), CV_32F);
  return {trace, zero, zero.clone()};
}

/// Page "NNNNN" (e.g. "00841").
inline Page load(const std::string &id) {
  Page page;
  page.bgr = cv::imread(data_path(id + "_hr-0.png"), cv::IMREAD_COLOR);
  page.maps = dark_pixel_maps(page.bgr);
  page.geometry.rectified_size = page.bgr.size();
  page.geometry.px_per_mm_x = page.geometry.px_per_mm_y = kPxPerMm;
  page.geometry.confidence = 1.0;
  return page;
}

/// The truth restricted to what the page shows: NaN outside each lead's panel
/// (column c of the 3x4 part shows samples [1250c, 1250c + 1250); II is shown whole).
inline ecgdig::Record shown_truth(ecgdig::Record truth) {
  for (auto &lead : truth.leads) {
    if (ecgdig::standard_lead_index(lead.name) == 1) continue;
    for (std::size_t r = 0; r < kRows.size(); ++r)
      for (std::size_t c = 0; c < kRows[r].size(); ++c) {
        if (ecgdig::standard_lead_index(lead.name) != ecgdig::standard_lead_index(kRows[r][c]))
          continue;
        for (std::size_t k = 0; k < lead.mv.size(); ++k)
          if (k / kSamplesPerColumn != c) lead.mv[k] = std::numeric_limits<float>::quiet_NaN();
      }
  }
  return truth;
}

}  // namespace ptbxl_page
