#pragma once
/// @file
/// Stage 4: which lead is where, and which time window each panel shows.

#include <opencv2/core.hpp>

#include "ecgdig/export.hpp"
#include "ecgdig/registry.hpp"
#include "ecgdig/types.hpp"

namespace ecgdig {
inline namespace v1 {

/// Assigns lead names and time windows to the trace panels. Built by name
/// through Registry<LeadLayout>::global() ("template"); the option "layout"
/// forces a template by name instead of "auto".
class ECGDIG_API LeadLayout {
 public:
  virtual ~LeadLayout() = default;
  /// @param rectified_bgr CV_8UC3 upright page
  /// @param rectified_maps maps on the upright page
  /// @param geometry scale of the upright page
  virtual Layout locate(const cv::Mat &rectified_bgr, const SegmentationMaps &rectified_maps,
                        const Geometry &geometry) const = 0;
};

}  // namespace v1
}  // namespace ecgdig
