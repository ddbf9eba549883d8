#pragma once
// The paper's bend (curl) that a homography cannot undo, read from how far the
// grid lines stray from their lattice across the rectified page.

#include <opencv2/core.hpp>

#include "ecgdig/types.hpp"

namespace ecgdig {
inline namespace v1 {
namespace detail {

/// Sets g.bend_px and g.bend_step_px from the grid map (of the working
/// image) once g holds the homography and the grid's px per mm. Leaves them
/// empty when the page lies flat (under a pixel of bend) or when too little of
/// the lattice is seen to tell.
void estimate_paper_bend(const cv::Mat &grid, Geometry &g);

}  // namespace detail
}  // namespace v1
}  // namespace ecgdig
