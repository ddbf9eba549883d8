#include "layout/template_layout.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <optional>
#include <vector>

#include <fmt/format.h>
#include <opencv2/imgproc.hpp>

#include "core/order_statistics.hpp"
#include "ecgdig/error.hpp"
#include "layout/calibration_pulse.hpp"
#include "layout/layout_templates.hpp"
#include "layout/lead_names.hpp"
#include "layout/scale_text.hpp"

namespace ecgdig {
inline namespace v1 {
namespace detail {
namespace {

constexpr double kMinTraceWidthMm = 8;     // narrower components are text or marks
constexpr double kStrayRowGapShare = 0.5;  // rows closer than this share of the usual gap: one is stray
constexpr double kMinRowSeparationMm = 6;  // closest two baselines can be
constexpr double kDefaultSpeedMmS = 25;
constexpr double kDefaultGainMmMv = 10;
constexpr double kGainTolerance = 0.12;      // a pulse height this close to 5/10/20 mm is that gain
constexpr double kPulseWidthTolerance = 0.2;  // a width this close to 0.2 s at 12.5/25/50 mm/s
// A 12-lead page shows 10 s; rows this long at 25 mm/s (pulse, overhang and
// noise included) are taken for 50 mm/s.
constexpr double kMaxPageSeconds = 11;
constexpr double kMaxPulseMm = 20;            // 1 mV at the largest gain a pulse is read at
constexpr double kMaxPulseOffsetMm = 4;       // a pulse's bottom this far from the row's baseline at most
constexpr double kMinWideFraction = 0.5;     // less of the ink in wide components: a broken trace
constexpr double kJoinGapMm = 1.2;           // gaps in a broken trace joined before judging width
constexpr double kLateRowReachMm = 4.0;      // how far a row's waves are looked for when it starts late
constexpr double kRuledLineFraction = 0.97;  // a row or column of the map this full is a ruled line
constexpr double kMaxBoundaryGapMm = 6;      // a longer gap in a row is lost ink, not a panel boundary
constexpr double kMinNameMarkAspect = 0.5;   // width to height of a later column name's first glyph ('a', 'V')

// The binary maps the layout works on.
struct PageMasks {
  cv::Mat dark;                 // trace or text map > 0.5, ruled lines removed (CV_8UC1)
  cv::Mat grid;                 // grid map > 0.5 (CV_8UC1; empty without a grid map)
  cv::Mat traces;               // components of the trace map at least kMinTraceWidthMm wide
  std::vector<cv::Rect> marks;  // small components: lead names, separators
};

// One trace row on the page.
struct Row {
  double baseline_px = 0;
  double top_px = 0, bottom_px = 0;     // band: half-way to the neighbouring rows
  double x_begin_px = 0, x_end_px = 0;  // first and last trace position (continuous px)
  int columns = 0;                      // panels in the row; 0 for an inferred empty row
  std::optional<CalibrationPulse> pulse;
  // Lead names read at each quarter of the row ("" = none, or only a lone
  // bar, read as "I", which any separator or wave stroke is), printed above
  // or below the baseline; a page prints them all on one side.
  std::array<std::array<std::string, 4>, 2> names;
  std::array<std::array<double, 4>, 2> name_y{};  // centre of each name read
};

// The map above 0.5 (CV_8UC1; empty for an empty map). A map given beside
// the trace map must have its size (`trace_size`, unless empty).
cv::Mat binarize(const cv::Mat &map, const char *what, cv::Size trace_size = {}) {
  if (map.empty()) return {};
  if (map.type() != CV_32FC1)
    throw Error(ErrorCode::InvalidArgument,
                fmt::format("lead layout: the {} map must be CV_32FC1", what));
  if (!trace_size.empty() && map.size() != trace_size)
    throw Error(ErrorCode::InvalidArgument,
                fmt::format("lead layout: the {} map differs in size from the trace map", what));
  cv::Mat mask;
  cv::threshold(map, mask, 0.5, 255, cv::THRESH_BINARY);
  mask.convertTo(mask, CV_8U);
  return mask;
}

PageMasks split_components(const SegmentationMaps &maps, double px_per_mm_x, double px_per_mm_y) {
  PageMasks out;
  cv::Mat trace = binarize(maps.trace, "trace");
  cv::Mat text = binarize(maps.text, "text", trace.size());
  out.grid = binarize(maps.grid, "grid", trace.size());
  // Page frames and ruled lines that cross the whole page are no trace.
  cv::Mat row_sum, col_sum;
  cv::reduce(trace, row_sum, 1, cv::REDUCE_SUM, CV_32S);
  cv::reduce(trace, col_sum, 0, cv::REDUCE_SUM, CV_32S);
  for (int y = 0; y < trace.rows; ++y)
    if (row_sum.at<int>(y) >= kRuledLineFraction * 255 * trace.cols) trace.row(y).setTo(0);
  for (int x = 0; x < trace.cols; ++x)
    if (col_sum.at<int>(x) >= kRuledLineFraction * 255 * trace.rows) trace.col(x).setTo(0);
  cv::Mat labels, stats, centroids;
  const int n = cv::connectedComponentsWithStats(trace, labels, stats, centroids, 8, CV_32S);
  std::vector<std::uint8_t> keep(n, 0), mark(n, 0);
  for (int i = 1; i < n; ++i) {
    const int w = stats.at<int>(i, cv::CC_STAT_WIDTH), h = stats.at<int>(i, cv::CC_STAT_HEIGHT);
    keep[i] = w >= kMinTraceWidthMm * px_per_mm_x;
    mark[i] = !keep[i] && h >= 1.0 * px_per_mm_y && h <= 10 * px_per_mm_y && w <= 15 * px_per_mm_x;
  }
  const cv::Mat pieces = labels.clone(), piece_stats = stats.clone();
  const auto keep_wide = [&]() {
    out.traces = cv::Mat::zeros(trace.size(), CV_8U);
    for (int y = 0; y < trace.rows; ++y) {
      const int *l = labels.ptr<int>(y);
      const std::uint8_t *src = trace.ptr<std::uint8_t>(y);
      std::uint8_t *t = out.traces.ptr<std::uint8_t>(y);
      for (int x = 0; x < trace.cols; ++x)
        if (src[x] && keep[l[x]]) t[x] = 255;
    }
  };
  keep_wide();
  // A trace broken into short pieces (ink lost where it crosses grid lines)
  // is judged after joining gaps of up to kJoinGapMm.
  if (cv::countNonZero(out.traces) < kMinWideFraction * cv::countNonZero(trace)) {
    const int gap_x = 2 * static_cast<int>(kJoinGapMm * px_per_mm_x / 2) + 1;
    const int gap_y = 2 * static_cast<int>(kJoinGapMm * px_per_mm_y / 4) + 1;
    cv::Mat joined;
    cv::dilate(trace, joined, cv::getStructuringElement(cv::MORPH_RECT, cv::Size(gap_x, gap_y)));
    const int m = cv::connectedComponentsWithStats(joined, labels, stats, centroids, 8, CV_32S);
    keep.assign(m, 0);
    for (int i = 1; i < m; ++i)
      keep[i] = stats.at<int>(i, cv::CC_STAT_WIDTH) >= kMinTraceWidthMm * px_per_mm_x;
    keep_wide();
  }
  // Small pieces are lead names or separators unless they are part of a trace.
  for (int y = 0; y < trace.rows; ++y) {
    const int *l = pieces.ptr<int>(y);
    const std::uint8_t *t = out.traces.ptr<std::uint8_t>(y);
    for (int x = 0; x < trace.cols; ++x)
      if (t[x]) mark[l[x]] = 0;
  }
  for (int i = 1; i < n; ++i)
    if (mark[i])
      out.marks.emplace_back(
          piece_stats.at<int>(i, cv::CC_STAT_LEFT), piece_stats.at<int>(i, cv::CC_STAT_TOP),
          piece_stats.at<int>(i, cv::CC_STAT_WIDTH), piece_stats.at<int>(i, cv::CC_STAT_HEIGHT));
  out.dark = trace;
  if (!text.empty()) {
    cv::bitwise_or(out.dark, text, out.dark);
    const int m = cv::connectedComponentsWithStats(text, labels, stats, centroids, 8, CV_32S);
    for (int i = 1; i < m; ++i) {
      const int w = stats.at<int>(i, cv::CC_STAT_WIDTH), h = stats.at<int>(i, cv::CC_STAT_HEIGHT);
      if (h >= 1.0 * px_per_mm_y && h <= 10 * px_per_mm_y && w <= 15 * px_per_mm_x)
        out.marks.emplace_back(stats.at<int>(i, cv::CC_STAT_LEFT),
                               stats.at<int>(i, cv::CC_STAT_TOP), w, h);
    }
  }
  return out;
}

// Columns of `mask` that hold a pixel between rows y0 and y1 (inclusive).
std::vector<std::uint8_t> column_presence(const cv::Mat &mask, int y0, int y1) {
  y0 = std::clamp(y0, 0, mask.rows - 1);
  y1 = std::clamp(y1, y0, mask.rows - 1);
  cv::Mat reduced;
  cv::reduce(mask.rowRange(y0, y1 + 1), reduced, 0, cv::REDUCE_MAX);
  return std::vector<std::uint8_t>(reduced.ptr<std::uint8_t>(),
                                   reduced.ptr<std::uint8_t>() + mask.cols);
}

cv::Mat smoothed_profile(const cv::Mat &profile, double sigma_px) {
  cv::Mat out;
  const int ksize = 2 * static_cast<int>(std::ceil(3 * sigma_px)) + 1;
  cv::GaussianBlur(profile, out, cv::Size(1, ksize), 0, sigma_px);
  return out;
}

// Rows: peaks of the horizontal projection of the wide trace components,
// smoothed enough that baseline wander leaves one peak per row; the baseline
// is the sharp peak (the isoelectric level the trace spends most columns at)
// near it.
std::vector<Row> find_rows(const cv::Mat &traces, double px_per_mm_x, double px_per_mm_y) {
  cv::Mat hist;
  cv::reduce(traces, hist, 1, cv::REDUCE_SUM, CV_64F);
  const cv::Mat coarse = smoothed_profile(hist, 1.5 * px_per_mm_y),
                fine = smoothed_profile(hist, 0.4 * px_per_mm_y);
  const double *h = coarse.ptr<double>(), *f = fine.ptr<double>();
  double h_max = 0;
  cv::minMaxLoc(coarse, nullptr, &h_max);
  if (h_max <= 0) return {};

  std::vector<int> peaks;
  for (int y = 1; y + 1 < coarse.rows; ++y)
    if (h[y] >= h[y - 1] && h[y] > h[y + 1] && h[y] >= 0.2 * h_max) peaks.push_back(y);
  std::sort(peaks.begin(), peaks.end(), [&](int a, int b) { return h[a] > h[b]; });
  std::vector<int> kept;
  for (int p : peaks)
    if (std::none_of(kept.begin(), kept.end(),
                     [&](int k) { return std::abs(k - p) < kMinRowSeparationMm * px_per_mm_y; }))
      kept.push_back(p);

  // A row spans much of the page; a stray peak (one panel's offset) does not.
  std::vector<std::pair<int, int>> covered;  // (peak, columns)
  int most = 0;
  for (int p : kept) {
    const int half = static_cast<int>(3 * px_per_mm_y);
    auto cols = column_presence(traces, p - half, p + half);
    const int count = static_cast<int>(std::count(cols.begin(), cols.end(), 255));
    covered.emplace_back(p, count);
    most = std::max(most, count);
  }
  std::vector<Row> rows;
  const int reach = static_cast<int>(3 * px_per_mm_y);
  for (auto [p, count] : covered) {
    if (count < 0.4 * most || count < 20 * px_per_mm_x) continue;
    int best = p;
    for (int y = std::max(1, p - reach); y <= std::min(fine.rows - 2, p + reach); ++y)
      if (f[y] > f[best]) best = y;
    const double denom = f[best - 1] - 2 * f[best] + f[best + 1];
    const double frac = denom < 0 ? 0.5 * (f[best - 1] - f[best + 1]) / denom : 0.0;
    Row row;
    row.baseline_px = best + 0.5 + std::clamp(frac, -0.5, 0.5);
    rows.push_back(row);
  }
  std::sort(rows.begin(), rows.end(),
            [](const Row &a, const Row &b) { return a.baseline_px < b.baseline_px; });
  return rows;
}

void set_bands(std::vector<Row> &rows, int page_height) {
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const double up =
        i > 0 ? rows[i].baseline_px - rows[i - 1].baseline_px
              : (i + 1 < rows.size() ? rows[i + 1].baseline_px - rows[i].baseline_px : page_height);
    const double down = i + 1 < rows.size() ? rows[i + 1].baseline_px - rows[i].baseline_px : up;
    rows[i].top_px = std::max(0.0, rows[i].baseline_px - up / 2);
    rows[i].bottom_px = std::min(page_height - 1.0, rows[i].baseline_px + down / 2);
  }
}

// Where ink runs on along a row: 60 % of the columns of every window of
// 3 mm hold some.
struct InkRun {
  InkRun(const std::vector<std::uint8_t> &columns, double px_per_mm_x)
      : window(std::max(3, static_cast<int>(3 * px_per_mm_x))), prefix(columns.size() + 1, 0) {
    for (std::size_t x = 0; x < columns.size(); ++x) prefix[x + 1] = prefix[x] + (columns[x] ? 1 : 0);
  }
  // Columns [a, b) are dense enough.
  bool dense(int a, int b) const { return prefix[b] - prefix[a] >= 0.6 * (b - a); }
  int window;
  std::vector<int> prefix;
};

// First and last column of the row where the trace runs (60% of the next 3 mm present).
bool find_extent(const cv::Mat &traces, Row &row, double px_per_mm_x) {
  auto cols =
      column_presence(traces, static_cast<int>(row.top_px), static_cast<int>(row.bottom_px));
  const InkRun ink(cols, px_per_mm_x);
  const int win = ink.window, n = static_cast<int>(cols.size());
  int first = -1, last = -1;
  for (int x = 0; x + win <= n && first < 0; ++x)
    if (cols[x] && ink.dense(x, x + win)) first = x;
  for (int x = n - 1; x - win + 1 >= 0 && last < 0; --x)
    if (cols[x] && ink.dense(x - win + 1, x + 1)) last = x;
  if (first < 0 || last <= first) return false;
  row.x_begin_px = first + 0.5;
  row.x_end_px = last + 0.5;
  return true;
}

// A row that starts well right of the others may have had its first
// centimetres cut by grid lines into pieces too short to count as trace: it
// starts where ink within kLateRowReachMm of its baseline runs on up to its
// first column, no further left than the others start.
void extend_late_rows(const cv::Mat &dark, std::vector<Row> &rows, double px_per_mm_x, double px_per_mm_y) {
  std::vector<double> begins;
  for (const Row &r : rows) begins.push_back(r.x_begin_px);
  const double common_begin = median(begins);
  for (Row &r : rows) {
    if (r.x_begin_px <= common_begin + 3 * px_per_mm_x) continue;
    const InkRun ink(column_presence(dark, static_cast<int>(r.baseline_px - kLateRowReachMm * px_per_mm_y),
                                     static_cast<int>(r.baseline_px + kLateRowReachMm * px_per_mm_y)),
                     px_per_mm_x);
    int x = static_cast<int>(r.x_begin_px);
    const int limit = std::max(0, static_cast<int>(common_begin));
    while (x - ink.window >= limit && ink.dense(x - ink.window, x)) --x;
    r.x_begin_px = std::min(r.x_begin_px, x + 0.5);
  }
}

// Distances between consecutive baselines of rows [first, last), top to bottom.
std::vector<double> baseline_gaps(const std::vector<Row> &rows, std::size_t first = 0,
                                  std::size_t last = std::numeric_limits<std::size_t>::max()) {
  std::vector<double> gaps;
  for (std::size_t i = first + 1; i < std::min(last, rows.size()); ++i)
    gaps.push_back(rows[i].baseline_px - rows[i - 1].baseline_px);
  return gaps;
}

// Of two rows much closer than the others are to each other, the shorter is
// no row of its own (a scribble, a row's tall waves, a line of text); true
// when one was dropped. The bands are then to be set again.
bool drop_stray_rows(std::vector<Row> &rows) {
  bool dropped = false;
  while (rows.size() >= 3) {
    const std::vector<double> gaps = baseline_gaps(rows);
    const double typical = lower_median(gaps);
    const auto closest = std::min_element(gaps.begin(), gaps.end());
    if (*closest >= kStrayRowGapShare * typical) break;
    const std::size_t i = static_cast<std::size_t>(closest - gaps.begin());
    const auto length = [](const Row &r) { return r.x_end_px - r.x_begin_px; };
    rows.erase(rows.begin() + static_cast<std::ptrdiff_t>(length(rows[i]) < length(rows[i + 1]) ? i : i + 1));
    dropped = true;
  }
  return dropped;
}

// Consecutive rows twice as far apart as most have lost a row between them.
// The typical gap is the lower median, not the closest: one stray row beside
// a real one would otherwise fill every gap with empty rows.
void insert_missing_rows(std::vector<Row> &rows) {
  if (rows.size() < 3) return;
  const std::vector<double> gaps = baseline_gaps(rows);
  const double typical = lower_median(gaps);
  std::vector<Row> out{rows.front()};
  for (std::size_t i = 1; i < rows.size(); ++i) {
    const int missing = static_cast<int>(std::lround(gaps[i - 1] / typical)) - 1;
    if (gaps[i - 1] >= 1.7 * typical)
      for (int k = 1; k <= missing; ++k) {
        Row empty = rows[i - 1];
        empty.baseline_px += gaps[i - 1] * k / (missing + 1);
        empty.columns = 0;
        empty.pulse.reset();
        out.push_back(empty);
      }
    out.push_back(rows[i]);
  }
  rows = std::move(out);
}

// 0..1: how much the page marks a panel boundary at x on this row: a
// separator bar, a gap in the trace, or a lead name just right of x.
double boundary_evidence(const PageMasks &masks, const Row &row, double x, double px_per_mm_x,
                         double px_per_mm_y) {
  const int x0 = std::max(0, static_cast<int>(x - 2 * px_per_mm_x));
  const int x1 = std::min(masks.dark.cols - 1, static_cast<int>(x + 2 * px_per_mm_x));
  const int b = static_cast<int>(row.baseline_px);
  const int reach = static_cast<int>(1.5 * px_per_mm_y);
  if (b - reach < 0 || b + reach >= masks.dark.rows) return 0;

  // Separator: two or more adjacent columns with the same solid vertical run
  // through the baseline (a 600 dpi page brought to the working size draws
  // its separators two pixels wide).
  int streak = 0, run_top = 0, run_bottom = 0;
  for (int cx = x0; cx <= x1; ++cx) {
    bool solid = true;
    for (int y = b - reach; y <= b + reach && solid; ++y)
      solid = masks.dark.at<std::uint8_t>(y, cx) != 0;
    int top = b, bottom = b;
    if (solid) {
      while (top > 0 && masks.dark.at<std::uint8_t>(top - 1, cx)) --top;
      while (bottom + 1 < masks.dark.rows && masks.dark.at<std::uint8_t>(bottom + 1, cx)) ++bottom;
    }
    if (solid && streak > 0 && std::abs(top - run_top) <= 2 && std::abs(bottom - run_bottom) <= 2) {
      if (++streak >= 2) return 1.0;
    } else {
      streak = solid ? 1 : 0;
      run_top = top;
      run_bottom = bottom;
    }
  }
  // Gap: two or more empty columns, where the trace ends inside the band (a
  // tall wave that leaves the band through its edge leaves no gap), and not
  // so many that the trace was lost there (a flat stretch along a grid line
  // as dark as the trace).
  const int top = static_cast<int>(row.top_px), bottom = static_cast<int>(row.bottom_px);
  auto cols = column_presence(masks.traces, top, bottom);
  const auto at_edge = [&](int cx) {
    if (cx < 0 || cx >= masks.traces.cols) return false;
    for (int y : {top, top + 1, bottom - 1, bottom})
      if (y >= 0 && y < masks.traces.rows && masks.traces.at<std::uint8_t>(y, cx)) return true;
    return false;
  };
  const int gap_from = std::max(0, static_cast<int>(x - 1.5 * px_per_mm_x));
  const int gap_to = std::min(masks.dark.cols - 1, static_cast<int>(x + 1.5 * px_per_mm_x));
  for (int cx = gap_from; cx <= gap_to; ++cx) {
    if (cols[cx]) continue;
    int end = cx;
    while (end + 1 < masks.traces.cols && !cols[end + 1]) ++end;
    if (end - cx >= 1 && end - cx <= kMaxBoundaryGapMm * px_per_mm_x && !at_edge(cx - 1) &&
        !at_edge(end + 1))
      return 1.0;
    cx = end;
  }
  // A lead name starting just right of the boundary, clear of the baseline.
  // Its first glyph is 'a' or 'V' (lead I never starts a later column), so
  // a narrower mark (a bar, a piece of a steep wave) does not count.
  for (const cv::Rect &m : masks.marks) {
    const double cy = m.y + m.height / 2.0;
    if (m.width < kMinNameMarkAspect * m.height) continue;
    if (m.y < row.baseline_px && m.br().y > row.baseline_px) continue;
    if (m.x >= x - px_per_mm_x && m.x <= x + 8 * px_per_mm_x && cy >= row.top_px &&
        cy <= row.bottom_px)
      return 0.8;
  }
  return 0.0;
}

// Panels in the row: boundaries looked for at the quarters and the middle of
// the row, and of the page's common extent (a row whose start was misjudged
// still shares the page's columns). Four panels need most of their three
// boundaries marked: the middle one and a stray mark (a tick, a steep wave)
// at one quarter are a two-panel row.
int count_columns(const PageMasks &masks, const Row &row, double page_begin, double page_end,
                  double px_per_mm_x, double px_per_mm_y) {
  for (int k : {4, 2})
    for (auto [begin, end] : {std::pair{row.x_begin_px, row.x_end_px}, std::pair{page_begin, page_end}}) {
      double sum = 0;
      for (int i = 1; i < k; ++i)
        sum += boundary_evidence(masks, row, begin + (end - begin) * i / k, px_per_mm_x, px_per_mm_y);
      if (sum / (k - 1) >= (k == 2 ? 0.8 : 0.7)) return k;
    }
  return 1;
}

// How well a template fits the rows when template row j sits on page row j + offset.
struct Match {
  const LayoutTemplate *layout = nullptr;
  int offset = 0;
  double cost = std::numeric_limits<double>::infinity();  // penalties less bonuses: ranks templates
  double penalty = 0;                                     // penalties alone: gives the confidence
  bool named = false;  // a name read on the page matched where templates of the same panels differ
};

// Costs of a template: a row whose column count disagrees weighs more than a
// template row with no page row (a row may be blank or cut off), but less
// where the row shows no boundary on a page that marks none (boundaries are
// then told by names alone, which may be missed); a template row that would
// lie off the page weighs most, and so does a page row with a calibration
// pulse left out (it is a trace row, not a header). With no column evidence
// on the whole page only the row count speaks. A lead name read as the
// template expects weighs more than one read otherwise: names are misread,
// rarely read right by chance.
constexpr double kColumnMismatchCost = 2.0;
constexpr double kUnseenColumnsCost = 0.7;
constexpr double kMissingRowCost = 1.5;
constexpr double kOffPageRowCost = 4.0;
constexpr double kExtraRowCost = 2.0;
constexpr double kExtraPulseRowCost = 4.0;
constexpr double kEmptyRowCost = 0.5;
constexpr double kNameMismatchCost = 0.5;
constexpr double kNameMatchBonus = 0.6;
// A template's rows are evenly spaced; a page row that breaks the spacing
// (a header line of text taken for a row) is more likely left out.
constexpr double kUnevenRowsCost = 0.3;
constexpr double kEvenRows = 0.1;
// A page with half the leads (6x1) is printed far less often than one with
// all twelve, so it must explain the page better to be chosen.
constexpr double kPartialLayoutCost = 1.0;

// Index of a template's lead, printed inverted ("-aVR") or not; -1 if none.
int template_lead_index(const std::string &lead) {
  return standard_lead_index(!lead.empty() && lead[0] == '-' ? lead.substr(1) : lead);
}

bool shows_all_leads(const LayoutTemplate &t) {
  std::array<bool, kStandardLeads.size()> seen{};
  for (const TemplateRow &row : t.rows)
    for (const std::string &lead : row.leads)
      if (const int i = template_lead_index(lead); i >= 0) seen[static_cast<std::size_t>(i)] = true;
  return std::all_of(seen.begin(), seen.end(), [](bool b) { return b; });
}

bool same_lead(const std::string &printed, const std::string &expected) {
  return standard_lead_index(printed) == template_lead_index(expected);
}

// Panels in row i as its lead names on one side tell: a name read at the
// middle or a quarter of the row starts a panel there; 0 when none is. Only
// names at least as close to this row as to the neighbour on that side count
// (names between two rows may belong to either).
int named_columns(const std::vector<Row> &rows, std::size_t i, int side) {
  const Row &row = rows[i];
  const bool has_neighbour = side == 0 ? i > 0 : i + 1 < rows.size();
  const double neighbour = has_neighbour ? rows[side == 0 ? i - 1 : i + 1].baseline_px : 0;
  const auto named = [&](int q) {
    const std::string &name = row.names[side][q];
    const double y = row.name_y[side][q];
    return !name.empty() &&
           (!has_neighbour || std::abs(y - row.baseline_px) <= 1.1 * std::abs(y - neighbour));
  };
  if (named(1) || named(3)) return 4;
  return named(2) ? 2 : 0;
}

// Whether rows [first, last) stand evenly spaced, as a template's rows do:
// every gap between consecutive baselines within kEvenRows of their median.
bool evenly_spaced(const std::vector<Row> &rows, std::size_t first, std::size_t last) {
  const std::vector<double> gaps = baseline_gaps(rows, first, last);
  if (gaps.size() < 2) return true;
  const double typical = median(gaps);
  return std::all_of(gaps.begin(), gaps.end(),
                     [&](double g) { return std::abs(g - typical) <= kEvenRows * typical; });
}

// Closest spacing of consecutive rows; 0 with fewer than two rows.
double row_spacing(const std::vector<Row> &rows) {
  const std::vector<double> gaps = baseline_gaps(rows);
  return gaps.empty() ? 0 : *std::min_element(gaps.begin(), gaps.end());
}

// Baseline of a template row that has no page row, at page row index i
// (before the first row or after the last), where the row spacing puts it.
double missing_row_baseline(const std::vector<Row> &rows, int i, double spacing) {
  const Row &edge = i < 0 ? rows.front() : rows.back();
  return edge.baseline_px + spacing * (i < 0 ? i : i - static_cast<int>(rows.size()) + 1);
}

Match best_match(const std::vector<Row> &rows,
                 const std::vector<const LayoutTemplate *> &candidates, bool columns_seen,
                 int page_height) {
  Match best;
  const int n = static_cast<int>(rows.size());
  const double spacing = row_spacing(rows);
  // A page that marks panel boundaries (separators, gaps) marks them on every
  // row that has them.
  const bool boundaries_marked =
      std::any_of(rows.begin(), rows.end(), [](const Row &r) { return r.columns > 1; });
  for (const LayoutTemplate *t : candidates) {
    const int m = static_cast<int>(t->rows.size());
    // How common a layout is ranks it but says nothing of how well the page
    // fits, so it stays out of the confidence.
    const double rarity = shows_all_leads(*t) ? 0.0 : kPartialLayoutCost;
    for (int side = 0; side < 2; ++side)
      for (int offset = -(m - 1); offset <= n - 1; ++offset) {
        double cost = 0, bonus = 0;
        bool named = false;
        const auto score_names = [&](const std::array<std::string, 4> &read_names, int j) {
          const int k = static_cast<int>(t->rows[j].leads.size());
          for (int c = 0; c < k && k <= 4 && 4 % k == 0; ++c) {
            const std::string &read = read_names[c * 4 / k];
            if (read.empty()) continue;
            if (same_lead(read, t->rows[j].leads[c])) {
              bonus += kNameMatchBonus;
              named = named || tells_apart(*t, static_cast<std::size_t>(j), static_cast<std::size_t>(c));
            } else
              cost += kNameMismatchCost;
          }
        };
        for (int j = 0; j < m; ++j) {
          const int i = j + offset;
          if (i < 0 || i >= n) {
            const double b = spacing > 0 ? missing_row_baseline(rows, i, spacing) : -1;
            cost += b < 0 || b > page_height ? kOffPageRowCost : kMissingRowCost;
            // Its names, if it has any, are those on the far side of the edge row.
            if (i == -1 && side == 1) score_names(rows.front().names[0], j);
            if (i == n && side == 0) score_names(rows.back().names[1], j);
            continue;
          }
          const int k = static_cast<int>(t->rows[j].leads.size());
          const int columns =
              std::max(rows[i].columns, named_columns(rows, static_cast<std::size_t>(i), side));
          if (rows[i].columns == 0)
            cost += kEmptyRowCost;
          else if (columns_seen && columns != k)
            cost += columns == 1 && !boundaries_marked ? kUnseenColumnsCost : kColumnMismatchCost;
          score_names(rows[i].names[side], j);
        }
        for (int i = 0; i < n; ++i)
          if (i < offset || i >= offset + m) cost += rows[i].pulse ? kExtraPulseRowCost : kExtraRowCost;
        if (!evenly_spaced(rows, static_cast<std::size_t>(std::max(0, offset)),
                           static_cast<std::size_t>(std::min(n, offset + m))))
          cost += kUnevenRowsCost;
        const double rank =
            cost - bonus + rarity + (offset != 0 ? 0.01 : 0.0);  // prefer the top rows aligned on ties
        if (rank < best.cost) best = {t, offset, rank, cost, named};
      }
  }
  return best;
}

// Speed and gains, each from the most trusted evidence the page has: the
// options, then the calibration pulses (a pulse shows the gain of its row's
// first lead, so chest rows give the chest gain), then the printed scale,
// then the row length (a 12-lead page shows 10 s); else 25 mm/s and 10 mm/mV,
// and a chest gain assumed equal to the limb gain.
void set_scale(Layout &layout, const TemplateLayoutOptions &options, const std::vector<Row> &rows,
               const Match &match, const std::vector<double> &pulse_widths_mm,
               const PageMasks &masks, double row_px, double ppmm_x, double ppmm_y) {
  std::vector<double> limb_pulses_mm, chest_pulses_mm;
  for (std::size_t j = 0; j < match.layout->rows.size(); ++j) {
    const int i = static_cast<int>(j) + match.offset;
    if (i < 0 || i >= static_cast<int>(rows.size()) || !rows[i].pulse) continue;
    std::string first = match.layout->rows[j].leads.front();
    if (first[0] == '-') first.erase(0, 1);
    (standard_lead_index(first) >= 6 ? chest_pulses_mm : limb_pulses_mm)
        .push_back(rows[i].pulse->height_px() / ppmm_y);
  }
  const auto pulse_gain = [](const std::vector<double> &heights_mm) -> std::optional<double> {
    if (heights_mm.empty()) return std::nullopt;
    return snap_to(median(heights_mm), {5.0, 10.0, 20.0}, kGainTolerance);
  };
  const std::optional<double> limb_pulse = pulse_gain(limb_pulses_mm),
                              chest_pulse = pulse_gain(chest_pulses_mm);
  std::optional<double> pulse_speed;
  if (!pulse_widths_mm.empty()) {  // the pulse lasts 0.2 s
    if (const auto width_mm =
            snap_to(median(pulse_widths_mm), {2.5, 5.0, 10.0}, kPulseWidthTolerance))
      pulse_speed = *width_mm / 0.2;
  }
  const PrintedScale printed = read_printed_scale(masks.dark, masks.marks, ppmm_y);
  std::optional<double> geometry_speed;
  if (row_px / ppmm_x / kDefaultSpeedMmS > kMaxPageSeconds &&
      row_px / ppmm_x / 50 <= kMaxPageSeconds)
    geometry_speed = 50;

  using E = ScaleEvidence;
  const auto pick = [](std::initializer_list<std::pair<std::optional<double>, E>> evidence,
                       double fallback, double &value, E &source) {
    for (const auto &[v, e] : evidence)
      if (v) {
        value = *v;
        source = e;
        return;
      }
    value = fallback;
    source = E::Assumed;
  };
  const auto option = [](double v) { return v > 0 ? std::optional<double>(v) : std::nullopt; };
  pick({{option(options.paper_speed_mm_s), E::Option},
        {pulse_speed, E::CalibrationPulse},
        {printed.speed_mm_s, E::PrintedText},
        {geometry_speed, E::PageGeometry}},
       kDefaultSpeedMmS, layout.paper_speed_mm_s, layout.speed_evidence);
  pick({{option(options.gain_mm_per_mv), E::Option},
        {limb_pulse, E::CalibrationPulse},
        {printed.gain_mm_per_mv, E::PrintedText},
        {chest_pulse, E::CalibrationPulse}},
       kDefaultGainMmMv, layout.gain_mm_per_mv, layout.gain_evidence);
  // A printed limb gain that contradicts the measured one discredits the printed chest gain.
  const bool printed_agrees =
      !printed.gain_mm_per_mv || *printed.gain_mm_per_mv == layout.gain_mm_per_mv;
  pick({{option(options.chest_gain_mm_per_mv), E::Option},
        {chest_pulse, E::CalibrationPulse},
        {printed_agrees ? printed.chest_gain_mm_per_mv : std::nullopt, E::PrintedText}},
       layout.gain_mm_per_mv, layout.chest_gain_mm_per_mv, layout.chest_gain_evidence);
}

}  // namespace

TemplateLayoutOptions TemplateLayoutOptions::from(const StageOptions &options) {
  TemplateLayoutOptions o;
  o.layout = options.get_string("layout", o.layout);
  if (o.layout != "auto" && !find_layout_template(o.layout))
    throw Error(ErrorCode::InvalidArgument,
                fmt::format("option 'layout': unknown layout '{}' (known: auto, {})", o.layout,
                            layout_template_names()));
  o.paper_speed_mm_s = options.get_double("paper_speed_mm_s", 0);
  o.gain_mm_per_mv = options.get_double("gain_mm_per_mv", 0);
  o.chest_gain_mm_per_mv = options.get_double("chest_gain_mm_per_mv", 0);
  for (auto [key, value] : {std::pair<const char *, double>{"paper_speed_mm_s", o.paper_speed_mm_s},
                            {"gain_mm_per_mv", o.gain_mm_per_mv},
                            {"chest_gain_mm_per_mv", o.chest_gain_mm_per_mv}})
    if (options.has(key) && !(value > 0))
      throw Error(ErrorCode::InvalidArgument,
                  fmt::format("option '{}' must be positive, got {}", key, value));
  return o;
}

Layout TemplateLayout::locate(const cv::Mat & /*rectified_bgr*/, const SegmentationMaps &maps,
                              const Geometry &geometry) const {
  const double ppmm_x = geometry.px_per_mm_x, ppmm_y = geometry.px_per_mm_y;
  if (!(ppmm_x > 0) || !(ppmm_y > 0))
    throw Error(
        ErrorCode::InvalidArgument,
        fmt::format("lead layout: geometry has no scale (px_per_mm {} x {})", ppmm_x, ppmm_y));
  if (maps.trace.empty())
    throw Error(ErrorCode::InvalidArgument, "lead layout: the trace map is empty");
  const PageMasks masks = split_components(maps, ppmm_x, ppmm_y);

  std::vector<Row> rows = find_rows(masks.traces, ppmm_x, ppmm_y);
  set_bands(rows, masks.traces.rows);
  const auto keep_rows_with_extent = [&]() {
    rows.erase(std::remove_if(rows.begin(), rows.end(),
                              [&](Row &r) { return !find_extent(masks.traces, r, ppmm_x); }),
               rows.end());
  };
  keep_rows_with_extent();
  if (drop_stray_rows(rows)) {
    set_bands(rows, masks.traces.rows);
    keep_rows_with_extent();
  }
  if (rows.empty())
    throw Error(ErrorCode::NotAnEcg, "lead layout: no trace rows found on the page");
  extend_late_rows(masks.dark, rows, ppmm_x, ppmm_y);

  std::vector<double> pulse_widths_mm;
  for (std::size_t k = 0; k < rows.size(); ++k) {
    Row &row = rows[k];
    // A pulse may rise above the row's band (20 mm on close rows), never
    // past the row above's baseline: nothing else is left of the traces there.
    const double above = k > 0 ? rows[k - 1].baseline_px + ppmm_y
                               : row.baseline_px - (kMaxPulseMm + 1) * ppmm_y;
    const int x_from = static_cast<int>(row.x_begin_px - 16 * ppmm_x);
    for (double top : {row.top_px, std::max(0.0, std::min(row.top_px, above))}) {
      row.pulse = find_calibration_pulse(masks.dark, masks.grid, x_from, static_cast<int>(top),
                                         static_cast<int>(row.bottom_px), ppmm_x, ppmm_y);
      if (row.pulse) break;
    }
    // A pulse is 1 mV at a standard gain and stands on its row's baseline; a
    // step of another height, or one standing elsewhere, is a letter, a wave
    // or another row's pulse.
    if (row.pulse && (!snap_to(row.pulse->height_px() / ppmm_y, {5.0, 10.0, 20.0}, kGainTolerance) ||
                      std::abs(row.pulse->bottom_y_px - row.baseline_px) > kMaxPulseOffsetMm * ppmm_y))
      row.pulse.reset();
    if (!row.pulse) continue;
    pulse_widths_mm.push_back(row.pulse->width_px() / ppmm_x);
    row.baseline_px = row.pulse->bottom_y_px;
    row.x_begin_px = std::max(row.x_begin_px, row.pulse->x_fall_px);
  }
  // Panels of a page share their columns: rows close to the common start and end use it.
  std::vector<double> begins, ends;
  for (const Row &r : rows) {
    begins.push_back(r.x_begin_px);
    ends.push_back(r.x_end_px);
  }
  const double page_begin = median(begins), page_end = median(ends);
  // A row whose pulse went unread starts at the pulse's foot, up to a pulse early.
  const double pulse_reach_px =
      pulse_widths_mm.empty() ? 0 : (median(pulse_widths_mm) + 3) * ppmm_x;
  for (Row &r : rows) {
    if (std::abs(r.x_begin_px - page_begin) < 3 * ppmm_x ||
        (!r.pulse && r.x_begin_px < page_begin && page_begin - r.x_begin_px < pulse_reach_px))
      r.x_begin_px = page_begin;
    if (std::abs(r.x_end_px - page_end) < 3 * ppmm_x) r.x_end_px = page_end;
    r.columns = count_columns(masks, r, page_begin, page_end, ppmm_x, ppmm_y);
  }
  // Every layout with panel boundaries has them on several rows: marks on
  // one row alone are stray (a tick, grid crossings taken for a letter).
  if (std::count_if(rows.begin(), rows.end(), [](const Row &r) { return r.columns > 1; }) == 1)
    for (Row &r : rows) r.columns = std::min(r.columns, 1);
  for (Row &r : rows)
    for (int q = 0; q < 4; ++q) {
      const double x = r.x_begin_px + (r.x_end_px - r.x_begin_px) * q / 4;
      const double above = 1.8 * (r.baseline_px - r.top_px),
                   below = 1.8 * (r.bottom_px - r.baseline_px);
      const std::pair<double, double> spans[2] = {{r.baseline_px - above, r.baseline_px + ppmm_y},
                                                  {r.baseline_px - ppmm_y, r.baseline_px + below}};
      for (int side = 0; side < 2; ++side) {
        const cv::Rect word =
            find_word(masks.marks, x, spans[side].first, spans[side].second, r.baseline_px, ppmm_x);
        if (word.empty()) continue;
        // A lone bar (a separator, a wave's stroke) reads as "I": no evidence.
        if (auto read = read_lead_name(masks.dark(word)); read && read->text != "I") {
          r.names[side][q] = read->text;
          r.name_y[side][q] = word.y + word.height / 2.0;
        }
      }
    }
  insert_missing_rows(rows);
  set_bands(rows, masks.traces.rows);
  for (Row &r : rows)
    if (r.columns == 0) {
      r.x_begin_px = page_begin;
      r.x_end_px = page_end;
    }

  Layout layout;
  std::vector<const LayoutTemplate *> candidates;
  if (options_.layout == "auto")
    for (const auto &t : layout_templates()) candidates.push_back(&t);
  else
    candidates.push_back(find_layout_template(options_.layout));
  // Column counts mean something when some row shows a boundary or starts
  // with a lead name; a page with neither leaves only the row count.
  bool columns_seen = false;
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const Row &r = rows[i];
    columns_seen = columns_seen || r.columns > 1 || named_columns(rows, i, 0) > 1 ||
                   named_columns(rows, i, 1) > 1 ||
                   (r.columns == 1 && boundary_evidence(masks, r, r.x_begin_px, ppmm_x, ppmm_y) > 0);
  }
  const Match match = best_match(rows, candidates, columns_seen, masks.traces.rows);
  layout.name = match.layout->name;
  layout.confidence = 1.0 / (1.0 + match.penalty);
  layout.name_evidence = options_.layout != "auto" ? NameEvidence::Option
                         : match.named             ? NameEvidence::PrintedNames
                                                   : NameEvidence::Assumed;
  set_scale(layout, options_, rows, match, pulse_widths_mm, masks, page_end - page_begin, ppmm_x,
            ppmm_y);

  // Template rows without a page row (blank or erased) get a panel where the
  // row spacing puts them, so their leads come back empty rather than vanish.
  const double spacing = row_spacing(rows);
  const double px_per_s = ppmm_x * layout.paper_speed_mm_s;
  for (std::size_t j = 0; j < match.layout->rows.size(); ++j) {
    const int i = static_cast<int>(j) + match.offset;
    Row row;
    if (i >= 0 && i < static_cast<int>(rows.size())) {
      row = rows[i];
    } else {
      if (!(spacing > 0)) continue;
      row.baseline_px = missing_row_baseline(rows, i, spacing);
      row.top_px = row.baseline_px - spacing / 2;
      row.bottom_px = row.baseline_px + spacing / 2;
      row.x_begin_px = page_begin;
      row.x_end_px = page_end;
      if (row.top_px < 0 || row.bottom_px > masks.traces.rows) continue;
    }
    const auto &names = match.layout->rows[j].leads;
    const int k = static_cast<int>(names.size());
    // As measured: pages too narrow for 10 s print columns of any length.
    const double row_s = (row.x_end_px - row.x_begin_px) / px_per_s;
    for (int c = 0; c < k; ++c) {
      LeadBox box;
      box.name = names[c];
      box.duration_s = row_s / k;
      box.t_start_s = c * box.duration_s;
      box.box_px = cv::Rect2d(row.x_begin_px + c * box.duration_s * px_per_s, row.top_px,
                              box.duration_s * px_per_s, row.bottom_px - row.top_px);
      box.baseline_y_px = row.baseline_px;
      layout.leads.push_back(box);
    }
  }
  return layout;
}

}  // namespace detail
}  // namespace v1
}  // namespace ecgdig
