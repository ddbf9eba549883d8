#include "preprocess/pixel_convert.hpp"

#include <opencv2/imgproc.hpp>

#include "ecgdig/error.hpp"

namespace ecgdig {
inline namespace v1 {
namespace detail {
namespace {

cv::Mat to_depth8(const cv::Mat &image, const std::string &what) {
  cv::Mat out;
  switch (image.depth()) {
    case CV_8U: return image;
    case CV_16U: image.convertTo(out, CV_8U, 1.0 / 257.0); return out;
    case CV_32F:
    case CV_64F: image.convertTo(out, CV_8U, 255.0); return out;
    default:
      throw Error(ErrorCode::InvalidArgument,
                  what + " has pixel depth " + std::to_string(image.depth()) +
                      "; expected 8-bit, 16-bit or float samples");
  }
}

// Paper is white, so a transparent pixel shows white.
cv::Mat composite_on_white(const cv::Mat &colour, const cv::Mat &alpha) {
  double min_alpha = 0.0;
  cv::minMaxLoc(alpha, &min_alpha);
  if (min_alpha >= 255.0) return colour;
  cv::Mat out(colour.size(), CV_8UC3);
  for (int y = 0; y < colour.rows; ++y) {
    const auto *c = colour.ptr<cv::Vec3b>(y);
    const auto *a = alpha.ptr<std::uint8_t>(y);
    auto *o = out.ptr<cv::Vec3b>(y);
    for (int x = 0; x < colour.cols; ++x) {
      const int w = a[x];
      for (int k = 0; k < 3; ++k) o[x][k] = cv::saturate_cast<std::uint8_t>((c[x][k] * w + 255 * (255 - w) + 127) / 255);
    }
  }
  return out;
}

}  // namespace

cv::Mat to_bgr8(const cv::Mat &image, const std::string &what) {
  if (image.empty()) throw Error(ErrorCode::InvalidArgument, what + " is empty");
  const cv::Mat pixels = to_depth8(image, what);
  cv::Mat bgr;
  switch (pixels.channels()) {
    case 1: cv::cvtColor(pixels, bgr, cv::COLOR_GRAY2BGR); return bgr;
    case 2: {
      cv::Mat planes[2];
      cv::split(pixels, planes);
      cv::cvtColor(planes[0], bgr, cv::COLOR_GRAY2BGR);
      return composite_on_white(bgr, planes[1]);
    }
    case 3: return pixels.isContinuous() ? pixels : pixels.clone();
    case 4: {
      cv::Mat alpha;
      cv::extractChannel(pixels, alpha, 3);
      cv::cvtColor(pixels, bgr, cv::COLOR_BGRA2BGR);
      return composite_on_white(bgr, alpha);
    }
    default:
      throw Error(ErrorCode::InvalidArgument,
                  what + " has " + std::to_string(pixels.channels()) + " channels; expected 1, 2, 3 or 4");
  }
}

}  // namespace detail
}  // namespace v1
}  // namespace ecgdig
