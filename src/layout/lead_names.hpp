#pragma once
// Reading a printed lead name ("I", "aVR", "V5", ...) from its ink.

#include <optional>
#include <string>
#include <vector>

#include <opencv2/core.hpp>

namespace ecgdig {
inline namespace v1 {
namespace detail {

/// A lead name read from the page, with how well it matched (0..1).
struct ReadName {
  std::string name;
  double score = 0;
};

/// Classifies a word of ink by template matching against the twelve names
/// drawn in the Hershey fonts at several stroke widths: aspect ratio first,
/// then correlation of the blurred shapes at a common size.
/// @param ink CV_8UC1, non-zero on the word's pixels, cropped to the word
/// @return the best name when it is clearly better than the others
std::optional<ReadName> read_lead_name(const cv::Mat &ink);

/// The word that starts nearest to `x_px` on the line of text nearest the
/// baseline: marks (glyph boxes) clear of the baseline whose centre lies in
/// [y_min, y_max] and left edge in [x_px - 3 mm, x_px + 12 mm], joined left
/// to right while the gaps are letter gaps. Empty if none.
cv::Rect find_word(const std::vector<cv::Rect> &marks, double x_px, double y_min, double y_max,
                   double baseline_px, double px_per_mm);

}  // namespace detail
}  // namespace v1
}  // namespace ecgdig
