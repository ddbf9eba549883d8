#pragma once
// The paper speed and gains printed on the page, e.g. "25 mm/s   10 mm/mV"
// or "10 mm/mV (limb), 20 mm/mV (chest)".

#include <optional>
#include <vector>

#include <opencv2/core.hpp>

namespace ecgdig {
inline namespace v1 {
namespace detail {

/// What the page's text says; only legal values (12.5/25/50 mm/s,
/// 2.5/5/10/20/40 mm/mV), and nothing where two printed values disagree.
struct PrintedScale {
  std::optional<double> speed_mm_s;
  std::optional<double> gain_mm_per_mv;        ///< limb leads, or every lead when printed once
  std::optional<double> chest_gain_mm_per_mv;  ///< V1-V6, also when printed once for all leads
};

/// Reads "NN mm/s" and "NN mm/mV" (with or without the space, optionally
/// marked "(limb)"/"(chest)" after or "Limb:"/"Chest:" before) from the lines
/// of text on the page.
/// @param ink CV_8UC1, non-zero on trace and text pixels
/// @param marks glyph-sized components of `ink` (letters; a letter may come as two pieces)
/// @param px_per_mm scale of the page
PrintedScale read_printed_scale(const cv::Mat &ink, const std::vector<cv::Rect> &marks,
                                double px_per_mm);

}  // namespace detail
}  // namespace v1
}  // namespace ecgdig
