#pragma once
/// @file
/// Stage 1: bring a decoded page to the working size and a normal colour range.

#include <vector>

#include <opencv2/core.hpp>

#include "ecgdig/export.hpp"
#include "ecgdig/registry.hpp"

namespace ecgdig {
inline namespace v1 {

/// A page ready for segmentation.
struct PreparedImage {
  cv::Mat bgr;         ///< CV_8UC3 BGR at working size
  double scale = 1.0;  ///< working px per original px
  /// The part of the original image that `bgr` shows, in original px
  /// (empty: all of it): working px = (original px - page_px.tl()) * scale.
  cv::Rect page_px;
  /// Corners of the paper (top-left, top-right, bottom-right, bottom-left)
  /// in original px when a surround (table, scanner lid) was found around
  /// it; `bgr` is white outside them. Empty when the paper fills the image.
  std::vector<cv::Point2d> paper_px;
};

/// Resizes and normalises a decoded page. Built by name through
/// Registry<Preprocessor>::global() ("standard").
class ECGDIG_API Preprocessor {
 public:
  virtual ~Preprocessor() = default;
  /// @param image CV_8UC1, CV_8UC3 (BGR) or CV_8UC4 (BGRA), any size
  /// @throws Error(InvalidArgument) on an empty or unsupported image
  virtual PreparedImage prepare(const cv::Mat &image) const = 0;
};

}  // namespace v1
}  // namespace ecgdig
