#pragma once
/// @file
/// A picture of what the pipeline found, for a person to check at a glance.

#include <opencv2/core.hpp>

#include "ecgdig/export.hpp"
#include "ecgdig/types.hpp"

namespace ecgdig {
inline namespace v1 {

/// Draws the digitized traces (re-projected from mV and seconds back to
/// pixels), each panel's box and lead name, and a 1 mV x 0.2 s scale mark
/// with the measured pixels per mm on the rectified page.
/// @param result a pipeline result with rectified_bgr set
/// @return CV_8UC3 BGR image of the rectified page's size
/// @throws Error(InvalidArgument) when result.rectified_bgr is empty
ECGDIG_API cv::Mat draw_overlay(const Result &result);

}  // namespace v1
}  // namespace ecgdig
