#include "preprocess/paper_background.hpp"

#include <algorithm>
#include <vector>

#include <opencv2/imgproc.hpp>

namespace ecgdig {
inline namespace v1 {
namespace detail {
namespace {

constexpr int kBackgroundLongSidePx = 512;
constexpr double kMinBackgroundFraction = 0.4;

// The 90th percentile of each channel.
cv::Scalar typical_paper(const cv::Mat &background) {
  cv::Scalar paper;
  std::vector<cv::Mat> planes;
  cv::split(background, planes);
  for (std::size_t c = 0; c < planes.size(); ++c) {
    std::vector<std::uint8_t> values(planes[c].begin<std::uint8_t>(), planes[c].end<std::uint8_t>());
    auto nth = values.begin() + static_cast<std::ptrdiff_t>(values.size() * 9 / 10);
    std::nth_element(values.begin(), nth, values.end());
    paper[static_cast<int>(c)] = std::max<double>(*nth, 1.0);
  }
  return paper;
}

}  // namespace

cv::Mat estimate_paper_background(const cv::Mat &image) {
  const double shrink = std::min(1.0, double(kBackgroundLongSidePx) / std::max(image.cols, image.rows));
  cv::Mat small;
  cv::resize(image, small, cv::Size(), shrink, shrink, cv::INTER_AREA);
  // About 5 mm on a full page: wider than the 1 mm grid gaps and a trace's width.
  const int window = std::max(3, (std::max(small.cols, small.rows) / 60) | 1);
  cv::Mat background;
  cv::dilate(small, background, cv::getStructuringElement(cv::MORPH_RECT, {window, window}));
  cv::blur(background, background, {2 * window + 1, 2 * window + 1}, {-1, -1}, cv::BORDER_REPLICATE);
  const cv::Mat floor(background.size(), background.type(), typical_paper(background) * kMinBackgroundFraction);
  cv::max(background, floor, background);
  return background;
}

void extend_paper(cv::Mat &bgr, const cv::Mat &outside) {
  const double shrink = std::min(1.0, double(kBackgroundLongSidePx) / std::max(bgr.cols, bgr.rows));
  cv::Mat small, small_outside;
  cv::resize(bgr, small, cv::Size(), shrink, shrink, cv::INTER_AREA);
  cv::resize(outside, small_outside, small.size(), 0, 0, cv::INTER_AREA);
  // Any trace of the outside makes a pixel outside, so no table colour is copied.
  small_outside = small_outside > 0;
  const int window = std::max(3, (std::max(small.cols, small.rows) / 100) | 1);
  cv::morphologyEx(small, small, cv::MORPH_CLOSE, cv::getStructuringElement(cv::MORPH_RECT, {window, window}));
  // Labels of the nearest inside pixel, numbered in raster order.
  std::vector<cv::Vec3b> paper;
  for (int y = 0; y < small.rows; ++y)
    for (int x = 0; x < small.cols; ++x)
      if (!small_outside.at<std::uint8_t>(y, x)) paper.push_back(small.at<cv::Vec3b>(y, x));
  if (paper.empty()) return;
  cv::Mat distance, labels;
  cv::distanceTransform(small_outside, distance, labels, cv::DIST_L2, 3, cv::DIST_LABEL_PIXEL);
  for (int y = 0; y < small.rows; ++y)
    for (int x = 0; x < small.cols; ++x)
      if (small_outside.at<std::uint8_t>(y, x))
        small.at<cv::Vec3b>(y, x) = paper[static_cast<std::size_t>(labels.at<int>(y, x) - 1)];
  cv::Mat filled;
  cv::resize(small, filled, bgr.size(), 0, 0, cv::INTER_LINEAR);
  filled.copyTo(bgr, outside);
}

}  // namespace detail
}  // namespace v1
}  // namespace ecgdig
