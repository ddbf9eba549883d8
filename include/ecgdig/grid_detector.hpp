#pragma once
/// @file
/// Stage 3: rotation, perspective, the paper's curl and the size of a millimetre.

#include <opencv2/core.hpp>

#include "ecgdig/export.hpp"
#include "ecgdig/registry.hpp"
#include "ecgdig/types.hpp"

namespace ecgdig {
inline namespace v1 {

/// Finds how to make the page upright and flat and how many pixels make a millimetre.
/// Built by name through Registry<GridDetector>::global() ("hough").
class ECGDIG_API GridDetector {
 public:
  virtual ~GridDetector() = default;
  /// @param bgr CV_8UC3 BGR page at working size
  /// @param maps the segmenter's maps for `bgr`
  /// @throws Error(NoGrid) when neither the grid nor any fallback gives a scale
  virtual Geometry detect(const cv::Mat &bgr, const SegmentationMaps &maps) const = 0;
};

}  // namespace v1
}  // namespace ecgdig
