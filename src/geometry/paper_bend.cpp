#include "geometry/paper_bend.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <complex>
#include <optional>
#include <queue>
#include <utility>
#include <vector>

#include <opencv2/core/utility.hpp>
#include <opencv2/imgproc.hpp>

namespace ecgdig {
inline namespace v1 {
namespace detail {
namespace {

constexpr double kPi = 3.14159265358979323846;
constexpr double kWindowMm = 8;          // a tile is at least this wide
constexpr double kWindowPeriods = 4;     // and sees at least four periods of its lattice
constexpr double kStrideMm = 4;          // tiles and the bend's samples this far apart
constexpr double kMinClarity = 0.2;      // lattice harmonic over the tile's mean: lines are there
constexpr double kMinTileInk = 0.01;     // mean grid probability of a tile worth reading
constexpr int kDegree = 4;               // the bend is a polynomial of this degree over the page
constexpr double kOutlierPeriods = 0.2;  // tiles further off the fit are left out of it
constexpr double kMinInliers = 0.6;      // fraction of the read tiles the fit must explain
constexpr double kMinSpan = 0.4;         // the tiles read must spread this far over the page each way
constexpr int kMinTiles = 16;
constexpr double kMinBendPx = 1.0;       // a flatter page (peak to peak) is left alone
constexpr double kMaxSlope = 0.1;        // paper does not bend faster than this (px per px)
constexpr double kMinCoherence = 0.9;    // a bend must line up the tiles' lattice phases this well
constexpr double kMinAgreement = 0.8;    // and the other lattice's, where seen, near as well as its own bend
constexpr double kMinSeen = 0.25;        // a lattice is seen where this fraction of the tiles show it

// One tile's reading of the lines that cross its x axis.
struct TileReading {
  double x = 0, y = 0;        // tile centre in the map's px
  std::complex<double> c;     // the lattice harmonic of its column sums
  double weight = 0;          // 0: no lattice seen
  double offset = 0;          // the lines' shift off the page-wide lattice (unwrapped)
  bool inlier = true;
};

struct TileLattice {
  std::vector<TileReading> tiles;  // row-major, nx per row
  int nx = 0, ny = 0;
};

// Running column sums of a map: row y holds the sums of rows [0, y), so the
// column sums of any run of rows are the difference of two rows.
cv::Mat running_column_sums(const cv::Mat &map) {
  cv::Mat cum = cv::Mat::zeros(map.rows + 1, map.cols, CV_64F);
  for (int y = 0; y < map.rows; ++y) {
    const float *m = map.ptr<float>(y);
    const double *above = cum.ptr<double>(y);
    double *below = cum.ptr<double>(y + 1);
    for (int x = 0; x < map.cols; ++x) below[x] = above[x] + m[x];
  }
  return cum;
}

// Where the lines crossing each tile's x axis lie, as the phase of the
// Hann-weighted Fourier coefficient at the lattice's frequency (`cum`: the
// map's running column sums).
TileLattice read_tiles(const cv::Mat &cum, double period, int window, int stride) {
  TileLattice out;
  const int rows = cum.rows - 1, cols = cum.cols;
  if (cols < window || rows < window) return out;
  out.nx = (cols - window) / stride + 1;
  out.ny = (rows - window) / stride + 1;
  std::vector<std::complex<double>> wave(static_cast<std::size_t>(cols));
  for (int x = 0; x < cols; ++x) wave[x] = std::polar(1.0, -2 * kPi * x / period);
  std::vector<double> hann(static_cast<std::size_t>(window));
  for (int k = 0; k < window; ++k) hann[k] = 0.5 - 0.5 * std::cos(2 * kPi * (k + 0.5) / window);

  out.tiles.resize(static_cast<std::size_t>(out.nx) * out.ny);
  for (int i = 0; i < out.ny; ++i) {
    const double *top = cum.ptr<double>(i * stride), *bottom = cum.ptr<double>(i * stride + window);
    for (int j = 0; j < out.nx; ++j) {
      TileReading &t = out.tiles[static_cast<std::size_t>(i) * out.nx + j];
      const int x0 = j * stride;
      t.x = x0 + 0.5 * window;
      t.y = i * stride + 0.5 * window;
      std::complex<double> c = 0;
      double mass = 0;
      for (int k = 0; k < window; ++k) {
        const double s = hann[k] * (bottom[x0 + k] - top[x0 + k]);
        c += s * wave[x0 + k];
        mass += s;
      }
      t.c = c;
      const double mean = mass / (0.5 * window * window);
      if (mean >= kMinTileInk && std::abs(c) >= kMinClarity * mass) t.weight = std::abs(c) / mass;
    }
  }
  return out;
}

double nearest_turn(double value, double target, double period) {
  return value + period * std::round((target - value) / period);
}

// Offsets off the page-wide lattice, unwrapped from the clearest tile
// outwards, each to the turn nearest its unwrapped neighbours' mean
// (quality-guided phase unwrapping).
void unwrap(TileLattice &lattice, double period) {
  std::complex<double> sum = 0;
  for (const TileReading &t : lattice.tiles)
    if (t.weight > 0) sum += t.weight * t.c / std::abs(t.c);
  const double reference = std::arg(sum);
  for (TileReading &t : lattice.tiles) {
    const double turn = std::remainder(std::arg(t.c) - reference, 2 * kPi);
    t.offset = -turn * period / (2 * kPi);
  }
  const int nx = lattice.nx, ny = lattice.ny;
  std::vector<char> done(lattice.tiles.size(), 0);
  using Entry = std::pair<double, int>;
  std::priority_queue<Entry> queue;
  // Each island of read tiles starts at its clearest tile.
  std::vector<int> seeds;
  for (std::size_t k = 0; k < lattice.tiles.size(); ++k)
    if (lattice.tiles[k].weight > 0) seeds.push_back(static_cast<int>(k));
  std::sort(seeds.begin(), seeds.end(), [&](int a, int b) {
    return lattice.tiles[static_cast<std::size_t>(a)].weight > lattice.tiles[static_cast<std::size_t>(b)].weight;
  });
  for (const int best : seeds) {
    if (done[static_cast<std::size_t>(best)]) continue;
    queue.push({lattice.tiles[static_cast<std::size_t>(best)].weight, best});
    while (!queue.empty()) {
      const int k = queue.top().second;
      queue.pop();
      if (done[static_cast<std::size_t>(k)]) continue;
      const int i = k / nx, j = k % nx;
      double sw = 0, so = 0;
      // Neighbours two tiles away too, so a line of unread tiles does not cut an island.
      for (int di = -2; di <= 2; ++di)
        for (int dj = -2; dj <= 2; ++dj) {
          const int a = i + di, b = j + dj;
          if (a < 0 || b < 0 || a >= ny || b >= nx) continue;
          const std::size_t n = static_cast<std::size_t>(a) * nx + b;
          const TileReading &t = lattice.tiles[n];
          if (done[n]) {
            const double w = t.weight / (di * di + dj * dj);
            sw += w;
            so += w * t.offset;
          } else if (t.weight > 0) {
            queue.push({t.weight, static_cast<int>(n)});
          }
        }
      TileReading &t = lattice.tiles[static_cast<std::size_t>(k)];
      if (sw > 0) t.offset = nearest_turn(t.offset, so / sw, period);
      done[static_cast<std::size_t>(k)] = 1;
    }
  }
}

// A polynomial of total degree kDegree in coordinates scaled to [-1, 1]
// over the page, held to the box of the tiles it was fitted to.
class BendSurface {
 public:
  explicit BendSurface(cv::Size page) : half_w_(0.5 * page.width), half_h_(0.5 * page.height) {}

  // Weighted least squares over the inlier tiles; false when too few.
  bool fit(const std::vector<TileReading> &tiles) {
    cv::Mat ata = cv::Mat::zeros(kTerms, kTerms, CV_64F), atb = cv::Mat::zeros(kTerms, 1, CV_64F);
    int used = 0;
    u_lo_ = v_lo_ = 1;
    u_hi_ = v_hi_ = -1;
    for (const TileReading &t : tiles) {
      if (!(t.weight > 0) || !t.inlier) continue;
      const double u = t.x / half_w_ - 1, v = t.y / half_h_ - 1;
      u_lo_ = std::min(u_lo_, u), u_hi_ = std::max(u_hi_, u);
      v_lo_ = std::min(v_lo_, v), v_hi_ = std::max(v_hi_, v);
      const Monomials m = monomials(u, v);
      for (int r = 0; r < kTerms; ++r) {
        for (int c = 0; c < kTerms; ++c) ata.at<double>(r, c) += t.weight * m[r] * m[c];
        atb.at<double>(r) += t.weight * m[r] * t.offset;
      }
      ++used;
    }
    if (used < kMinTiles || u_hi_ - u_lo_ < 2 * kMinSpan || v_hi_ - v_lo_ < 2 * kMinSpan) return false;
    return cv::solve(ata, atb, coef_, cv::DECOMP_SVD);
  }

  double at(double x, double y) const {
    const double u = std::clamp(x / half_w_ - 1, u_lo_, u_hi_), v = std::clamp(y / half_h_ - 1, v_lo_, v_hi_);
    const Monomials m = monomials(u, v);
    const double *c = coef_.ptr<double>();
    double s = 0;
    for (int k = 0; k < kTerms; ++k) s += c[k] * m[k];
    return s;
  }

 private:
  static constexpr int kTerms = (kDegree + 1) * (kDegree + 2) / 2;
  using Monomials = std::array<double, kTerms>;

  // u^a v^b for a + b <= kDegree, by total degree.
  static Monomials monomials(double u, double v) {
    Monomials m{};
    std::array<double, kDegree + 1> up{}, vp{};
    up[0] = vp[0] = 1;
    for (int k = 1; k <= kDegree; ++k) up[k] = up[k - 1] * u, vp[k] = vp[k - 1] * v;
    int k = 0;
    for (int d = 0; d <= kDegree; ++d)
      for (int a = d; a >= 0; --a) m[k++] = up[a] * vp[d - a];
    return m;
  }

  double half_w_, half_h_;
  double u_lo_ = -1, u_hi_ = 1, v_lo_ = -1, v_hi_ = 1;
  cv::Mat coef_;
};

// The lines' offset over the page as a smooth surface, or nothing when the
// tiles do not agree on one. Tiles that disagree with a first fit are
// unwrapped again to it (an island unwrapped on its own may sit a turn off)
// or, when still off, left out.
std::optional<BendSurface> fit_family(TileLattice &lattice, cv::Size page, double period) {
  unwrap(lattice, period);
  BendSurface surface(page);
  int read = 0;
  for (const TileReading &t : lattice.tiles) read += t.weight > 0;
  for (int round = 0; round < 3; ++round) {
    if (!surface.fit(lattice.tiles)) return std::nullopt;
    int inliers = 0;
    for (TileReading &t : lattice.tiles) {
      if (!(t.weight > 0)) continue;
      const double expected = surface.at(t.x, t.y);
      t.offset = nearest_turn(t.offset, expected, period);
      t.inlier = std::abs(t.offset - expected) <= kOutlierPeriods * period;
      inliers += t.inlier;
    }
    if (inliers < kMinInliers * read) return std::nullopt;
  }
  if (!surface.fit(lattice.tiles)) return std::nullopt;
  return surface;
}

// How well a surface lines up every tile's lattice phase, all tiles read
// counted (1: each tile's lines lie where the surface says, modulo a period).
double coherence(const TileLattice &lattice, const BendSurface &surface, double period) {
  std::complex<double> sum = 0;
  double weights = 0;
  for (const TileReading &t : lattice.tiles) {
    if (!(t.weight > 0)) continue;
    sum += t.weight * t.c / std::abs(t.c) * std::polar(1.0, 2 * kPi * surface.at(t.x, t.y) / period);
    weights += t.weight;
  }
  return weights > 0 ? std::abs(sum) / weights : 0.0;
}

// Largest change between neighbouring samples, per px.
double steepest(const cv::Mat &samples, double step) {
  double sx = 0, sy = 0;
  if (samples.cols > 1) cv::minMaxLoc(cv::abs(samples.colRange(1, samples.cols) - samples.colRange(0, samples.cols - 1)), nullptr, &sx);
  if (samples.rows > 1) cv::minMaxLoc(cv::abs(samples.rowRange(1, samples.rows) - samples.rowRange(0, samples.rows - 1)), nullptr, &sy);
  return std::max(sx, sy) / step;
}

// The residual displacement (px, RMS) that a coherence implies, were the
// phase errors Gaussian: coherence = exp(-2 pi^2 sigma^2 / period^2).
double residual_px(double coherence, double period) {
  return period * std::sqrt(-std::log(std::max(coherence, 1e-9)) / (2 * kPi * kPi));
}

// One lattice's reading of the bend.
struct LatticeReading {
  double period = 0;
  TileLattice lattice;
  std::optional<BendSurface> surface;
  double coherence = 0;  // of its own tiles under its own surface
  bool seen = false;     // enough of its tiles show the lattice to judge a bend by
};

// The lines' offset along the x axis of `map` (transposed: its y axis, the
// page's) sampled every `step` px over the page (CV_32F, `samples` big), or
// empty. Read on the 1 mm lattice and on the 5 mm one, which survives blur
// that merges the minor lines (and leaves more room for unwrapping). A bend
// must line up its own lattice's phases, bend no faster than paper does and
// line up the other lattice's phases, where that one is seen, nearly as well
// as the other's own bend: a creased page's lines step at each fold, which
// no smooth bend fits, and its 5 mm lattice may then settle on a smooth bend
// that the 1 mm lines deny. Of the bends left, the one with the smaller
// residual.
cv::Mat read_bend(const cv::Mat &map, double px_per_mm, int step, cv::Size page, cv::Size samples,
                  bool transposed) {
  const cv::Mat cum = running_column_sums(map);
  std::vector<LatticeReading> readings;
  for (double mm : {1.0, 5.0}) {
    LatticeReading r;
    r.period = mm * px_per_mm;
    const int window = std::max(16, static_cast<int>(std::lround(std::max(kWindowMm * px_per_mm, kWindowPeriods * r.period))));
    r.lattice = read_tiles(cum, r.period, window, step);
    if (transposed)
      for (TileReading &t : r.lattice.tiles) std::swap(t.x, t.y);
    std::size_t read = 0;
    for (const TileReading &t : r.lattice.tiles) read += t.weight > 0;
    r.seen = read >= kMinSeen * r.lattice.tiles.size();
    r.surface = fit_family(r.lattice, page, r.period);
    if (r.surface) r.coherence = coherence(r.lattice, *r.surface, r.period);
    readings.push_back(std::move(r));
  }
  cv::Mat best;
  double best_residual = 0;
  for (const LatticeReading &r : readings) {
    if (!r.surface || r.coherence < kMinCoherence) continue;
    const bool denied = std::any_of(readings.begin(), readings.end(), [&](const LatticeReading &other) {
      return &other != &r && other.seen && other.surface &&
             coherence(other.lattice, *r.surface, other.period) < kMinAgreement * other.coherence;
    });
    if (denied) continue;
    cv::Mat sampled(samples, CV_32F);
    for (int i = 0; i < samples.height; ++i)
      for (int j = 0; j < samples.width; ++j) sampled.at<float>(i, j) = static_cast<float>(r.surface->at(j * step, i * step));
    if (steepest(sampled, step) > kMaxSlope) continue;
    const double residual = residual_px(r.coherence, r.period);
    if (best.empty() || residual < best_residual) {
      best = sampled;
      best_residual = residual;
    }
  }
  return best;
}

}  // namespace

void estimate_paper_bend(const cv::Mat &grid, Geometry &g) {
  g.bend_px.release();
  g.bend_step_px = 0;
  if (grid.empty() || !(g.px_per_mm_x > 0) || !(g.px_per_mm_y > 0)) return;
  const cv::Size page = g.rectified_size;
  cv::Mat flat;
  cv::warpPerspective(grid, flat, cv::Mat(g.page_from_image), page, cv::INTER_LINEAR, cv::BORDER_CONSTANT, 0);
  const int step = std::max(8, static_cast<int>(std::lround(kStrideMm * 0.5 * (g.px_per_mm_x + g.px_per_mm_y))));
  const cv::Size samples(page.width / step + 2, page.height / step + 2);
  // Vertical lines tell the bend across (x), horizontal lines the bend down
  // (y); the two are read side by side.
  cv::Mat turned;
  cv::transpose(flat, turned);
  cv::Mat dx, dy;
  cv::parallel_for_(cv::Range(0, 2), [&](const cv::Range &axes) {
    for (int axis = axes.start; axis < axes.end; ++axis) {
      if (axis == 0)
        dx = read_bend(flat, g.px_per_mm_x, step, page, samples, false);
      else
        dy = read_bend(turned, g.px_per_mm_y, step, page, samples, true);
    }
  });
  if (dx.empty() && dy.empty()) return;
  double spread = 0;
  for (cv::Mat *part : {&dx, &dy}) {
    if (part->empty()) {
      *part = cv::Mat::zeros(samples, CV_32F);
      continue;
    }
    // Undo the bend, not the lattice's phase: the page keeps its place.
    *part -= cv::mean(*part);
    double lo, hi;
    cv::minMaxLoc(*part, &lo, &hi);
    spread = std::max(spread, hi - lo);
  }
  if (spread < kMinBendPx) return;
  cv::merge(std::vector<cv::Mat>{dx, dy}, g.bend_px);
  g.bend_step_px = step;
}

}  // namespace detail
}  // namespace v1
}  // namespace ecgdig
