#pragma once
// Conversion of decoded pixels of any common layout to the library's CV_8UC3 BGR.

#include <string>

#include <opencv2/core.hpp>

namespace ecgdig {
inline namespace v1 {
namespace detail {

/// Converts grey, grey+alpha, BGR or BGRA pixels of depth 8U, 16U or 32F
/// (floats in [0, 1]) to CV_8UC3 BGR; alpha is composited on white paper.
/// `what` names the image in error messages.
/// @throws Error(InvalidArgument) on an empty image or another layout
cv::Mat to_bgr8(const cv::Mat &image, const std::string &what);

}  // namespace detail
}  // namespace v1
}  // namespace ecgdig
