#pragma once
/// @file
/// Stage 5: trace pixels to millivolts over time.

#include "ecgdig/export.hpp"
#include "ecgdig/registry.hpp"
#include "ecgdig/types.hpp"

namespace ecgdig {
inline namespace v1 {

/// Follows each lead's trace and converts it to a signal. Built by name
/// through Registry<SignalExtractor>::global() ("trace").
class ECGDIG_API SignalExtractor {
 public:
  virtual ~SignalExtractor() = default;
  /// @param rectified_maps maps on the upright page
  /// @param geometry scale of the upright page
  /// @param layout the panels; the extractor may refine gains from calibration pulses
  /// @param output_fs_hz sampling rate of the returned record
  /// @return one lead per distinct name, full recording length, NaN outside the panels
  virtual Record extract(const SegmentationMaps &rectified_maps, const Geometry &geometry,
                         Layout &layout, double output_fs_hz) const = 0;
};

}  // namespace v1
}  // namespace ecgdig
