#pragma once
// The "hough" grid detector: line-family orientation by projection energy,
// perspective from vanishing points, scale from the grid period.

#include "ecgdig/grid_detector.hpp"
#include "ecgdig/stage_options.hpp"

namespace ecgdig {
inline namespace v1 {
namespace detail {

/// Settings of HoughGridDetector, read from StageOptions keys "grid.<name>".
struct HoughGridOptions {
  double max_angle_deg = 45;   ///< rotations searched: +-this (a 90 degree turn is out of reach)
  int tiles = 3;               ///< tiles per side for the local line directions
  bool perspective = true;     ///< fit a homography when the line families converge
  bool dewarp = true;          ///< undo the paper's bend (curl) that the grid lines show
  double min_px_per_mm = 1.5;  ///< smallest scale accepted (about 38 dpi)
  double max_px_per_mm = 40;   ///< largest scale accepted (about 1000 dpi)

  /// Reads "grid.max_angle_deg", "grid.tiles", "grid.perspective", "grid.dewarp",
  /// "grid.min_px_per_mm", "grid.max_px_per_mm"; throws Error(InvalidArgument)
  /// on values out of range.
  static HoughGridOptions from(const StageOptions &options);
};

/// Rotation and perspective from the two grid line families (projection
/// energy over angles, the paper's Hough step), then px per mm from the
/// autocorrelation of the rectified grid, and the paper's bend from the
/// lines' local shifts off that lattice; without a usable grid, the
/// orientation comes from the trace and text rows and the scale from the
/// calibration pulse, the trace rows, the page size or (confidence 0.05) a
/// letter page assumed to span the image, in that order; an image of exactly
/// a paper size whose pulses agree with it within 4 % takes the page's scale,
/// which is finer than a 10 mm pulse's. Rotations are
/// searched within +-max_angle_deg; a page turned by 90 degrees stays turned.
class HoughGridDetector final : public GridDetector {
 public:
  explicit HoughGridDetector(const HoughGridOptions &options) : options_(options) {}
  Geometry detect(const cv::Mat &bgr, const SegmentationMaps &maps) const override;

 private:
  HoughGridOptions options_;
};

}  // namespace detail
}  // namespace v1
}  // namespace ecgdig
