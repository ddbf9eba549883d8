#pragma once
/// A point carried through a homography, shared by the stages and the renderer.

#include <opencv2/core.hpp>

namespace ecgdig {
inline namespace v1 {
namespace detail {

/// `h` applied to `p`, divided by its homogeneous coordinate.
inline cv::Point2d apply_homography(const cv::Matx33d &h, const cv::Point2d &p) {
  const cv::Vec3d v = h * cv::Vec3d(p.x, p.y, 1);
  return {v[0] / v[2], v[1] / v[2]};
}

}  // namespace detail
}  // namespace v1
}  // namespace ecgdig
