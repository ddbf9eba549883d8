#include "extract/trace_extractor.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <map>
#include <optional>
#include <vector>

#include <fmt/format.h>
#include <opencv2/imgproc.hpp>

#include "core/order_statistics.hpp"
#include "ecgdig/error.hpp"
#include "extract/panel_clock.hpp"

namespace ecgdig {
inline namespace v1 {
namespace detail {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
// Dynamic-programme costs, per column, distances in mm.
constexpr double kJumpCost = 2.0;       // per mm between a run and the next one
constexpr double kSmoothCost = 0.05;    // per mm of centre movement up to...
constexpr double kSmoothNearMm = 3.0;   // ...this much, then...
constexpr double kFarSmooth = 0.01;     // ...this per mm (steep strokes move far)
constexpr double kBaselinePull = 0.03;  // per mm from the panel's baseline up to...
constexpr double kPullNearMm = 10.0;    // ...this far, then...
constexpr double kFarPull = 0.005;      // ...this per mm (tall waves reach far)
constexpr double kFarSeconds = 0.2;     // a wave stays beyond the panel's band this long at most...
constexpr double kStayFarCost = 1.0;    // ...a trace there longer pays this per column
constexpr double kMissingCost = 1.0;    // a column without trace
constexpr double kReenterCost = 0.5;    // picking up the trace after a missing stretch...
constexpr double kReenterSlope = 0.1;   // ...plus this per mm from where it was last seen
constexpr double kUnexplainedCost = 0.15;  // per mm of ink left in a band that no trace passes...
constexpr double kLetterMm = 1.5;         // ...beyond this much per column (letters, specks)
constexpr double kShareCost = 0.3;      // a trace in a run another one passes through...
constexpr double kShareThinCost = 2.0;  // ...or in a run too thin for two strokes
constexpr double kCrossingLines = 2.0;  // a run this many line widths tall can be a crossing
constexpr double kTallLines = 2.5;      // a run this tall holds more than a flat stroke
constexpr double kReachMv = 6.0;        // search this far from the baseline, at least the band
constexpr double kMinInBand = 0.5;      // fraction of a panel's columns that must lie in its band
constexpr double kEdgePx = 1.0;         // a trace's end value holds this far beyond it
constexpr double kBarMinLines = 4.0;    // a separator bar is this many line widths tall...
constexpr int kMinBarColumns = 3;       // ...and at least this many columns wide...
constexpr double kBarReachMm = 5.0;     // ...within this of the panel's ends (mid-panel: a blurred QRS)
constexpr int kAlongColumns = 3;        // a trace's neighbours reach this many columns

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

// A trace's path: per column of its panel, the index of its run in that
// column's runs (-1 where the trace is missing).
using Path = std::vector<int>;

// The runs of every column of the page (empty outside the panels).
using PageRuns = std::vector<std::vector<Run>>;

// Per column and run, how many traces' paths pass through it.
using Usage = std::vector<std::vector<std::uint8_t>>;

// Where one panel's trace may go: its columns, and the rows searched.
struct Track {
  int x_first = 0, x_last = -1;  // inclusive; none when x_last < x_first
  int y0 = 0, y1 = 0;            // inclusive
  double baseline_px = 0;
  double band_top = 0, band_bottom = 0;  // the panel's rows; a trace beyond is far
  double far_columns = 0;                // how long a wave stays far at most
};

// Where a track was last seen on a path (NaN: not yet), and for how many
// columns it has been far from its band.
struct Seen {
  double y = kNaN;
  int far = 0;
};

// The paths of two tracks (the second may have no columns), chosen jointly
// by a dynamic programme over the columns whose state is the run each track
// passes through, or none. Each track pays for leaving its baseline (less
// per mm far from it, so a tall wave costs less than missing, but more once
// it has stayed beyond its band for longer than a wave lasts), for gaps and
// jumps between its runs and for runs that other traces (`used`) pass
// through; both pay for sharing one run unless it is tall enough to be two
// strokes crossing, and for ink in their bands that neither explains. So
// where two rows' traces overlap, the pixels go to the trace they
// continue, and neither is clipped nor swapped. What a cost
// depends on beyond the current column (where the track was last seen, how
// long it has been far) is carried along the best path to each state.
std::array<Path, 2> follow(const PageRuns &runs, const std::array<Track, 2> &tracks,
                           const Usage &used, double px_per_mm_y, double line_px) {
  const auto in = [&](int t, int x) { return x >= tracks[t].x_first && x <= tracks[t].x_last; };
  int xa = std::numeric_limits<int>::max(), xb = -1;
  for (const Track &track : tracks)
    if (track.x_last >= track.x_first) {
      xa = std::min(xa, track.x_first);
      xb = std::max(xb, track.x_last);
    }
  std::array<Path, 2> paths;
  for (int t = 0; t < 2; ++t)
    paths[t].assign(std::max(0, tracks[t].x_last - tracks[t].x_first + 1), -1);
  if (xb < xa) return paths;
  const int n = xb - xa + 1;

  // Per column and track: the candidate runs; the last state is "missing".
  std::vector<std::array<std::vector<int>, 2>> cand(n);
  for (int i = 0; i < n; ++i)
    for (int t = 0; t < 2; ++t) {
      if (!in(t, xa + i)) continue;
      const std::vector<Run> &col = runs[xa + i];
      for (int r = 0; r < static_cast<int>(col.size()); ++r)
        if (col[r].bottom >= tracks[t].y0 && col[r].top <= tracks[t].y1) cand[i][t].push_back(r);
    }
  // Two traces in one run: a crossing where the run is tall enough.
  const auto share = [&](const Run &r) {
    return r.bottom - r.top + 1 >= kCrossingLines * line_px ? kShareCost : kShareThinCost;
  };
  const auto unary = [&](int t, int i, int s, const Seen &seen) {
    const std::vector<int> &c = cand[i][t];
    if (s == static_cast<int>(c.size())) return in(t, xa + i) ? kMissingCost : 0.0;
    const Run &r = runs[xa + i][c[s]];
    const double mm = std::abs(r.centre - tracks[t].baseline_px) / px_per_mm_y;
    return kBaselinePull * std::min(mm, kPullNearMm) + kFarPull * std::max(0.0, mm - kPullNearMm) +
           (seen.far > tracks[t].far_columns ? kStayFarCost : 0.0) +
           (used[xa + i][c[s]] ? share(r) : 0.0);
  };
  // The y of each state of track t in column i (NaN: missing).
  const auto ys = [&](int t, int i) {
    std::vector<double> y(cand[i][t].size() + 1, kNaN);
    for (std::size_t s = 0; s < cand[i][t].size(); ++s) y[s] = runs[xa + i][cand[i][t][s]].centre;
    return y;
  };
  // What track t has seen after a state at y (NaN: missing) of a column. A
  // wave leaves the band continuously: a trace picked up beyond it (after a
  // missing stretch, or where the track begins) pays as if it had stayed.
  const auto advance = [&](int t, double y, const Seen &before, bool picked_up) {
    if (std::isnan(y)) return before;
    if (y >= tracks[t].band_top && y <= tracks[t].band_bottom) return Seen{y, 0};
    return Seen{y, picked_up ? static_cast<int>(tracks[t].far_columns) + 1 : before.far + 1};
  };
  // Steps of track t from each state q of column i - 1 to each state s of
  // column i, [q * states + s]; picking the trace up again after a missing
  // stretch costs kReenterCost here, plus kReenterSlope per mm from where
  // it was last seen, which the programme adds (`reentry`).
  const auto steps = [&](int t, int i) {
    const std::vector<int> &p = cand[i - 1][t], &c = cand[i][t];
    const int sp = static_cast<int>(p.size()) + 1, sc = static_cast<int>(c.size()) + 1;
    std::vector<double> st(sp * sc, 0.0);
    if (!in(t, xa + i - 1)) return st;
    for (int s = 0; s + 1 < sc; ++s) {
      const Run &b = runs[xa + i][c[s]];
      st[(sp - 1) * sc + s] = kReenterCost;
      for (int q = 0; q + 1 < sp; ++q) {
        const Run &a = runs[xa + i - 1][p[q]];
        const double gap = std::max({0, b.top - a.bottom - 1, a.top - b.bottom - 1}) / px_per_mm_y;
        const double move = std::abs(a.centre - b.centre) / px_per_mm_y;
        st[q * sc + s] = kJumpCost * gap + kSmoothCost * std::min(move, kSmoothNearMm) +
                         kFarSmooth * std::max(0.0, move - kSmoothNearMm);
      }
    }
    return st;
  };
  const auto reentry = [&](double y, const Seen &seen) {
    return std::isnan(seen.y) ? 0.0 : kReenterSlope * std::abs(y - seen.y) / px_per_mm_y;
  };

  // cost[a * SB + b]: best cost of the columns so far ending in states (a,
  // b); seen0/seen1: what each track has seen on that best path. The
  // step factorizes over the tracks, so it is minimised over track 0's
  // previous state first (from0), then over track 1's (from1).
  constexpr double kInf = std::numeric_limits<double>::infinity();
  std::vector<std::vector<int>> from0(n), from1(n);
  std::vector<double> cost, mid;
  std::array<std::vector<std::pair<int, double>>, 2> unexplained;  // (run, cost), per column
  std::vector<Seen> seen0, seen1, mid0, mid1;
  int sa_prev = 0, sb_prev = 0;
  for (int i = 0; i < n; ++i) {
    const int sa = static_cast<int>(cand[i][0].size()) + 1;
    const int sb = static_cast<int>(cand[i][1].size()) + 1;
    const std::vector<double> ya = ys(0, i), yb = ys(1, i);
    std::vector<double> next(sa * sb, 0.0);
    std::vector<Seen> next0(sa * sb), next1(sa * sb);
    if (i > 0) {
      const std::vector<double> st0 = steps(0, i), st1 = steps(1, i);
      const bool re0 = in(0, xa + i - 1), re1 = in(1, xa + i - 1);
      mid.assign(sa * sb_prev, kInf);
      mid0.assign(sa * sb_prev, Seen());
      mid1.assign(sa * sb_prev, Seen());
      from0[i].assign(sa * sb_prev, 0);
      for (int a = 0; a < sa; ++a)
        for (int q = 0; q < sa_prev; ++q) {
          const double st = st0[q * sa + a];
          const bool picked_up = q + 1 == sa_prev && a + 1 < sa, again = re0 && picked_up;
          for (int b = 0; b < sb_prev; ++b) {
            const int from = q * sb_prev + b, to = a * sb_prev + b;
            const double c = cost[from] + st + (again ? reentry(ya[a], seen0[from]) : 0.0);
            if (c < mid[to]) {
              mid[to] = c;
              mid0[to] = advance(0, ya[a], seen0[from], picked_up);
              mid1[to] = seen1[from];
              from0[i][to] = q;
            }
          }
        }
      std::fill(next.begin(), next.end(), kInf);
      from1[i].assign(sa * sb, 0);
      for (int b = 0; b < sb; ++b)
        for (int q = 0; q < sb_prev; ++q) {
          const double st = st1[q * sb + b];
          const bool picked_up = q + 1 == sb_prev && b + 1 < sb, again = re1 && picked_up;
          for (int a = 0; a < sa; ++a) {
            const int from = a * sb_prev + q, to = a * sb + b;
            const double c = mid[from] + st + (again ? reentry(yb[b], mid1[from]) : 0.0);
            if (c < next[to]) {
              next[to] = c;
              next0[to] = mid0[from];
              next1[to] = advance(1, yb[b], mid1[from], picked_up);
              from1[i][to] = q;
            }
          }
        }
    } else {
      for (int a = 0; a < sa; ++a)
        for (int b = 0; b < sb; ++b) {
          next0[a * sb + b] = advance(0, ya[a], Seen(), true);
          next1[a * sb + b] = advance(1, yb[b], Seen(), true);
        }
    }
    // Ink in a track's band that neither track passes through and no other
    // trace does: a wave the tracks left to follow a letter or a speck
    // touching them. A stroke of a letter is short; a wave is not.
    for (int t = 0; t < 2; ++t) {
      unexplained[t].clear();
      for (int r : cand[i][t]) {
        if (used[xa + i][r]) continue;
        const Run &run = runs[xa + i][r];
        const double in_band_mm = (std::min<double>(run.bottom + 1, tracks[t].band_bottom) -
                                   std::max<double>(run.top, tracks[t].band_top)) /
                                  px_per_mm_y;
        if (in_band_mm > kLetterMm)
          unexplained[t].emplace_back(r, kUnexplainedCost * (in_band_mm - kLetterMm));
      }
    }
    for (int a = 0; a < sa; ++a)
      for (int b = 0; b < sb; ++b) {
        double u = unary(0, i, a, next0[a * sb + b]) + unary(1, i, b, next1[a * sb + b]);
        const int ra = a + 1 < sa ? cand[i][0][a] : -1, rb = b + 1 < sb ? cand[i][1][b] : -1;
        for (const auto &left : unexplained)
          for (const auto &[r, cost] : left)
            if (r != ra && r != rb) u += cost;
        if (a + 1 < sa && b + 1 < sb && cand[i][0][a] == cand[i][1][b])
          u += share(runs[xa + i][cand[i][0][a]]);
        next[a * sb + b] += u;
      }
    cost.swap(next);
    seen0.swap(next0);
    seen1.swap(next1);
    sa_prev = sa;
    sb_prev = sb;
  }
  int best = static_cast<int>(std::min_element(cost.begin(), cost.end()) - cost.begin());
  int a = best / sb_prev, b = best % sb_prev;
  for (int i = n - 1; i >= 0; --i) {
    const int states[2] = {a, b};
    for (int t = 0; t < 2; ++t)
      if (in(t, xa + i) && states[t] < static_cast<int>(cand[i][t].size()))
        paths[t][xa + i - tracks[t].x_first] = cand[i][t][states[t]];
    if (i == 0) break;
    const int sb_before = static_cast<int>(cand[i - 1][1].size()) + 1;
    const int sb_here = static_cast<int>(cand[i][1].size()) + 1;
    const int q1 = from1[i][a * sb_here + b];
    const int q0 = from0[i][a * sb_before + q1];
    a = q0;
    b = q1;
  }
  return paths;
}

// Columns of the path that cross a separator bar: a tall run that the mask
// repeats with the same top and bottom in at least kMinBarColumns adjacent
// columns (a trace's strokes slant; the bar may reach past the panel),
// within `reach_px` of the panel's ends: separators stand between panels,
// and mid-panel such a run is a QRS complex blurred into a blot.
std::vector<std::uint8_t> bar_columns(const cv::Mat &mask_t, const std::vector<Run> &path,
                                      int x_first, double line_px, double reach_px) {
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
    if (i > reach_px && n - 1 - i > reach_px) continue;
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

// Where the trace's own columns (finite y, not shared) within kAlongColumns
// of column i point: interpolated between the nearest on either side; NaN
// when there are none.
double along(const std::vector<double> &y, const std::vector<std::uint8_t> &shared, int i) {
  const int n = static_cast<int>(y.size());
  const auto own = [&](int k) { return k >= 0 && k < n && !shared[k] && std::isfinite(y[k]); };
  int l = i - 1, r = i + 1;
  while (i - l <= kAlongColumns && l >= 0 && !own(l)) --l;
  while (r - i <= kAlongColumns && r < n && !own(r)) ++r;
  const bool lf = i - l <= kAlongColumns && own(l), rf = r - i <= kAlongColumns && own(r);
  if (lf && rf) return y[l] + (y[r] - y[l]) * (i - l) / double(r - l);
  return lf ? y[l] : rf ? y[r] : kNaN;
}

bool tall(const Run &r, double line_px) { return r.bottom - r.top + 1 >= kTallLines * line_px; }

// A tall run in column i whose neighbours hold short runs at about one
// level: a steep stroke is as wide as the line, so its neighbours' runs are
// tall too; alone, the run is a grid line's remnant crossing the trace.
bool lone_tall(const std::vector<Run> &path, int i, double line_px) {
  const int n = static_cast<int>(path.size());
  if (i < 1 || i + 1 >= n || path[i - 1].top < 0 || path[i + 1].top < 0) return false;
  const double height = path[i].bottom - path[i].top + 1;
  return tall(path[i], line_px) && !tall(path[i - 1], line_px) && !tall(path[i + 1], line_px) &&
         std::abs(path[i - 1].centre - path[i + 1].centre) < height / 2;
}

// The trace's y per column (continuous px, NaN where missing or on a
// separator bar). A tall run at a turning point stands for its extreme, a
// lone tall one (a grid line's remnant) for the level of its neighbours; a
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
    if (!tall(r, line_px) || !has(i - 1) || !has(i + 1)) continue;
    if (lone_tall(path, i, line_px)) {
      y[i] = std::clamp((path[i - 1].centre + path[i + 1].centre) / 2, r.top + 0.5, r.bottom + 0.5);
      continue;
    }
    const double p = path[i - 1].centre, q = path[i + 1].centre;
    if (p > r.centre && q > r.centre)
      y[i] = r.top + line_px / 2;
    else if (p < r.centre && q < r.centre)
      y[i] = r.bottom + 1 - line_px / 2;
  }
  for (int i = 0; i < n; ++i) {
    if (!has(i) || !shared[i]) continue;
    const double guess = along(y, shared, i);
    y[i] = std::clamp(std::isnan(guess) ? path[i].centre : guess, path[i].top + 0.5,
                      path[i].bottom + 0.5);
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
    const bool steep = !shared[i] && tall(r, line_px) && i > 0 && i + 1 < n &&
                       !lone_tall(path, i, line_px) && std::isfinite(y[i - 1]) &&
                       std::isfinite(y[i + 1]);
    const double top = r.top + line_px / 2, bottom = r.bottom + 1 - line_px / 2;
    if (steep && y[i - 1] < r.centre && y[i + 1] > r.centre) {
      add(i, top);
      add(i + 1, bottom);
    } else if (steep && y[i - 1] > r.centre && y[i + 1] < r.centre) {
      add(i, bottom);
      add(i + 1, top);
    } else {
      add(i + 0.5, y[i]);
    }
  }
  return points;
}

// Samples of one panel at `fs_hz` (y in px) into `out`, indexed from
// recording time 0, each where `clock` puts its time: linear along the
// polyline, across gaps of at most `max_gap_px`, held for up to kEdgePx past
// an end, NaN beyond.
void sample_panel(const std::vector<Point> &points, const LeadBox &box, const PanelClock &clock,
                  int x_first, double max_gap_px, double fs_hz, std::vector<float> &out) {
  if (points.empty()) return;
  const std::size_t k0 =
      static_cast<std::size_t>(std::max(0.0, std::ceil(box.t_start_s * fs_hz - 1e-9)));
  std::size_t j = 0;  // points[j].x <= u < points[j + 1].x, advanced as u grows
  for (std::size_t k = k0; k < out.size(); ++k) {
    const double t = k / fs_hz;
    if (t >= box.t_start_s + box.duration_s) break;
    const double u = clock.x_at(t) - x_first;
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

// The layout times a row's panels with the page's scale; the panels'
// clocks read the row's duration along it, and the row's times are scaled
// to it (each panel keeping its share), so a stretched page's later columns
// start at their times (a 3x4 row at 2.5, 5 and 7.5 s) rather than where
// the page's mean scale puts them. Without a grid nothing changes.
void retime_rows(Layout &layout, std::vector<PanelClock> &clocks) {
  std::map<std::pair<double, double>, std::vector<std::size_t>> rows;  // (baseline, top) -> panels
  for (std::size_t j = 0; j < layout.leads.size(); ++j)
    rows[{layout.leads[j].baseline_y_px, layout.leads[j].box_px.y}].push_back(j);
  for (const auto &[key, panels] : rows) {
    double read_s = 0, laid_s = 0, first_s = layout.leads[panels.front()].t_start_s;
    for (std::size_t j : panels) {
      const LeadBox &box = layout.leads[j];
      read_s += clocks[j].t_at(box.box_px.br().x) - box.t_start_s;
      laid_s += box.duration_s;
      first_s = std::min(first_s, box.t_start_s);
    }
    const double scale = read_s / laid_s;
    for (std::size_t j : panels) {
      LeadBox &box = layout.leads[j];
      box.t_start_s = first_s + (box.t_start_s - first_s) * scale;
      box.duration_s *= scale;
      clocks[j].start_at(box.t_start_s);
    }
  }
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
  if (!maps.grid.empty() &&
      (maps.grid.type() != CV_32FC1 || maps.grid.size() != maps.trace.size()))
    throw Error(ErrorCode::InvalidArgument,
                "signal extractor: the grid map must be empty or a CV_32FC1 of the trace map's size");

  cv::Mat prob_t, mask_t;
  cv::transpose(maps.trace, prob_t);
  cv::threshold(prob_t, mask_t, 0.5, 255, cv::THRESH_BINARY);
  mask_t.convertTo(mask_t, CV_8U);
  const int width = maps.trace.cols, height = maps.trace.rows;

  for (const LeadBox &box : layout.leads)
    if (!(box.duration_s > 0) || !(box.box_px.width > 0))
      throw Error(ErrorCode::InvalidArgument,
                  fmt::format("signal extractor: panel '{}' has no duration or width", box.name));
  // Only a grid that gave the page's scale is trusted to give it locally.
  std::optional<GridStretch> grid_stretch;
  if (geometry.scale_source == ScaleSource::Grid && !maps.grid.empty())
    grid_stretch.emplace(maps.grid, geometry.px_per_mm_x);
  std::vector<PanelClock> clocks;
  for (const LeadBox &box : layout.leads)
    clocks.emplace_back(grid_stretch ? &*grid_stretch : nullptr, box);
  retime_rows(layout, clocks);
  double record_s = 0;
  for (const LeadBox &box : layout.leads)
    record_s = std::max(record_s, box.t_start_s + box.duration_s);
  const std::size_t n_out = static_cast<std::size_t>(std::ceil(record_s * output_fs_hz - 1e-6));

  // Each panel's track; tall complexes reach into the next rows, so the
  // search goes well beyond the band.
  std::vector<Track> tracks;
  for (const LeadBox &box : layout.leads) {
    Track track;
    track.x_first = std::max(0, static_cast<int>(std::ceil(box.box_px.x - 0.5)));
    track.x_last = std::min(width - 1, static_cast<int>(std::ceil(box.box_px.br().x - 0.5)) - 1);
    const double gain = lead_gain_mm_per_mv(layout, box.name);
    const double reach = std::max(box.box_px.height, kReachMv * gain * geometry.px_per_mm_y);
    track.y0 = std::max(0, static_cast<int>(std::min(box.box_px.y, box.baseline_y_px - reach)));
    track.y1 = std::min(height - 1,
                        static_cast<int>(std::max(box.box_px.br().y, box.baseline_y_px + reach)));
    track.baseline_px = box.baseline_y_px;
    track.band_top = box.box_px.y;
    track.band_bottom = box.box_px.br().y;
    track.far_columns = kFarSeconds * box.box_px.width / box.duration_s;
    tracks.push_back(track);
  }
  PageRuns runs(width);
  Usage used(width);
  for (const Track &track : tracks)
    for (int x = track.x_first; x <= track.x_last; ++x)
      if (runs[x].empty()) {
        runs[x] = column_runs(mask_t, prob_t, x, 0, height - 1);
        used[x].assign(runs[x].size(), 0);
      }
  const auto use = [&](std::size_t j, const Path &path, int delta) {
    for (std::size_t i = 0; i < path.size(); ++i)
      if (path[i] >= 0) used[tracks[j].x_first + i][path[i]] += delta;
  };

  // Pass 1: each panel alone.
  std::vector<Path> paths;
  for (const Track &track : tracks)
    paths.push_back(follow(runs, {track, Track()}, used, geometry.px_per_mm_y, 1.0)[0]);
  // The line thickness: the typical run length.
  std::vector<int> lengths;
  for (std::size_t j = 0; j < paths.size(); ++j) {
    use(j, paths[j], 1);
    for (std::size_t i = 0; i < paths[j].size(); ++i)
      if (paths[j][i] >= 0) {
        const Run &r = runs[tracks[j].x_first + i][paths[j][i]];
        lengths.push_back(r.bottom - r.top + 1);
      }
  }
  const double line_px = lengths.empty() ? 1.0 : median(lengths);
  // Pass 2: from the top down, each panel jointly with the next panel below
  // it (the nearest baseline below among the panels sharing columns), where
  // their traces can overlap; the other panels' current paths count as
  // passing through their runs.
  std::vector<std::pair<std::size_t, std::size_t>> pairs;
  const auto overlap = [&](std::size_t j, std::size_t k) {
    return std::min(tracks[j].x_last, tracks[k].x_last) >=
           std::max(tracks[j].x_first, tracks[k].x_first);
  };
  for (std::size_t j = 0; j < tracks.size(); ++j) {
    double below = std::numeric_limits<double>::infinity();
    for (std::size_t k = 0; k < tracks.size(); ++k)
      if (overlap(j, k) && tracks[k].baseline_px > tracks[j].baseline_px + line_px)
        below = std::min(below, tracks[k].baseline_px);
    for (std::size_t k = 0; k < tracks.size(); ++k)
      if (overlap(j, k) && std::abs(tracks[k].baseline_px - below) <= line_px)
        pairs.emplace_back(j, k);
  }
  std::stable_sort(pairs.begin(), pairs.end(), [&](const auto &p, const auto &q) {
    return tracks[p.first].baseline_px < tracks[q.first].baseline_px;
  });
  for (const auto &[j, k] : pairs) {
    use(j, paths[j], -1);
    use(k, paths[k], -1);
    auto both = follow(runs, {tracks[j], tracks[k]}, used, geometry.px_per_mm_y, line_px);
    paths[j] = std::move(both[0]);
    paths[k] = std::move(both[1]);
    use(j, paths[j], 1);
    use(k, paths[k], 1);
  }

  // Pass 3: y per column, then samples. Per lead: its panels' samples and traced columns.
  struct Acc {
    std::vector<std::pair<double, std::vector<float>>> panels;  // (duration, samples)
    double traced = 0, columns = 0;
  };
  std::map<std::string, Acc> acc;
  std::vector<std::string> order;
  struct Trace {
    std::vector<Run> path;
    std::vector<std::uint8_t> shared, bar;
    std::vector<double> y;
  };
  std::vector<Trace> traces(tracks.size());
  std::map<std::pair<int, int>, std::vector<std::size_t>> users;  // (x, run) -> panels
  for (std::size_t j = 0; j < tracks.size(); ++j) {
    Trace &tr = traces[j];
    tr.path.resize(paths[j].size());
    tr.shared.assign(paths[j].size(), 0);
    for (std::size_t i = 0; i < paths[j].size(); ++i) {
      const int x = tracks[j].x_first + static_cast<int>(i);
      if (paths[j][i] < 0) {
        tr.path[i].top = -1;
        continue;
      }
      tr.path[i] = runs[x][paths[j][i]];
      tr.shared[i] = used[x][paths[j][i]] > 1;
      if (tr.shared[i]) users[{x, paths[j][i]}].push_back(j);
    }
    tr.bar = bar_columns(mask_t, tr.path, tracks[j].x_first, line_px, kBarReachMm * geometry.px_per_mm_x);
    tr.y = trace_y(tr.path, tr.shared, tr.bar, line_px);
  }
  // A trace whose own columns point outside a shared run passes through it
  // as a steep stroke (a tall wave crossing the other trace): it takes the
  // run less the other traces' lines at its ends, read as its own.
  std::vector<Trace> resolved = traces;
  for (const auto &[key, js] : users)
    for (std::size_t j : js) {
      const int i = key.first - tracks[j].x_first;
      const double own = along(traces[j].y, traces[j].shared, i);
      Run run = traces[j].path[i];
      if (!(own < run.top - line_px || own > run.bottom + 1 + line_px)) continue;
      for (std::size_t k : js) {
        if (k == j) continue;
        const double other = along(traces[k].y, traces[k].shared, key.first - tracks[k].x_first);
        if (other - line_px / 2 < run.top + line_px)
          run.top = std::max(run.top, static_cast<int>(std::lround(other + line_px / 2)));
        else if (other + line_px / 2 > run.bottom + 1 - line_px)
          run.bottom = std::min(run.bottom, static_cast<int>(std::lround(other - line_px / 2)) - 1);
      }
      if (run.top > run.bottom) continue;
      run.centre = (run.top + run.bottom + 1) / 2.0;
      resolved[j].path[i] = run;
      resolved[j].shared[i] = 0;
    }

  for (std::size_t j = 0; j < tracks.size(); ++j) {
    const LeadBox &box = layout.leads[j];
    const int x_first = tracks[j].x_first;
    const std::vector<Run> &path = resolved[j].path;
    const std::vector<std::uint8_t> &shared = resolved[j].shared;
    const auto [name, sign] = plain_name(box.name);
    if (!acc.count(name)) order.push_back(name);
    Acc &a = acc[name];
    std::vector<double> y = trace_y(path, shared, resolved[j].bar, line_px);
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
    sample_panel(trace_points(path, y, shared, line_px), box, clocks[j], x_first,
                 max_gap_px, output_fs_hz, samples);
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
