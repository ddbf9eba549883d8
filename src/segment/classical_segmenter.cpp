#include "segment/classical_segmenter.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

#include <fmt/format.h>
#include <opencv2/imgproc.hpp>

#include "ecgdig/error.hpp"
#include "preprocess/paper_background.hpp"

// How the classical segmenter decides (all sizes relative to the page, which
// is assumed to fill the image: ~280 mm on the long side, letter or A4):
//  - ink: darkness of the brightest channel against the local paper colour.
//    A bright coloured grid line (red, pink, orange, green, blue) keeps one
//    channel near paper white and so has no ink, while a black or grey trace,
//    even one blurred into a coloured line, has.
//  - colour: HSV-style saturation marks a coloured grid for the grid map.
//  - dark grid lines (B/W copies, black or dark coloured grids): ink on long
//    straight horizontal or vertical runs (morphological opening with ~28 mm
//    kernels), after turning the mask by the page's skew (up to 10 degrees,
//    from the sharpest projection of the ink), that repeat at a grid spacing
//    (three more lines in a row 2-6 mm apart) or run bare over 60 mm (a
//    frame, little ink beside it). A trace's straight stretches, flat
//    baselines and QRS complexes stacked across rows, have no such
//    neighbours, and stacked complexes have their other strokes and the
//    baselines beside them. Where a trace or a letter crosses a line, pixels
//    clearly darker than the line ink stay trace or text, and so do those
//    clearly darker than the same line's ink along it (a black trace lying
//    on a grey line).
//    Pale grey 1 mm lines are looked for the same way when the page has no
//    coloured grid; they only feed the grid map.
//  - text: ink components of letter size (lead names, header, footer), or
//    short dense lines of letters. Column separators and calibration pulses
//    standing apart from the trace are that small too and land in text; a
//    separator or pulse that touches its trace stays trace.
//  - clutter: where ink covers most of a ~5 mm window (wood grain, fabric,
//    shadows around a photographed page) it is in no class.
//  - trace: the remaining ink.
// Known limits: dark texture around a photographed page is taken for trace
// (the standard preprocessor crops photos to the paper); beyond 10 degrees of
// skew, or under perspective and curl, dark grid lines are not straight runs
// and stay trace; a trace running along a grid line as dark as itself is
// taken for that line.

