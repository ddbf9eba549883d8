#include "layout/scale_text.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <regex>
#include <string>

#include <opencv2/imgproc.hpp>

#include "core/order_statistics.hpp"
#include "layout/lead_names.hpp"

namespace ecgdig {
inline namespace v1 {
namespace detail {
namespace {

constexpr double kMaxGlyphMm = 6.0;         // taller marks are separators or pulse edges
constexpr double kMaxLineGapHeights = 3.0;  // glyphs further apart start another line
constexpr double kShortGlyph = 0.83;        // of the capital height: an x-height letter
constexpr double kMinJoinedWidth = 0.8;     // of the capital height: may be two glyphs joined
constexpr int kMaxSplits = 2;               // a joined glyph holds three characters at most
constexpr std::array<double, 3> kLegalSpeeds = {12.5, 25, 50};      // mm/s
constexpr std::array<double, 5> kLegalGains = {2.5, 5, 10, 20, 40};  // mm/mV; none is a speed

// Glyphs are read one by one, tall (digits, capitals, '/', brackets) and
// short (x-height letters) apart, which keeps '5' from 's' in any font. 'l'
// is left to '1' (serif fonts draw them alike).
const WordReader &glyph_reader(bool is_short) {
  static const std::vector<int> fonts = {cv::FONT_HERSHEY_SIMPLEX, cv::FONT_HERSHEY_DUPLEX,
                                         cv::FONT_HERSHEY_COMPLEX, cv::FONT_HERSHEY_TRIPLEX,
                                         cv::FONT_HERSHEY_PLAIN};
  static const std::vector<int> strokes = {2, 4, 6, 8};  // header text is often bold
  static const WordReader tall({"0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "/", "(",
                                ")", "b", "h", "t", "V", "L", "C", "H", "B", "P", "M"},
                               fonts, strokes);
  static const WordReader low({"m", "mm", "s", "e", "c", "n", "u", "o", "a", "r", "i"}, fonts,
                              strokes);
  return is_short ? low : tall;
}

// Text lines: glyph boxes left to right, each joined to the line whose last
// glyph it overlaps vertically and follows closely; pieces of one letter merge.
std::vector<std::vector<cv::Rect>> text_lines(std::vector<cv::Rect> marks, double px_per_mm) {
  const auto too_tall = [&](const cv::Rect &m) { return m.height > kMaxGlyphMm * px_per_mm; };
  marks.erase(std::remove_if(marks.begin(), marks.end(), too_tall), marks.end());
  std::sort(marks.begin(), marks.end(),
            [](const cv::Rect &a, const cv::Rect &b) { return a.x < b.x; });
  std::vector<std::vector<cv::Rect>> lines;
  for (const cv::Rect &m : marks) {
    std::vector<cv::Rect> *best = nullptr;
    double best_gap = std::numeric_limits<double>::infinity();
    for (auto &line : lines) {
      const cv::Rect &last = line.back();
      const int overlap = std::min(m.br().y, last.br().y) - std::max(m.y, last.y);
      const double gap = m.x - last.br().x;
      if (overlap < 0.5 * std::min(m.height, last.height) ||
          gap > kMaxLineGapHeights * std::max(m.height, last.height) || gap >= best_gap)
        continue;
      best = &line;
      best_gap = gap;
    }
    if (!best)
      lines.push_back({m});
    else if (m.x < best->back().br().x)
      best->back() |= m;
    else
      best->push_back(m);
  }
  return lines;
}

// A glyph's text: read whole or, when it is wider than one character and
// unreadable, as the two glyphs either side of its thinnest column (bold
// print joins neighbours: "25", "/mV"); '?' where unsure.
std::string read_glyph(const cv::Mat &ink, const cv::Rect &g, double tall, int depth = 0) {
  const bool is_short = g.height < kShortGlyph * tall;
  if (const auto read = glyph_reader(is_short).read(ink(g))) return read->text;
  // A bare bar is 'l' (or '1', or 'I'): no template tells those apart.
  if (!is_short && g.width < kMaxBarAspect * g.height) return "l";
  if (depth >= kMaxSplits || g.width < kMinJoinedWidth * tall) return "?";
  cv::Mat columns;
  cv::reduce(ink(g) > 0, columns, 0, cv::REDUCE_SUM, CV_32S);
  int cut = -1;
  for (int c = g.width / 4; c < g.width - g.width / 4; ++c)
    if (cut < 0 || columns.at<int>(c) < columns.at<int>(cut)) cut = c;
  std::string text;
  for (const cv::Rect &part : {cv::Rect(g.x, g.y, cut, g.height),
                               cv::Rect(g.x + cut + 1, g.y, g.width - cut - 1, g.height)}) {
    std::vector<cv::Point> points;
    cv::findNonZero(ink(part), points);
    if (points.empty()) return "?";
    const std::string piece = read_glyph(ink, cv::boundingRect(points) + part.tl(), tall, depth + 1);
    if (piece.find('?') != std::string::npos) return "?";
    text += piece;
  }
  return text;
}

// A line as text: one character per glyph ('?' where unsure), '.' where a
// dot sits between two glyphs, ' ' at gaps well above the letter gaps.
std::string line_text(const cv::Mat &ink, const std::vector<cv::Rect> &glyphs) {
  std::vector<double> heights, gaps;
  for (const cv::Rect &g : glyphs) heights.push_back(g.height);
  for (std::size_t i = 0; i + 1 < glyphs.size(); ++i)
    gaps.push_back(glyphs[i + 1].x - glyphs[i].br().x);
  std::sort(heights.begin(), heights.end());
  const double tall = heights[heights.size() * 3 / 4];  // digits and capitals
  double letter_gap = 0;
  if (!gaps.empty()) letter_gap = std::max(0.0, median(gaps));
  const double word_gap = std::max(2 * letter_gap, letter_gap + 0.25 * tall);
  const cv::Rect page(0, 0, ink.cols, ink.rows);
  std::string text;
  for (std::size_t i = 0; i < glyphs.size(); ++i) {
    const cv::Rect &g = glyphs[i];
    text += read_glyph(ink, g, tall);
    if (i + 1 == glyphs.size()) break;
    const cv::Rect &next = glyphs[i + 1];
    const int low = static_cast<int>(std::ceil(0.3 * tall));
    const cv::Rect gap(g.br().x, std::max(g.br().y, next.br().y) - low, next.x - g.br().x, low);
    if (gap.width > 0 && (gap & page) == gap && cv::countNonZero(ink(gap)) > 0)
      text += '.';
    else if (gaps[i] > word_gap)
      text += ' ';
  }
  return text;
}

// A value as read: digits, 'l' for '1', spaces between them ignored (a long
// run of bars gives a huge value, never an exception).
double number(const std::string &read) {
  std::string digits;
  for (char ch : read)
    if (ch != ' ') digits += ch == 'l' ? '1' : ch;
  return std::strtod(digits.c_str(), nullptr);
}

// The one value all readings agree on; nothing when they disagree.
std::optional<double> agreed(const std::vector<double> &values) {
  if (values.empty()) return std::nullopt;
  for (double v : values)
    if (v != values.front()) return std::nullopt;
  return values.front();
}

template <std::size_t N>
bool is_one_of(double value, const std::array<double, N> &legal) {
  return std::find(legal.begin(), legal.end(), value) != legal.end();
}

}  // namespace

PrintedScale read_printed_scale(const cv::Mat &ink, const std::vector<cv::Rect> &marks,
                                double px_per_mm) {
  // A value, "mm", the rest of its unit after the slash, and the word after
  // it, which may say what the value is for: "(limb)", "(chest)". Bold
  // print merges glyphs and leaves some unsure ('?'); where the unit is
  // unsure the value decides, as no speed is a legal gain. A '1' is narrow
  // (a wide gap after it) and may read as 'l'; an 'm' with a thin middle
  // stroke reads as 'n'; a stray dot may sit before the slash. The word in
  // brackets is looked at, not consumed: it may run into the next value
  // ("(limb),20 mm/mV" reads "(limb).20").
  static const std::regex scale(
      R"(((?:\d|l|[1l] (?=[\dl]))+(?:\.[\dl])?) ?)"
      R"((?:[mn][mn]\.?[/?]|[mn]\?[/?]?|\?[mn][/?])([\w?]*)(?=(?: ?\(([^ ]*))?))");
  std::vector<double> speeds, limb, chest;
  for (const auto &glyphs : text_lines(marks, px_per_mm)) {
    if (glyphs.size() < 4) continue;  // the shortest is "5mm/s"-like
    const std::string text = line_text(ink, glyphs);
    for (auto it = std::sregex_iterator(text.begin(), text.end(), scale);
         it != std::sregex_iterator(); ++it) {
      const std::smatch &m = *it;
      // Digits glued to a word before them are no value (a comma reads as '.').
      if (m.position(0) > 0 && text[m.position(0) - 1] != ' ' && text[m.position(0) - 1] != '.')
        continue;
      std::string unit = m[2].str();
      std::replace(unit.begin(), unit.end(), 'n', 'm');
      const bool unsure = unit.find_first_not_of('?') == std::string::npos;
      // A bar and a wide gap before the digits is a narrow '1' ("1 0" is 10)
      // or, where the unit is read and the whole is no legal value, a stray
      // mark: a separator or the page's edge ("l 50 mm/s" is 50).
      const std::string value = m[1].str();
      const std::size_t gap = value.rfind(' ');
      double v = number(value);
      if (gap != std::string::npos && !unsure && !is_one_of(v, kLegalSpeeds) && !is_one_of(v, kLegalGains))
        v = number(value.substr(gap + 1));
      const bool legal_speed = is_one_of(v, kLegalSpeeds), legal_gain = is_one_of(v, kLegalGains);
      if (legal_speed && (unit == "s" || unit == "sec" || unsure)) speeds.push_back(v);
      const bool millivolt = unit == "m?" || (!unit.empty() && unit.back() == 'V');  // "mV", a split "m" too
      if (!legal_gain || !(millivolt || unsure)) continue;
      std::string what = m[3].str();  // "(Chest)" as "(chest)"
      std::transform(what.begin(), what.end(), what.begin(),
                     [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
      const auto has = [&](const char *part) { return what.find(part) != std::string::npos; };
      // Either end of the word tells it, as either may be misread ("limb"
      // in a slab font reads "t?nb").
      const std::size_t close = what.find(')');
      const char last = close != std::string::npos && close > 0 ? what[close - 1] : '?';
      const bool for_chest = !what.empty() && (what[0] == 'c' || has("st") || last == 't');
      const bool for_limb =
          !what.empty() && !for_chest && (what[0] == 'l' || what[0] == '1' || has("mb") || last == 'b');
      if (!for_chest) limb.push_back(v);
      if (!for_limb) chest.push_back(v);
    }
  }
  return {agreed(speeds), agreed(limb), agreed(chest)};
}

}  // namespace detail
}  // namespace v1
}  // namespace ecgdig
