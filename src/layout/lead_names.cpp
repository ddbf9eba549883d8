#include "layout/lead_names.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <iterator>
#include <limits>
#include <utility>

#include <opencv2/imgproc.hpp>

#include "ecgdig/error.hpp"
#include "ecgdig/types.hpp"

namespace ecgdig {
inline namespace v1 {
namespace detail {
namespace {

constexpr int kNormHeightPx = 32;  // words are compared at this height
constexpr double kMaxAspectRatio =
    1.3;  // template and word widths (at equal height) differ at most this much
constexpr double kMinScore = 0.55;
constexpr double kMinMargin = 0.05;
constexpr double kMaxLetterMm = 6.0;

cv::Mat normalised(const cv::Mat &ink, int width) {
  cv::Mat f, out;
  ink.convertTo(f, CV_32F, 1.0 / 255);
  cv::resize(f, out, cv::Size(std::max(1, width), kNormHeightPx), 0, 0, cv::INTER_AREA);
  cv::GaussianBlur(out, out, cv::Size(5, 5), 1.2);
  return out;
}

cv::Mat tight(const cv::Mat &ink) {
  std::vector<cv::Point> points;
  cv::findNonZero(ink, points);
  return points.empty() ? cv::Mat() : ink(cv::boundingRect(points));
}

double correlation(const cv::Mat &a, const cv::Mat &b) {
  const cv::Scalar ma = cv::mean(a), mb = cv::mean(b);
  const cv::Mat da = a - ma[0], db = b - mb[0];
  const double num = da.dot(db), den = std::sqrt(da.dot(da) * db.dot(db));
  return den > 0 ? num / den : 0.0;
}

}  // namespace

WordReader::WordReader(const std::vector<std::string> &vocabulary, const std::vector<int> &fonts,
                       const std::vector<int> &strokes,
                       const std::vector<std::pair<std::string, std::string>> &spellings)
    : words_(vocabulary) {
  std::vector<std::pair<std::string, int>> drawn;  // each spelling and its word's index
  for (std::size_t w = 0; w < words_.size(); ++w) drawn.emplace_back(words_[w], static_cast<int>(w));
  for (const auto &[spelling, word] : spellings) {
    const auto it = std::find(words_.begin(), words_.end(), word);
    if (it == words_.end()) throw Error(ErrorCode::InvalidArgument, "spelling of a word not in the vocabulary: " + word);
    drawn.emplace_back(spelling, static_cast<int>(it - words_.begin()));
  }
  for (int font : fonts)
    for (int thickness : strokes)
      for (const auto &[text, w] : drawn) {
        const double scale = cv::getFontScaleFromHeight(font, 60, thickness);
        int base = 0;
        const cv::Size size = cv::getTextSize(text, font, scale, thickness, &base);
        cv::Mat canvas = cv::Mat::zeros(160, size.width + 40, CV_8U);
        cv::putText(canvas, text, {20, 110}, font, scale, cv::Scalar(255), thickness,
                    cv::LINE_AA);
        cv::threshold(canvas, canvas, 127, 255, cv::THRESH_BINARY);
        const cv::Mat word = tight(canvas);
        const int width =
            static_cast<int>(std::lround(kNormHeightPx * double(word.cols) / word.rows));
        templates_.push_back({w, normalised(word, width)});
      }
}

std::optional<ReadWord> WordReader::read(const cv::Mat &ink) const {
  const cv::Mat word = ink.empty() ? cv::Mat() : tight(ink);
  if (word.empty() || word.rows < 6) return std::nullopt;
  const double aspect = double(word.cols) / word.rows;
  std::vector<double> best(words_.size(), 0.0);
  std::vector<std::pair<int, cv::Mat>> resized;  // the word at each template width
  for (const Template &t : templates_) {
    const double t_aspect = double(t.shape.cols) / t.shape.rows;
    if (aspect > kMaxAspectRatio * t_aspect || t_aspect > kMaxAspectRatio * aspect) continue;
    auto it = std::find_if(resized.begin(), resized.end(),
                           [&](const auto &r) { return r.first == t.shape.cols; });
    if (it == resized.end()) {
      resized.emplace_back(t.shape.cols, normalised(word, t.shape.cols));
      it = std::prev(resized.end());
    }
    best[t.word] = std::max(best[t.word], correlation(it->second, t.shape));
  }
  const auto top = std::max_element(best.begin(), best.end());
  double second = 0;
  for (auto it = best.begin(); it != best.end(); ++it)
    if (it != top) second = std::max(second, *it);
  if (*top < kMinScore || *top - second < kMinMargin) return std::nullopt;
  return ReadWord{words_[top - best.begin()], *top};
}

std::optional<ReadWord> read_lead_name(const cv::Mat &ink) {
  // Sans-serif, serif and hairline fonts; some machines print the augmented leads in capitals.
  static const WordReader reader(
      {kStandardLeads.begin(), kStandardLeads.end()},
      {cv::FONT_HERSHEY_SIMPLEX, cv::FONT_HERSHEY_DUPLEX, cv::FONT_HERSHEY_COMPLEX,
       cv::FONT_HERSHEY_TRIPLEX, cv::FONT_HERSHEY_PLAIN},
      {2, 4, 6}, {{"AVR", "aVR"}, {"AVL", "aVL"}, {"AVF", "aVF"}});
  const cv::Mat word = ink.empty() ? cv::Mat() : tight(ink);
  if (word.empty() || word.rows < 6) return std::nullopt;
  if (double(word.cols) / word.rows < kMaxBarAspect) return ReadWord{"I", 1.0};
  return reader.read(word);
}

cv::Rect find_word(const std::vector<cv::Rect> &marks, double x_px, double y_min, double y_max,
                   double baseline_px, double px_per_mm) {
  std::vector<const cv::Rect *> near;
  double closest = std::numeric_limits<double>::infinity();
  for (const cv::Rect &m : marks) {
    const double cy = m.y + m.height / 2.0;
    if (cy < y_min || cy > y_max || m.x < x_px - 3 * px_per_mm || m.x > x_px + 12 * px_per_mm)
      continue;
    if (m.height > kMaxLetterMm * px_per_mm) continue;  // separators and pulse edges
    if (m.y <= baseline_px && baseline_px <= m.br().y) continue;  // names sit off the baseline
    near.push_back(&m);
    closest = std::min(closest, std::abs(cy - baseline_px));
  }
  // The line of text nearest the baseline, grown from its leftmost glyph in the window.
  const cv::Rect *start = nullptr;
  for (const cv::Rect *m : near)
    if (std::abs(m->y + m->height / 2.0 - baseline_px) <= closest + m->height &&
        (!start || m->x < start->x))
      start = m;
  if (!start) return {};
  cv::Rect word = *start;
  for (bool grown = true; grown;) {
    grown = false;
    for (const cv::Rect &m : marks) {
      if ((m & word) == m || m.height > kMaxLetterMm * px_per_mm) continue;
      const int overlap = std::min(m.br().y, word.br().y) - std::max(m.y, word.y);
      // Glyphs on either side: the search window may start inside a name
      // ("II" of a panel whose trace starts late), which must not cut it.
      const bool beside = (m.x > word.x && m.x <= word.br().x + 0.6 * word.height) ||
                          (m.br().x < word.br().x && m.br().x >= word.x - 0.6 * word.height);
      if (beside && overlap >= 0.4 * std::min(m.height, word.height) &&
          m.height <= 1.6 * word.height) {
        word |= m;
        grown = true;
      }
    }
  }
  return word;
}

}  // namespace detail
}  // namespace v1
}  // namespace ecgdig