namespace ecgdig {
inline namespace v1 {
namespace detail {
namespace {

constexpr double kAssumedPageLongSideMm = 280.0;
// Grid lines are runs at least this long; ECG traces are rarely this straight.
constexpr double kLineRunMm = 28.0;
// Text components: letters and lines of letters.
constexpr double kTextMaxHeightMm = 8.0;
constexpr double kGlyphMaxWidthMm = 12.0;
constexpr double kTextLineMaxHeightMm = 6.0;
constexpr double kTextLineMinDensity = 0.12;
// Ink covering more than this share of a window this wide is clutter.
constexpr double kClutterWindowMm = 5.0;
constexpr double kClutterInkShare = 0.5;
// Darkness of the palest grid lines looked for (1 mm lines of a grey grid).
constexpr float kPaleDarkness = 0.06f;
// Grid lines repeat at a spacing in this range (1 mm lines count at 2 mm
// too), found within this tolerance.
constexpr double kMinLatticeSpacingMm = 2.0;
constexpr double kMaxLatticeSpacingMm = 6.0;
constexpr double kLatticeToleranceMm = 0.4;
// A line on the lattice has this many more lines in a row beside it.
constexpr int kLatticeNeighbours = 3;
// A trace is never straight this long (a beat at least every 1.5 s at 25 mm/s).
constexpr double kLongLineMm = 60.0;
// Such a line (a frame, a rule) has ink within this distance beside it along
// at most this share of its length.
constexpr double kBesideMm = 1.0;
constexpr double kMaxBesideShare = 0.7;
// Skew searched for dark grid lines, and its resolution.
constexpr double kMaxSkewDeg = 10.0;
constexpr double kSkewStepDeg = 0.25;
// Ink pixels sampled for the skew search.
constexpr std::size_t kSkewSamplePoints = 40000;
// Line ink this much darker (of 255) than its line elsewhere is a trace on
// it, where it runs on for this long (a speck of noise does not).
constexpr int kDarkerThanLine = 24;
constexpr double kMinTraceOnLineMm = 1.5;
// Pages with more coloured-grid pixels than this share have a coloured grid.
constexpr double kColourGridShare = 0.02;
// A coloured grid's brightest channel this much above its next (of 255, mean
// over its pixels) is the channel the page is read in.
constexpr double kDropoutExcess = 10.0;

inline float ramp(float x, float lo, float hi) { return std::clamp((x - lo) / (hi - lo), 0.0f, 1.0f); }

// Per-pixel evidence as 8-bit lookups, so the full-resolution pass needs no division.
struct Tables {
  std::uint8_t darkness[256][256];  // [value][paper value] -> 255 * (1 - value / paper)
  std::uint8_t colour[256][256];    // [value][chroma] -> 255 * coloured-grid evidence
  std::uint8_t ink[256];            // [darkness] -> 255 * ink evidence
  float pale_line[256];             // [darkness] -> evidence for a pale grey grid line
  float unit[256];                  // [byte] -> byte / 255

  Tables() {
    for (int v = 0; v < 256; ++v) {
      for (int k = 0; k < 256; ++k) {
        darkness[v][k] = cv::saturate_cast<std::uint8_t>(255.0f * std::max(0.0f, 1.0f - float(v) / float(std::max(k, 1))));
        const float saturation = float(k) / float(std::max(v, 1));
        colour[v][k] = cv::saturate_cast<std::uint8_t>(255.0f * ramp(saturation, 0.04f, 0.12f) * ramp(float(k), 6.0f, 20.0f));
      }
      ink[v] = cv::saturate_cast<std::uint8_t>(255.0f * ramp(v / 255.0f, 0.15f, 0.4f));
      pale_line[v] = ramp(v / 255.0f, kPaleDarkness * 0.5f, kPaleDarkness * 1.5f);
      unit[v] = v / 255.0f;
    }
  }
};

const Tables &tables() {
  static const Tables instance;
  return instance;
}

struct PixelMaps {
  cv::Mat colour;    // CV_8U, 255 * coloured-grid evidence
  cv::Mat ink;       // CV_8U, 255 * ink evidence
  cv::Mat ink_mask;  // CV_8U, 255 where ink >= 0.5
  cv::Mat darkness;  // CV_8U, 255 * (1 - value / paper value)
  cv::Mat pale_mask; // CV_8U, 255 where unsaturated and a little darker than paper
};

class ClassicalSegmenter final : public Segmenter {
 public:
  explicit ClassicalSegmenter(const StageOptions &options) : num_threads_(options.get_int("num_threads", 0)) {
    if (num_threads_ < 0)
      throw Error(ErrorCode::InvalidArgument, fmt::format("option num_threads must be >= 0, not {}", num_threads_));
  }

  SegmentationMaps segment(const cv::Mat &bgr) const override {
    if (bgr.empty() || bgr.type() != CV_8UC3)
      throw Error(ErrorCode::InvalidArgument, "the classical segmenter needs a non-empty CV_8UC3 BGR image");
    if (std::min(bgr.cols, bgr.rows) < 32)
      throw Error(ErrorCode::InvalidArgument,
                  fmt::format("the image given to the classical segmenter is {}x{} px; at least 32 px per side are needed",
                              bgr.cols, bgr.rows));
    const double px_per_mm = std::max(bgr.cols, bgr.rows) / kAssumedPageLongSideMm;
    PixelMaps pixels = measure_pixels(bgr);

    // Shape analysis runs at half resolution: 4x cheaper, and a 1 px skew step
    // at full resolution disappears.
    const cv::Mat ink_half = halve(pixels.ink_mask);
    const double skew_deg = dominant_skew_deg(ink_half);
    cv::Mat lines, text;
    cv::resize(straight_lines(ink_half, px_per_mm / 2, skew_deg), lines, bgr.size(), 0, 0, cv::INTER_NEAREST);
    lines &= pixels.ink_mask;
    // Ink on a line that is clearly darker than the line itself is a trace or
    // a letter crossing it, not grid.
    cv::Mat grid_ink;
    cv::compare(pixels.darkness, trace_over_line_darkness(pixels, lines), grid_ink, cv::CMP_LT);
    grid_ink &= lines;
    const bool coloured_grid = cv::countNonZero(pixels.colour >= 128) >= kColourGridShare * double(bgr.total());
    if (!coloured_grid) {
      // A grey or black grid: a black trace lying on one of its lines.
      grid_ink &= ~darker_than_line_beside(pixels.darkness, lines, px_per_mm, skew_deg);
      // Lines too faint to be ink (a grey grid, dark lines a copy left
      // half-toned) are runs of faint ink; their faint pixels are grid, while
      // the darker ink of a trace crossing them stays.
      const cv::Mat any_ink = pixels.ink > 0;
      cv::Mat faint_lines;
      cv::resize(straight_lines(halve(any_ink), px_per_mm / 2, skew_deg), faint_lines, bgr.size(), 0, 0,
                 cv::INTER_NEAREST);
      grid_ink |= faint_lines & any_ink & ~pixels.ink_mask;
    }
    const cv::Mat clutter = cluttered(pixels.ink_mask & ~grid_ink, px_per_mm);
    pixels.ink.setTo(0, clutter);
    const cv::Mat free_ink = pixels.ink_mask & ~grid_ink & ~clutter;
    cv::resize(text_components(halve(free_ink), px_per_mm / 2), text, bgr.size(), 0, 0, cv::INTER_NEAREST);
    text &= free_ink;

    // Pale grid lines (the 1 mm lines of a grey grid) are too light to be
    // ink; they only add to the grid map, and only without a coloured grid.
    cv::Mat pale_lines;
    if (!coloured_grid) {
      cv::resize(straight_lines(halve(pixels.pale_mask), px_per_mm / 2, skew_deg), pale_lines, bgr.size(), 0, 0,
                 cv::INTER_NEAREST);
      pale_lines &= pixels.pale_mask;
    } else {
      pale_lines = cv::Mat::zeros(bgr.size(), CV_8U);
    }
    return compose(pixels, grid_ink, text, pale_lines);
  }

 private:
  int stripes() const { return num_threads_ > 0 ? num_threads_ : -1; }

  PixelMaps measure_pixels(const cv::Mat &bgr) const {
    cv::Mat value(bgr.size(), CV_8U), chroma(bgr.size(), CV_8U);
    cv::parallel_for_(cv::Range(0, bgr.rows), [&](const cv::Range &rows) {
      for (int y = rows.start; y < rows.end; ++y) {
        const auto *p = bgr.ptr<std::uint8_t>(y);
        auto *v = value.ptr<std::uint8_t>(y);
        auto *c = chroma.ptr<std::uint8_t>(y);
        for (int x = 0; x < bgr.cols; ++x, p += 3) {
          const std::uint8_t hi = std::max(std::max(p[0], p[1]), p[2]);
          v[x] = hi;
          c[x] = static_cast<std::uint8_t>(hi - std::min(std::min(p[0], p[1]), p[2]));
        }
      }
    }, stripes());
    const Tables &t = tables();
    // A red or green grid is read in the channel it is brightest in, where it
    // all but vanishes while black, grey and blue ink stays dark: a navy
    // trace on an orange grid is no darker than the grid by its brightest
    // channel, but far darker in red.
    if (const int channel = dropout_channel(bgr, value, chroma); channel >= 0)
      cv::extractChannel(bgr, value, channel);
    cv::Mat paper;
    cv::resize(estimate_paper_background(value), paper, bgr.size(), 0, 0, cv::INTER_LINEAR);

    PixelMaps out{cv::Mat(bgr.size(), CV_8U), cv::Mat(bgr.size(), CV_8U), cv::Mat(bgr.size(), CV_8U),
                  cv::Mat(bgr.size(), CV_8U), cv::Mat(bgr.size(), CV_8U)};
    const int pale_darkness = static_cast<int>(255 * kPaleDarkness);
    cv::parallel_for_(cv::Range(0, bgr.rows), [&](const cv::Range &rows) {
      for (int y = rows.start; y < rows.end; ++y) {
        const auto *v = value.ptr<std::uint8_t>(y);
        const auto *c = chroma.ptr<std::uint8_t>(y);
        const auto *b = paper.ptr<std::uint8_t>(y);
        auto *colour = out.colour.ptr<std::uint8_t>(y);
        auto *ink = out.ink.ptr<std::uint8_t>(y);
        auto *mask = out.ink_mask.ptr<std::uint8_t>(y);
        auto *dark = out.darkness.ptr<std::uint8_t>(y);
        auto *pale = out.pale_mask.ptr<std::uint8_t>(y);
        for (int x = 0; x < bgr.cols; ++x) {
          const std::uint8_t d = t.darkness[v[x]][b[x]];
          const std::uint8_t col = t.colour[v[x]][c[x]];
          const std::uint8_t k = t.ink[d];
          colour[x] = col;
          ink[x] = k;
          mask[x] = k >= 128 ? 255 : 0;
          dark[x] = d;
          pale[x] = (d >= pale_darkness && col < 128) ? 255 : 0;
        }
      }
    }, stripes());
    return out;
  }

  // The channel (B, G, R = 0, 1, 2) a coloured grid is brightest in, where
  // it stands out from the other two by kDropoutExcess on average over the
  // coloured-grid pixels (every other row and column looked at); -1 without
  // a coloured grid, and for a blue one: blue is also the usual colour of
  // coloured traces, and a page whose coloured pixels are blue may be
  // showing its trace.
  static int dropout_channel(const cv::Mat &bgr, const cv::Mat &value, const cv::Mat &chroma) {
    const Tables &t = tables();
    double sum[3] = {0, 0, 0};
    double count = 0;
    for (int y = 0; y < bgr.rows; y += 2) {
      const auto *p = bgr.ptr<std::uint8_t>(y);
      const auto *v = value.ptr<std::uint8_t>(y);
      const auto *c = chroma.ptr<std::uint8_t>(y);
      for (int x = 0; x < bgr.cols; x += 2)
        if (t.colour[v[x]][c[x]] >= 128) {
          for (int k = 0; k < 3; ++k) sum[k] += p[3 * x + k];
          ++count;
        }
    }
    if (count < kColourGridShare * double(bgr.total()) / 4) return -1;
    const int brightest = static_cast<int>(std::max_element(sum, sum + 3) - sum);
    double next = 0;
    for (int k = 0; k < 3; ++k)
      if (k != brightest) next = std::max(next, sum[k]);
    return brightest != 0 && (sum[brightest] - next) / count >= kDropoutExcess ? brightest : -1;
  }

  // Where ink covers most of its surroundings it is no line drawing but wood
  // grain, fabric or shadow around a photographed page: none of the classes.
  static cv::Mat cluttered(const cv::Mat &ink, double px_per_mm) {
    const int window = std::max(5, static_cast<int>(std::lround(kClutterWindowMm * px_per_mm / 2)));
    cv::Mat density, clutter;
    cv::blur(halve(ink), density, {window, window});
    cv::resize(density > kClutterInkShare * 255, clutter, ink.size(), 0, 0, cv::INTER_NEAREST);
    return clutter & ink;
  }

  // Half-size binary mask, set where any of the 2x2 source pixels is set.
  static cv::Mat halve(const cv::Mat &mask) {
    cv::Mat half;
    cv::resize(mask, half, cv::Size((mask.cols + 1) / 2, (mask.rows + 1) / 2), 0, 0, cv::INTER_AREA);
    cv::threshold(half, half, 0, 255, cv::THRESH_BINARY);
    return half;
  }

  // Angle of the page's dominant horizontal lines, in degrees (positive when
  // they descend to the right), within +-kMaxSkewDeg: the angle whose
  // projection of the ink onto the vertical is sharpest. Grid lines and rows
  // of text or trace all make sharp peaks at the true skew.
  static double dominant_skew_deg(const cv::Mat &ink) {
    std::vector<cv::Point> points;
    cv::findNonZero(halve(ink), points);
    if (points.size() < 100) return 0.0;
    const std::size_t step = std::max<std::size_t>(1, points.size() / kSkewSamplePoints);
    const int width = (ink.cols + 1) / 2, height = (ink.rows + 1) / 2;
    std::vector<int> histogram(static_cast<std::size_t>(width + height) * 2);
    double best_score = -1.0, best_deg = 0.0;
    for (double deg = -kMaxSkewDeg; deg <= kMaxSkewDeg + 1e-9; deg += kSkewStepDeg) {
      const double rad = deg * CV_PI / 180.0, c = std::cos(rad), s = std::sin(rad);
      std::fill(histogram.begin(), histogram.end(), 0);
      for (std::size_t i = 0; i < points.size(); i += step) {
        const int bin = static_cast<int>(std::lround(points[i].y * c - points[i].x * s)) + width;
        ++histogram[static_cast<std::size_t>(std::clamp(bin, 0, int(histogram.size()) - 1))];
      }
      double score = 0.0;
      for (const int n : histogram) score += double(n) * n;
      // Ties (a page without lines) keep the angle nearest zero.
      if (score > best_score * (1.0 + 1e-6) || (score >= best_score && std::abs(deg) < std::abs(best_deg))) {
        best_score = score;
        best_deg = deg;
      }
    }
    return best_deg;
  }

  // Whether a page skewed by `skew_deg` is turned upright before lines are
  // looked for along its rows and columns, and the turn that does it.
  static bool turned(double skew_deg) { return std::abs(skew_deg) >= kSkewStepDeg / 2; }
  static cv::Mat upright_rotation(cv::Size size, double skew_deg) {
    return cv::getRotationMatrix2D(cv::Point2f(size.width / 2.0f, size.height / 2.0f), skew_deg, 1.0);
  }

  // Ink on long horizontal or vertical runs, after turning the mask upright
  // by `skew_deg`. The mask is first thickened across the run direction so a
  // line that is not exactly straight still forms a run.
  static cv::Mat straight_lines(const cv::Mat &ink, double px_per_mm, double skew_deg) {
    const bool rotate = turned(skew_deg);
    const cv::Mat upright_from_image = upright_rotation(ink.size(), skew_deg);
    cv::Mat upright;
    if (rotate)
      cv::warpAffine(ink, upright, upright_from_image, ink.size(), cv::INTER_NEAREST);
    else
      upright = ink;
    const int run = std::max(15, static_cast<int>(std::lround(kLineRunMm * px_per_mm)));
    cv::Mat thick_h, thick_v, horizontal, vertical;
    cv::dilate(upright, thick_h, cv::getStructuringElement(cv::MORPH_RECT, {1, 3}));
    cv::dilate(upright, thick_v, cv::getStructuringElement(cv::MORPH_RECT, {3, 1}));
    cv::morphologyEx(thick_h, horizontal, cv::MORPH_OPEN, cv::getStructuringElement(cv::MORPH_RECT, {run, 1}));
    cv::morphologyEx(thick_v, vertical, cv::MORPH_OPEN, cv::getStructuringElement(cv::MORPH_RECT, {1, run}));
    keep_lattice(horizontal, true, px_per_mm);
    keep_lattice(vertical, false, px_per_mm);
    // A line longer than any straight stretch of a trace (a page frame, a
    // rule under the header) is a line without neighbours.
    const int long_run = static_cast<int>(std::lround(kLongLineMm * px_per_mm));
    cv::Mat long_lines;
    cv::morphologyEx(thick_h, long_lines, cv::MORPH_OPEN, cv::getStructuringElement(cv::MORPH_RECT, {long_run, 1}));
    keep_bare(long_lines, upright, true, px_per_mm);
    horizontal |= long_lines;
    cv::morphologyEx(thick_v, long_lines, cv::MORPH_OPEN, cv::getStructuringElement(cv::MORPH_RECT, {1, long_run}));
    keep_bare(long_lines, upright, false, px_per_mm);
    vertical |= long_lines;
    const cv::Mat upright_lines = horizontal | vertical;
    if (!rotate) return upright_lines & ink;
    cv::Mat lines;
    cv::warpAffine(upright_lines, lines, upright_from_image, ink.size(), cv::INTER_NEAREST | cv::WARP_INVERSE_MAP);
    // Nearest-neighbour rotation leaves one-pixel holes along the lines.
    cv::dilate(lines, lines, cv::getStructuringElement(cv::MORPH_RECT, {3, 3}));
    return lines & ink;
  }

  // Keeps the runs of `runs` (horizontal ones when `rows`, else vertical)
  // that run bare: a frame or a rule has little ink beside it, while QRS
  // complexes stacked across rows into one long straight run have the other
  // strokes of each complex and the baselines that join them close beside.
  static void keep_bare(cv::Mat &runs, const cv::Mat &ink, bool rows, double px_per_mm) {
    const cv::Mat along = rows ? runs : cv::Mat(runs.t());
    const cv::Mat ink_along = rows ? ink : cv::Mat(ink.t());
    cv::Mat profile;
    cv::reduce(along, profile, 1, cv::REDUCE_MAX, CV_8U);
    const int n = along.rows, side = std::max(2, static_cast<int>(std::lround(kBesideMm * px_per_mm)));
    for (int i = 0; i < n; ++i) {
      if (profile.at<std::uint8_t>(i) == 0) continue;
      int j = i;
      while (j + 1 < n && profile.at<std::uint8_t>(j + 1) > 0) ++j;
      // Positions along the band's run, and the straightest two-pixel strip
      // of ink along it.
      cv::Mat on_run;
      cv::reduce(along.rowRange(i, j + 1), on_run, 0, cv::REDUCE_MAX, CV_8U);
      const int length = cv::countNonZero(on_run);
      int best = i, best_cover = -1;
      for (int k = i; k <= j; ++k) {
        const int cover = cv::countNonZero((ink_along.row(k) | ink_along.row(std::min(k + 1, n - 1))) & on_run);
        if (cover > best_cover) {
          best = k;
          best_cover = cover;
        }
      }
      // Where along the run there is ink beside the band, or in the band
      // beside that strip (past one pixel of edge blur).
      cv::Mat near = cv::Mat::zeros(on_run.size(), CV_8U), beside;
      for (const cv::Range r : {cv::Range(std::max(0, i - side), std::max(i, best - 1)),
                                cv::Range(std::min(j + 1, best + 3), std::min(n, j + 1 + side))}) {
        if (r.empty()) continue;
        cv::reduce(ink_along.rowRange(r), beside, 0, cv::REDUCE_MAX, CV_8U);
        near |= beside;
      }
      const double share = cv::countNonZero(on_run & near) / double(std::max(1, length));
      if (share > kMaxBesideShare) (rows ? runs.rowRange(i, j + 1) : runs.colRange(i, j + 1)).setTo(0);
      i = j;
    }
  }

  // Keeps the runs of `runs` (horizontal ones when `rows`, else vertical)
  // that lie on a lattice: grid lines repeat at a spacing d of a few
  // millimetres, so a line has three neighbours in a row at multiples of d
  // (on either side, or both). A trace's straight
  // stretches (a flat baseline, QRS complexes of several rows stacked in one
  // column) have none that near.
  static void keep_lattice(cv::Mat &runs, bool rows, double px_per_mm) {
    cv::Mat profile;
    cv::reduce(runs, profile, rows ? 1 : 0, cv::REDUCE_SUM, CV_32S);
    profile = profile.reshape(1, 1);
    const int n = static_cast<int>(profile.total());
    // Bands of consecutive lines or columns with runs; their centres.
    std::vector<std::pair<int, int>> bands;
    for (int i = 0; i < n; ++i) {
      if (profile.at<int>(i) == 0) continue;
      int j = i;
      while (j + 1 < n && profile.at<int>(j + 1) > 0) ++j;
      bands.emplace_back(i, j);
      i = j;
    }
    // near[i]: a band's centre lies within the tolerance of i.
    const double tolerance = std::max(1.5, kLatticeToleranceMm * px_per_mm);
    std::vector<std::uint8_t> near(static_cast<std::size_t>(n), 0);
    for (const auto &b : bands) {
      const double c = 0.5 * (b.first + b.second);
      for (int i = std::max(0, static_cast<int>(std::ceil(c - tolerance)));
           i <= std::min(n - 1, static_cast<int>(std::floor(c + tolerance))); ++i)
        near[static_cast<std::size_t>(i)] = 1;
    }
    const auto has_line = [&](double at) {
      const long i = std::lround(at);
      return i >= 0 && i < n && near[static_cast<std::size_t>(i)];
    };
    const int min_spacing = std::max(2, static_cast<int>(std::floor(kMinLatticeSpacingMm * px_per_mm)));
    const int max_spacing = static_cast<int>(std::ceil(kMaxLatticeSpacingMm * px_per_mm));
    for (const auto &b : bands) {
      const double c = 0.5 * (b.first + b.second);
      bool lattice = false;
      for (int d = min_spacing; d <= max_spacing && !lattice; ++d) {
        int before = 0, after = 0;
        while (before < kLatticeNeighbours && has_line(c - (before + 1) * d)) ++before;
        while (after < kLatticeNeighbours && has_line(c + (after + 1) * d)) ++after;
        lattice = before + after >= kLatticeNeighbours;
      }
      if (lattice) continue;
      const cv::Range band(b.first, b.second + 1);
      if (rows)
        runs.rowRange(band).setTo(0);
      else
        runs.colRange(band).setTo(0);
    }
  }

  // Ink components of letter size, found after bridging the small gaps that
  // removed grid lines leave in a trace. Density counts the ink itself, not
  // the bridged outline.
  static cv::Mat text_components(const cv::Mat &ink, double px_per_mm) {
    cv::Mat bridged, labels, stats, centroids;
    cv::dilate(ink, bridged, cv::getStructuringElement(cv::MORPH_RECT, {5, 5}));
    const int count = cv::connectedComponentsWithStats(bridged, labels, stats, centroids, 8, CV_32S);
    std::vector<int> ink_area(static_cast<std::size_t>(count), 0);
    for (int y = 0; y < ink.rows; ++y) {
      const auto *l = labels.ptr<int>(y);
      const auto *m = ink.ptr<std::uint8_t>(y);
      for (int x = 0; x < ink.cols; ++x) ink_area[static_cast<std::size_t>(l[x])] += m[x] ? 1 : 0;
    }
    std::vector<std::uint8_t> is_text(static_cast<std::size_t>(count), 0);
    for (int i = 1; i < count; ++i) {
      const int w = stats.at<int>(i, cv::CC_STAT_WIDTH), h = stats.at<int>(i, cv::CC_STAT_HEIGHT);
      const double density = ink_area[static_cast<std::size_t>(i)] / double(w * h);
      const bool glyph = h <= kTextMaxHeightMm * px_per_mm && w <= kGlyphMaxWidthMm * px_per_mm;
      const bool text_line = h <= kTextLineMaxHeightMm * px_per_mm && density >= kTextLineMinDensity;
      is_text[static_cast<std::size_t>(i)] = (glyph || text_line) ? 255 : 0;
    }
    cv::Mat text(ink.size(), CV_8U);
    for (int y = 0; y < ink.rows; ++y) {
      const auto *l = labels.ptr<int>(y);
      const auto *m = ink.ptr<std::uint8_t>(y);
      auto *t = text.ptr<std::uint8_t>(y);
      for (int x = 0; x < ink.cols; ++x) t[x] = is_text[static_cast<std::size_t>(l[x])] & m[x];
    }
    return text;
  }

  // Typical darkness of line ink; trace ink clearly darker than it stays trace
  // where it crosses a line.
  static int trace_over_line_darkness(const PixelMaps &pixels, const cv::Mat &lines) {
    int histogram[256] = {};
    int total = 0;
    for (int y = 0; y < lines.rows; y += 2) {
      const auto *l = lines.ptr<std::uint8_t>(y);
      const auto *d = pixels.darkness.ptr<std::uint8_t>(y);
      for (int x = 0; x < lines.cols; x += 2) {
        if (l[x]) {
          ++histogram[d[x]];
          ++total;
        }
      }
    }
    int median = 255, seen = 0;
    for (int i = 0; i < 256 && total > 0; ++i) {
      seen += histogram[i];
      if (2 * seen >= total) {
        median = i;
        break;
      }
    }
    return median + (255 - median) / 2 + 10;
  }

  // Line pixels clearly darker than the same line a little way along it: a
  // black trace over a grey line, where the page-wide rule above would need
  // it near black (a thin trace scanned at low resolution is not). The line's
  // own darkness is the mean line ink within a run's length along the row and
  // along the column, taken again without the ink well above that mean (a
  // trace lying along the line for a while); the larger of the two
  // directions keeps a major line's reference from the fainter minor lines
  // that cross it.
  static cv::Mat darker_than_line_beside(const cv::Mat &darkness, const cv::Mat &lines, double px_per_mm,
                                         double skew_deg) {
    if (turned(skew_deg)) {
      // Along a turned page's lines, not across them.
      const cv::Mat upright_from_image = upright_rotation(lines.size(), skew_deg);
      cv::Mat upright_darkness, upright_lines, darker;
      cv::warpAffine(darkness, upright_darkness, upright_from_image, darkness.size(), cv::INTER_LINEAR);
      cv::warpAffine(lines, upright_lines, upright_from_image, lines.size(), cv::INTER_NEAREST);
      cv::warpAffine(darker_than_line_beside(upright_darkness, upright_lines, px_per_mm, 0.0), darker,
                     upright_from_image, lines.size(), cv::INTER_NEAREST | cv::WARP_INVERSE_MAP);
      return darker & lines;
    }
    const int run = std::max(15, static_cast<int>(std::lround(kLineRunMm * px_per_mm)));
    cv::Mat darkness_f;
    darkness.convertTo(darkness_f, CV_32F);
    const auto line_reference = [&](const cv::Mat &mask) {
      cv::Mat line_darkness = cv::Mat::zeros(darkness.size(), CV_32F), on_line;
      darkness_f.copyTo(line_darkness, mask);
      mask.convertTo(on_line, CV_32F, 1.0 / 255);
      cv::Mat reference;
      for (const cv::Size window : {cv::Size(run, 1), cv::Size(1, run)}) {
        cv::Mat sum, count;
        cv::boxFilter(line_darkness, sum, CV_32F, window, {-1, -1}, false);
        cv::boxFilter(on_line, count, CV_32F, window, {-1, -1}, false);
        const cv::Mat mean = sum / cv::max(count, 1.0f);
        reference = reference.empty() ? mean : cv::max(reference, mean);
      }
      reference.convertTo(reference, CV_8U);
      return reference;
    };
    cv::Mat excess;
    cv::subtract(darkness, line_reference(lines), excess);
    cv::Mat reference = line_reference(lines & (excess <= kDarkerThanLine / 2));
    cv::subtract(darkness, reference, excess);
    cv::Mat darker = (excess > kDarkerThanLine) & lines;
    cv::Mat labels, stats, centroids;
    const int count = cv::connectedComponentsWithStats(darker, labels, stats, centroids, 8, CV_32S);
    const int min_extent = std::max(3, static_cast<int>(std::lround(kMinTraceOnLineMm * px_per_mm)));
    std::vector<std::uint8_t> keep(static_cast<std::size_t>(count), 0);
    for (int i = 1; i < count; ++i)
      keep[static_cast<std::size_t>(i)] =
          std::max(stats.at<int>(i, cv::CC_STAT_WIDTH), stats.at<int>(i, cv::CC_STAT_HEIGHT)) >= min_extent ? 255 : 0;
    for (int y = 0; y < darker.rows; ++y) {
      const auto *l = labels.ptr<int>(y);
      auto *d = darker.ptr<std::uint8_t>(y);
      for (int x = 0; x < darker.cols; ++x) d[x] = keep[static_cast<std::size_t>(l[x])];
    }
    return darker;
  }

  SegmentationMaps compose(const PixelMaps &pixels, const cv::Mat &grid_ink, const cv::Mat &text,
                           const cv::Mat &pale_lines) const {
    const float *unit = tables().unit;
    const float *pale_line = tables().pale_line;
    const cv::Size size = grid_ink.size();
    SegmentationMaps maps{cv::Mat(size, CV_32F), cv::Mat(size, CV_32F), cv::Mat(size, CV_32F)};
    cv::parallel_for_(cv::Range(0, size.height), [&](const cv::Range &rows) {
      for (int y = rows.start; y < rows.end; ++y) {
        const auto *colour = pixels.colour.ptr<std::uint8_t>(y);
        const auto *ink = pixels.ink.ptr<std::uint8_t>(y);
        const auto *dark = pixels.darkness.ptr<std::uint8_t>(y);
        const auto *l = grid_ink.ptr<std::uint8_t>(y);
        const auto *t = text.ptr<std::uint8_t>(y);
        const auto *pale = pale_lines.ptr<std::uint8_t>(y);
        auto *trace = maps.trace.ptr<float>(y);
        auto *grid = maps.grid.ptr<float>(y);
        auto *txt = maps.text.ptr<float>(y);
        for (int x = 0; x < size.width; ++x) {
          const bool on_line = l[x] != 0;
          const float k = unit[ink[x]];
          txt[x] = t[x] ? k : 0.0f;
          trace[x] = (on_line || t[x]) ? 0.0f : k;
          const float line = std::max(on_line ? k : 0.0f, pale[x] ? pale_line[dark[x]] : 0.0f);
          grid[x] = std::min(std::max(unit[colour[x]], line), 1.0f - trace[x] - txt[x]);
        }
      }
    }, stripes());
    return maps;
  }

  int num_threads_;
};

}  // namespace

std::unique_ptr<Segmenter> make_classical_segmenter(const StageOptions &options) {
  return std::make_unique<ClassicalSegmenter>(options);
}

}  // namespace detail
}  // namespace v1
}  // namespace ecgdig
