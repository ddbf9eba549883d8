#pragma once
// Where the paper is in a photo or a scan with margins, so that the table,
// hand or scanner lid around it never reaches segmentation.

#include <array>
#include <optional>

#include <opencv2/core.hpp>

namespace ecgdig {
inline namespace v1 {
namespace detail {

/// Corners of the paper (top-left, top-right, bottom-right, bottom-left) in
/// the pixels of `bgr` (CV_8UC3). Each side is the line through a sharp step
/// from a darker surround to the brighter paper, fitted robustly along that
/// side (a hand or a curl may break it); a side without such a step is the
/// image border (just beyond it), so a page that fills the image comes back
/// as the image itself. Soft steps (shadows), steps into a darker inside (the
/// grid area of a B/W copy) and steps that do not hold a centimetre on (the
/// lit and shaded flanks of a crease) are not edges. std::nullopt when the
/// sides found do not enclose a plausible page (too small, not convex).
std::optional<std::array<cv::Point2d, 4>> find_paper(const cv::Mat &bgr);

}  // namespace detail
}  // namespace v1
}  // namespace ecgdig
