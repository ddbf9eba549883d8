#pragma once
// Estimate of the local paper colour, shared by the preprocessor (to flatten the
// paper) and the classical segmenter (to measure ink darkness against it).

#include <opencv2/core.hpp>

namespace ecgdig {
inline namespace v1 {
namespace detail {

/// Smooth local paper colour of an 8-bit image with 1 or 3 channels, at a
/// reduced size (long side about 512 px; resize it to the image's size to use it).
/// It is the local maximum over a few millimetres of a shrunken copy, since
/// the gaps between grid lines and traces show bare paper nearly everywhere,
/// floored at 40 % of the page's typical paper colour so that large dark areas
/// are not taken for paper.
cv::Mat estimate_paper_background(const cv::Mat &image);

/// Paints the pixels of `bgr` (CV_8UC3) where `outside` (CV_8U) is set with
/// the colour of the nearest bare paper (ink closed away), so that the paper
/// colour estimated near the paper's edge is the paper's own and not that of
/// a table around it.
void extend_paper(cv::Mat &bgr, const cv::Mat &outside);

}  // namespace detail
}  // namespace v1
}  // namespace ecgdig
