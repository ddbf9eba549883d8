#pragma once
/// @file
/// Stage 2: separate trace, grid and text.

#include <opencv2/core.hpp>

#include "ecgdig/export.hpp"
#include "ecgdig/registry.hpp"
#include "ecgdig/types.hpp"

namespace ecgdig {
inline namespace v1 {

/// Gives per-pixel class probabilities. Built by name through
/// Registry<Segmenter>::global() ("classical", "unet", and "auto": "unet" where
/// its weights are found, else "classical").
class ECGDIG_API Segmenter {
 public:
  virtual ~Segmenter() = default;
  /// @param bgr CV_8UC3 BGR page at working size
  /// @return maps of the same size as `bgr`
  virtual SegmentationMaps segment(const cv::Mat &bgr) const = 0;
};

}  // namespace v1
}  // namespace ecgdig
