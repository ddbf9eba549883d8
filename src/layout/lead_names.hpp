#pragma once
// Reading printed words from their ink: lead names ("I", "aVR", "V5", ...)
// and the words of the printed scale ("25", "mm/s", "(chest)", ...).

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <opencv2/core.hpp>

namespace ecgdig {
inline namespace v1 {
namespace detail {

/// Width over height below which a glyph is a bare bar ('I', 'l', '1', a
/// separator, a wave's stroke): no template tells those apart.
inline constexpr double kMaxBarAspect = 0.3;

/// A word read from the page, with how well it matched (0..1).
struct ReadWord {
  std::string text;
  double score = 0;
};

/// Template matching against a closed vocabulary drawn in Hershey fonts at
/// several stroke widths: aspect ratio first, then correlation of the
/// blurred shapes at a common height. Immutable once built.
class WordReader {
 public:
  /// @param vocabulary the words to tell apart (words that only compete,
  ///        such as "ms" beside "mm/s", belong in it too)
  /// @param fonts cv::HersheyFonts the templates are drawn in
  /// @param strokes stroke widths in px of 60 px high capitals (2: hairline, 8: bold)
  /// @param spellings other ways to print a word of the vocabulary ({"AVR", "aVR"}): read as that word
  WordReader(const std::vector<std::string> &vocabulary, const std::vector<int> &fonts,
             const std::vector<int> &strokes = {2, 4, 6},
             const std::vector<std::pair<std::string, std::string>> &spellings = {});

  /// The best word for a piece of ink when it is clearly better than the others.
  /// @param ink CV_8UC1, non-zero on the word's pixels (cropped to the word or not)
  std::optional<ReadWord> read(const cv::Mat &ink) const;

 private:
  struct Template {
    int word = 0;   // index in words_
    cv::Mat shape;  // CV_32F, kNormHeightPx high, blurred
  };
  std::vector<std::string> words_;
  std::vector<Template> templates_;
};

/// Classifies a word of ink as one of the twelve lead names; a lone narrow
/// bar is "I".
/// @param ink CV_8UC1, non-zero on the word's pixels, cropped to the word
/// @return the best name when it is clearly better than the others
std::optional<ReadWord> read_lead_name(const cv::Mat &ink);

/// The word that starts nearest to `x_px` on the line of text nearest the
/// baseline: marks (glyph boxes) clear of the baseline whose centre lies in
/// [y_min, y_max] and left edge in [x_px - 3 mm, x_px + 12 mm], joined left
/// to right while the gaps are letter gaps. Empty if none.
cv::Rect find_word(const std::vector<cv::Rect> &marks, double x_px, double y_min, double y_max,
                   double baseline_px, double px_per_mm);

}  // namespace detail
}  // namespace v1
}  // namespace ecgdig
