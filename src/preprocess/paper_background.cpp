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

}  // namespace detail
}  // namespace v1
}  // namespace ecgdig
