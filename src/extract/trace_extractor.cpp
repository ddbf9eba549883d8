#include "extract/trace_extractor.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <set>
#include <vector>

#include <fmt/format.h>
#include <opencv2/imgproc.hpp>

#include "ecgdig/error.hpp"

namespace ecgdig {
inline namespace v1 {
namespace detail {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
// Dynamic-programme costs, per column, distances in mm.
constexpr double kJumpCost = 2.0;       // per mm between a run and the next one
constexpr double kSmoothCost = 0.05;    // per mm of centre movement
constexpr double kBaselinePull = 0.03;  // per mm from the panel's baseline
constexpr double kMissingCost = 1.0;    // a column without trace
constexpr double kReenterCost = 0.5;    // picking up the trace after a missing stretch
constexpr double kForeignCost = 0.8;    // a run that another panel's trace owns
constexpr double kReachMv = 3.0;        // search this far from the baseline, at least the band
constexpr double kMinInBand = 0.5;      // fraction of a panel's columns that must lie in its band
constexpr double kEdgePx = 1.0;         // a trace's end value holds this far beyond it
constexpr double kBarMinLines = 4.0;    // a separator bar is this many line widths tall...
constexpr int kMinBarColumns = 3;       // ...and at least this many columns wide

// A vertical stretch of trace pixels in one column.
struct Run {
  int top = 0, bottom = 0;  // inclusive pixel rows
  double centre = 0;        // probability-weighted, continuous px
};

// Runs of column x (a row of the transposed maps) between rows y0 and y1.
std::vector<Run> column_runs(const cv::Mat &mask_t, const cv::Mat &prob_t, int x, int y0, int y1) {
  std::vector<Run> runs;
  const std::uint8_t *m = mask_t.ptr<std::uint8_t>(x);
  const float *p = prob_t.ptr<float>(x);
  for (int y = y0; y <= y1; ++y) {
    if (!m[y]) continue;
    Run run;
    run.top = y;
    double w = 0, wy = 0;
    for (; y <= y1 && m[y]; ++y) {
      w += p[y];
      wy += p[y] * (y + 0.5);
    }
    run.bottom = y - 1;
    run.centre = w > 0 ? wy / w : (run.top + run.bottom + 1) / 2.0;
    runs.push_back(run);
  }
  return runs;
}

// Runs (x, top) that belong to another panel's trace.
using RunSet = std::set<std::pair<int, int>>;

// The run the trace passes through in each of columns [x_first, x_last]
// (top = -1 where the trace is missing), by a dynamic programme over the
// columns' runs plus a "missing" state. Runs in `foreign` cost extra.
std::vector<Run> follow_trace(const cv::Mat &mask_t, const cv::Mat &prob_t, int x_first, int x_last,
                              int y0, int y1, double baseline_px, double px_per_mm_y,
                              const RunSet &foreign) {
  const int n = std::max(0, x_last - x_first + 1);
  std::vector<std::vector<Run>> runs(n);
  for (int i = 0; i < n; ++i) runs[i] = column_runs(mask_t, prob_t, x_first + i, y0, y1);

  // cost[i][s]: best path cost ending in state s of column i; the last state is "missing".
  std::vector<std::vector<double>> cost(n);
  std::vector<std::vector<int>> from(n);
  const auto unary = [&](int i, const Run &r) {
    return kBaselinePull * std::abs(r.centre - baseline_px) / px_per_mm_y +
           (foreign.count({x_first + i, r.top}) ? kForeignCost : 0.0);
  };
  for (int i = 0; i < n; ++i) {
    const int states = static_cast<int>(runs[i].size()) + 1;
    cost[i].assign(states, std::numeric_limits<double>::infinity());
    from[i].assign(states, -1);
    for (int s = 0; s < states; ++s) {
      const bool missing = s + 1 == states;
      const double own = missing ? kMissingCost : unary(i, runs[i][s]);
      if (i == 0) {
        cost[i][s] = own;
        continue;
      }
      const int prev_states = static_cast<int>(runs[i - 1].size()) + 1;
      for (int q = 0; q < prev_states; ++q) {
        const bool prev_missing = q + 1 == prev_states;
        double step = 0;
        if (!missing && prev_missing) {
          step = kReenterCost;
        } else if (!missing) {
          const Run &a = runs[i - 1][q], &b = runs[i][s];
          const double gap =
              std::max({0, b.top - a.bottom - 1, a.top - b.bottom - 1}) / px_per_mm_y;
          step = kJumpCost * gap + kSmoothCost * std::abs(a.centre - b.centre) / px_per_mm_y;
        }
        const double c = cost[i - 1][q] + step + own;
        if (c < cost[i][s]) {
          cost[i][s] = c;
          from[i][s] = q;
        }
      }
    }
  }
  Run none;
  none.top = -1;
  std::vector<Run> path(n, none);
  if (n == 0) return path;
  int s = static_cast<int>(std::min_element(cost[n - 1].begin(), cost[n - 1].end()) -
                           cost[n - 1].begin());
  for (int i = n - 1; i >= 0; --i) {
    if (s < static_cast<int>(runs[i].size())) path[i] = runs[i][s];
    s = from[i][s];
  }
  return path;
}

// Columns of the path that cross a separator bar: a tall run that the mask
// repeats with the same top and bottom in at least kMinBarColumns adjacent
// columns (a trace's strokes slant; the bar may reach past the panel).
std::vector<std::uint8_t> bar_columns(const cv::Mat &mask_t, const std::vector<Run> &path,
                                      int x_first, double line_px) {
  const int n = static_cast<int>(path.size());
  std::vector<std::uint8_t> bar(n, 0);
  const auto same_run = [&](int x, const Run &r) {
    if (x < 0 || x >= mask_t.rows) return false;
    const std::uint8_t *m = mask_t.ptr<std::uint8_t>(x);
    const int mid = (r.top + r.bottom) / 2;
    if (!m[mid]) return false;
    int top = mid, bottom = mid;
    while (top > 0 && m[top - 1]) --top;
    while (bottom + 1 < mask_t.cols && m[bottom + 1]) ++bottom;
    return std::abs(top - r.top) <= 1 && std::abs(bottom - r.bottom) <= 1;
  };
  for (int i = 0; i < n; ++i) {
    const Run &r = path[i];
    if (r.top < 0 || r.bottom - r.top + 1 < kBarMinLines * line_px) continue;
    const int x = x_first + i;
    int left = x, right = x;
    while (x - left < kMinBarColumns && same_run(left - 1, r)) --left;
    while (right - x < kMinBarColumns && same_run(right + 1, r)) ++right;
    bar[i] = right - left + 1 >= kMinBarColumns;
  }
  // A stroke that runs into the bar merges with it: the columns next to the
  // bar whose run covers most of the bar's are the bar as well.
  for (int pass = 0; pass < 2; ++pass)
    for (int i = 0; i < n; ++i) {
      if (bar[i] || path[i].top < 0) continue;
      for (int j : {i - 1, i + 1}) {
        if (j < 0 || j >= n || !bar[j]) continue;
        const int overlap =
            std::min(path[i].bottom, path[j].bottom) - std::max(path[i].top, path[j].top);
        if (overlap >= 0.8 * (path[j].bottom - path[j].top)) bar[i] = 2;
      }
    }
  return bar;
}

// The trace's y per column (continuous px, NaN where missing or on a
// separator bar). A tall run at a turning point stands for its extreme; a
// run that another panel's trace also passes through (a crossing) is read
// where this trace's neighbours point.
std::vector<double> trace_y(const std::vector<Run> &path, const std::vector<std::uint8_t> &shared,
                            const std::vector<std::uint8_t> &bar, double line_px) {
  const int n = static_cast<int>(path.size());
  std::vector<double> y(n, kNaN);
  const auto has = [&](int i) { return i >= 0 && i < n && path[i].top >= 0 && !bar[i]; };
  for (int i = 0; i < n; ++i) {
    if (!has(i) || shared[i]) continue;
    const Run &r = path[i];
    y[i] = r.centre;
    if (r.bottom - r.top + 1 < 2.5 * line_px || !has(i - 1) || !has(i + 1)) continue;
    const double p = path[i - 1].centre, q = path[i + 1].centre;
    if (p > r.centre && q > r.centre)
      y[i] = r.top + line_px / 2;
    else if (p < r.centre && q < r.centre)
      y[i] = r.bottom + 1 - line_px / 2;
  }
  for (int i = 0; i < n; ++i) {
    if (!has(i) || !shared[i]) continue;
    int l = i - 1, r = i + 1;
    while (l >= 0 && i - l <= 3 && !std::isfinite(y[l])) --l;
    while (r < n && r - i <= 3 && !std::isfinite(y[r])) ++r;
    const bool lf = l >= 0 && i - l <= 3 && std::isfinite(y[l]),
               rf = r < n && r - i <= 3 && std::isfinite(y[r]);
    double guess = path[i].centre;
    if (lf && rf)
      guess = y[l] + (y[r] - y[l]) * (i - l) / double(r - l);
    else if (lf)
      guess = y[l];
    else if (rf)
      guess = y[r];
    y[i] = std::clamp(guess, path[i].top + 0.5, path[i].bottom + 0.5);
  }
  return y;
}

// A point of the trace: x in continuous px from the panel's first column
// (column i spans [i, i + 1)), y in continuous px.
struct Point {
  double x, y;
};

// The trace as a polyline. A column normally gives its y at its centre; a
// tall run that the trace sweeps through monotonically (a QRS flank) gives
// its two ends at the column's edges, so the full swing is kept.
std::vector<Point> trace_points(const std::vector<Run> &path, const std::vector<double> &y,
                                const std::vector<std::uint8_t> &shared, double line_px) {
  const int n = static_cast<int>(y.size());
  std::vector<Point> points;
  const auto add = [&](double x, double v) {
    if (!points.empty() && x - points.back().x < 1e-6)
      points.back().y = (points.back().y + v) / 2;
    else
      points.push_back({x, v});
  };
  for (int i = 0; i < n; ++i) {
    if (!std::isfinite(y[i])) continue;
    const Run &r = path[i];
    const bool tall = !shared[i] && r.bottom - r.top + 1 >= 2.5 * line_px && i > 0 && i + 1 < n &&
                      std::isfinite(y[i - 1]) && std::isfinite(y[i + 1]);
    const double top = r.top + line_px / 2, bottom = r.bottom + 1 - line_px / 2;
    if (tall && y[i - 1] < r.centre && y[i + 1] > r.centre) {
      add(i, top);
      add(i + 1, bottom);
    } else if (tall && y[i - 1] > r.centre && y[i + 1] < r.centre) {
      add(i, bottom);
      add(i + 1, top);
    } else {
      add(i + 0.5, y[i]);
    }
  }
  return points;
}

// Samples of one panel at `fs_hz` (y in px) into `out`, indexed from
// recording time 0: linear along the polyline, across gaps of at most
// `max_gap_px`, held for up to kEdgePx past an end, NaN beyond.
void sample_panel(const std::vector<Point> &points, const LeadBox &box, int x_first,
                  double max_gap_px, double fs_hz, std::vector<float> &out) {
  if (points.empty()) return;
  const double px_per_s = box.box_px.width / box.duration_s;
  const std::size_t k0 =
      static_cast<std::size_t>(std::max(0.0, std::ceil(box.t_start_s * fs_hz - 1e-9)));
  std::size_t j = 0;  // points[j].x <= u < points[j + 1].x, advanced as u grows
  for (std::size_t k = k0; k < out.size(); ++k) {
    const double t = k / fs_hz;
    if (t >= box.t_start_s + box.duration_s) break;
    const double u = box.box_px.x + (t - box.t_start_s) * px_per_s - x_first;
    while (j + 1 < points.size() && points[j + 1].x <= u) ++j;
    const Point &a = points[j];
    double v = kNaN;
    if (u < a.x) {
      if (a.x - u <= kEdgePx) v = a.y;  // before the first point
    } else if (j + 1 < points.size() && points[j + 1].x - a.x <= max_gap_px) {
      const Point &b = points[j + 1];
      v = a.y + (b.y - a.y) * (u - a.x) / (b.x - a.x);
    } else if (u - a.x <= kEdgePx) {
      v = a.y;
    } else if (j + 1 < points.size() && points[j + 1].x - u <= kEdgePx) {
      v = points[j + 1].y;
    }
    out[k] = static_cast<float>(v);
  }
}

// Lead name without the inversion mark, and the sign to apply.
std::pair<std::string, double> plain_name(const std::string &name) {
  if (!name.empty() && name[0] == '-') return {name.substr(1), -1.0};
  return {name, 1.0};
}

}  // namespace

TraceExtractorOptions TraceExtractorOptions::from(const StageOptions &options) {
  TraceExtractorOptions o;
  o.max_gap_mm = options.get_double("max_gap_mm", o.max_gap_mm);
  if (!(o.max_gap_mm >= 0))
    throw Error(ErrorCode::InvalidArgument,
                fmt::format("option 'max_gap_mm' must be >= 0, got {}", o.max_gap_mm));
  return o;
}

Record TraceExtractor::extract(const SegmentationMaps &maps, const Geometry &geometry,
                               Layout &layout, double output_fs_hz) const {
  if (!(output_fs_hz > 0))
    throw Error(ErrorCode::InvalidArgument,
                fmt::format("signal extractor: output rate {} Hz is not positive", output_fs_hz));
  if (maps.trace.empty() || maps.trace.type() != CV_32FC1)
    throw Error(ErrorCode::InvalidArgument,
                "signal extractor: the trace map must be a non-empty CV_32FC1");
  if (!(geometry.px_per_mm_x > 0) || !(geometry.px_per_mm_y > 0))
    throw Error(ErrorCode::InvalidArgument, "signal extractor: geometry has no scale (px_per_mm)");
  if (layout.leads.empty())
    throw Error(ErrorCode::InvalidArgument, "signal extractor: the layout has no lead panels");

  cv::Mat prob_t, mask_t;
  cv::transpose(maps.trace, prob_t);
  cv::threshold(prob_t, mask_t, 0.5, 255, cv::THRESH_BINARY);
  mask_t.convertTo(mask_t, CV_8U);
  const int width = maps.trace.cols, height = maps.trace.rows;

  double record_s = 0;
  for (const LeadBox &box : layout.leads) {
    if (!(box.duration_s > 0) || !(box.box_px.width > 0))
      throw Error(ErrorCode::InvalidArgument,
                  fmt::format("signal extractor: panel '{}' has no duration or width", box.name));
    record_s = std::max(record_s, box.t_start_s + box.duration_s);
  }
  const std::size_t n_out = static_cast<std::size_t>(std::ceil(record_s * output_fs_hz - 1e-6));

  // Pass 1: each panel's path through the runs.
  struct Panel {
    int x_first = 0;
    std::vector<Run> path;
  };
  struct Window {
    int x_last = 0, y0 = 0, y1 = 0;
  };
  std::vector<Panel> panels;
  std::vector<Window> windows;
  for (const LeadBox &box : layout.leads) {
    Panel panel;
    panel.x_first = std::max(0, static_cast<int>(std::ceil(box.box_px.x - 0.5)));
    const int x_last =
        std::min(width - 1, static_cast<int>(std::ceil(box.box_px.br().x - 0.5)) - 1);
    // Search well beyond the band: tall complexes reach into the next rows.
    const double gain = lead_gain_mm_per_mv(layout, box.name);
    const double reach = std::max(box.box_px.height, kReachMv * gain * geometry.px_per_mm_y);
    const int y0 = std::max(0, static_cast<int>(std::min(box.box_px.y, box.baseline_y_px - reach)));
    const int y1 = std::min(
        height - 1, static_cast<int>(std::max(box.box_px.br().y, box.baseline_y_px + reach)));
    panel.path = follow_trace(mask_t, prob_t, panel.x_first, x_last, y0, y1, box.baseline_y_px,
                              geometry.px_per_mm_y, RunSet());
    windows.push_back({x_last, y0, y1});
    panels.push_back(std::move(panel));
  }
  // Where two panels' paths share runs, a run belongs to the panel whose
  // baseline is nearer; the other panel follows its own trace again, now
  // paying for foreign runs (so a crossing trace goes through, not along).
  std::map<std::pair<int, int>, std::vector<std::size_t>> users;
  for (std::size_t j = 0; j < panels.size(); ++j)
    for (std::size_t i = 0; i < panels[j].path.size(); ++i)
      if (panels[j].path[i].top >= 0)
        users[{panels[j].x_first + static_cast<int>(i), panels[j].path[i].top}].push_back(j);
  std::vector<RunSet> foreign(panels.size());
  for (const auto &[key, js] : users) {
    if (js.size() < 2) continue;
    const Run &run = panels[js[0]].path[key.first - panels[js[0]].x_first];
    const auto distance = [&](std::size_t j) {
      return std::abs(run.centre - layout.leads[j].baseline_y_px);
    };
    const std::size_t owner =
        *std::min_element(js.begin(), js.end(),
                          [&](std::size_t a, std::size_t b) { return distance(a) < distance(b); });
    for (std::size_t j : js)
      if (j != owner) foreign[j].insert(key);
  }
  std::vector<int> lengths;
  for (std::size_t j = 0; j < panels.size(); ++j) {
    if (!foreign[j].empty()) {
      const Window &w = windows[j];
      panels[j].path =
          follow_trace(mask_t, prob_t, panels[j].x_first, w.x_last, w.y0, w.y1,
                       layout.leads[j].baseline_y_px, geometry.px_per_mm_y, foreign[j]);
    }
    for (const Run &r : panels[j].path)
      if (r.top >= 0) lengths.push_back(r.bottom - r.top + 1);
  }
  // The line thickness: the typical run length.
  double line_px = 1;
  if (!lengths.empty()) {
    std::nth_element(lengths.begin(), lengths.begin() + lengths.size() / 2, lengths.end());
    line_px = lengths[lengths.size() / 2];
  }
  // Runs that two panels' paths still go through: where traces cross.
  users.clear();
  for (std::size_t j = 0; j < panels.size(); ++j)
    for (std::size_t i = 0; i < panels[j].path.size(); ++i)
      if (panels[j].path[i].top >= 0)
        users[{panels[j].x_first + static_cast<int>(i), panels[j].path[i].top}].push_back(j);

  // Pass 2: y per column, then samples. Per lead: its panels' samples and traced columns.
  struct Acc {
    std::vector<std::pair<double, std::vector<float>>> panels;  // (duration, samples)
    double traced = 0, columns = 0;
  };
  std::map<std::string, Acc> acc;
  std::vector<std::string> order;
  for (std::size_t j = 0; j < panels.size(); ++j) {
    const LeadBox &box = layout.leads[j];
    const Panel &panel = panels[j];
    const auto [name, sign] = plain_name(box.name);
    if (!acc.count(name)) order.push_back(name);
    Acc &a = acc[name];
    std::vector<std::uint8_t> shared(panel.path.size(), 0);
    for (std::size_t i = 0; i < panel.path.size(); ++i)
      shared[i] = panel.path[i].top >= 0 &&
                  users[{panel.x_first + static_cast<int>(i), panel.path[i].top}].size() > 1;
    std::vector<double> y = trace_y(
        panel.path, shared, bar_columns(mask_t, panel.path, panel.x_first, line_px), line_px);
    // A panel whose path mostly runs outside its band has followed a
    // neighbour's trace: its own is missing.
    const auto in_band = std::count_if(y.begin(), y.end(), [&](double v) {
      return std::isfinite(v) && v >= box.box_px.y && v <= box.box_px.br().y;
    });
    if (in_band < kMinInBand * static_cast<double>(y.size())) std::fill(y.begin(), y.end(), kNaN);
    a.columns += y.size();
    a.traced += std::count_if(y.begin(), y.end(), [](double v) { return std::isfinite(v); });
    const double gain = lead_gain_mm_per_mv(layout, name);
    const double mv_per_px = sign / (geometry.px_per_mm_y * gain);
    const double max_gap_px = std::max(1.0, options_.max_gap_mm * geometry.px_per_mm_x);
    std::vector<float> samples(n_out, std::numeric_limits<float>::quiet_NaN());
    sample_panel(trace_points(panel.path, y, shared, line_px), box, panel.x_first, max_gap_px,
                 output_fs_hz, samples);
    for (float &v : samples) v = static_cast<float>((box.baseline_y_px - v) * mv_per_px);
    a.panels.emplace_back(box.duration_s, std::move(samples));
  }

  // Standard leads in their usual order, then any others as they came.
  std::stable_sort(order.begin(), order.end(), [](const std::string &a, const std::string &b) {
    const int ia = standard_lead_index(a), ib = standard_lead_index(b);
    return (ia < 0 ? 99 : ia) < (ib < 0 ? 99 : ib);
  });
  Record record;
  record.name = "page";
  record.fs_hz = output_fs_hz;
  for (const std::string &name : order) {
    Acc &a = acc[name];
    // A rhythm strip shows the lead longer and continuously: prefer it where both exist.
    std::stable_sort(a.panels.begin(), a.panels.end(),
                     [](const auto &p, const auto &q) { return p.first > q.first; });
    Lead lead;
    const int standard = standard_lead_index(name);
    lead.name = standard >= 0 ? kStandardLeads[standard] : name;
    lead.mv.assign(n_out, std::numeric_limits<float>::quiet_NaN());
    for (const auto &panel : a.panels)
      for (std::size_t k = 0; k < n_out; ++k)
        if (std::isnan(lead.mv[k])) lead.mv[k] = panel.second[k];
    lead.confidence = a.columns > 0 ? a.traced / a.columns : 0.0;
    record.leads.push_back(std::move(lead));
  }
  return record;
}

}  // namespace detail
}  // namespace v1
}  // namespace ecgdig
