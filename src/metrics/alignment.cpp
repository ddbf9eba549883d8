#include "metrics/alignment.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <limits>

#include <opencv2/core.hpp>

namespace ecgdig {
inline namespace v1 {
namespace detail {
namespace {

// scipy.ndimage.gaussian_filter(sigma=0.5, truncate=4.0): radius int(4*0.5+0.5) = 2.
constexpr int kRadius = 2;
constexpr int kTaps = 2 * kRadius + 1;

// Lags of the fast transform that are free of aliasing in the vertical
// direction (quantisation levels); larger peaks fall back to the full size.
constexpr int kExactLevelLags = 64;

// Relative float-FFT error allowance; values within it of the peak are
// recomputed exactly in double precision.
constexpr double kFftTolerance = 1e-5;

// Exact values closer than this (relative) are ties, resolved as np.argmax.
constexpr double kTieTolerance = 1e-10;

// More near-peak lags than this (flat traces) are ranked by the FFT values.
constexpr std::size_t kMaxCandidates = 4096;

std::array<double, kTaps> gaussian_weights() {
  std::array<double, kTaps> w{};
  double sum = 0;
  for (int i = 0; i < kTaps; ++i) {
    const double x = i - kRadius;
    w[i] = std::exp(-0.5 / (0.5 * 0.5) * x * x);
    sum += w[i];
  }
  for (double &v : w) v /= sum;
  return w;
}

// Index that scipy's 'reflect' mode (d c b a | a b c d) reads for position r.
int reflect_index(int r, int len) {
  const int period = 2 * len;
  int m = r % period;
  if (m < 0) m += period;
  return m < len ? m : period - 1 - m;
}

// Weights with which a unit sample at `pos` reaches outputs pos-2 .. pos+2
// of a line of `len` samples smoothed with reflection at both ends.
struct FoldedKernel {
  int first = 0;  // first output index
  int count = 0;  // number of outputs
  std::array<double, kTaps> w{};
};

FoldedKernel folded_kernel(int pos, int len, const std::array<double, kTaps> &g) {
  FoldedKernel k;
  k.first = std::max(0, pos - kRadius);
  const int last = std::min(len - 1, pos + kRadius);
  k.count = last - k.first + 1;
  for (int out = k.first; out <= last; ++out) {
    double sum = 0;
    for (int t = -kRadius; t <= kRadius; ++t)
      if (reflect_index(out + t, len) == pos) sum += g[t + kRadius];
    k.w[out - k.first] = sum;
  }
  return k;
}

// The smoothed binary trace image, stored per column as a run of rows.
struct SmoothedImage {
  int col0 = 0, col1 = 0;           // columns [col0, col1) hold all non-zeros
  int row0 = 0, row1 = 0;           // rows [row0, row1) hold all non-zeros
  std::vector<int> lo, hi;          // per column (index c - col0): rows [lo, hi)
  std::vector<std::size_t> offset;  // per column: start in values
  std::vector<double> values;

  bool empty() const { return col1 <= col0; }
  double at(int c, int row) const {
    const std::size_t i = static_cast<std::size_t>(c - col0);
    return values[offset[i] + static_cast<std::size_t>(row - lo[i])];
  }
};

SmoothedImage smooth_trace(const std::vector<int> &level, int width,
                           const std::vector<FoldedKernel> &level_kernels,
                           const std::array<double, kTaps> &g) {
  SmoothedImage img;
  int first = width, last = -1;
  for (int n = 0; n < static_cast<int>(level.size()); ++n)
    if (level[n] >= 0) {
      first = std::min(first, n);
      last = n;
    }
  if (last < 0) return img;
  img.col0 = std::max(0, first - kRadius);
  img.col1 = std::min(width, last + kRadius + 1);
  const int cols = img.col1 - img.col0;
  img.lo.assign(cols, std::numeric_limits<int>::max());
  img.hi.assign(cols, std::numeric_limits<int>::min());
  for (int n = first; n <= last; ++n) {
    if (level[n] < 0) continue;
    const FoldedKernel &kv = level_kernels[level[n]];
    for (int c = std::max(img.col0, n - kRadius); c <= std::min(img.col1 - 1, n + kRadius); ++c) {
      img.lo[c - img.col0] = std::min(img.lo[c - img.col0], kv.first);
      img.hi[c - img.col0] = std::max(img.hi[c - img.col0], kv.first + kv.count);
    }
  }
  img.offset.resize(cols);
  std::size_t total = 0;
  img.row0 = std::numeric_limits<int>::max();
  img.row1 = std::numeric_limits<int>::min();
  for (int i = 0; i < cols; ++i) {
    if (img.hi[i] < img.lo[i])
      img.lo[i] = img.hi[i] = 0;  // a gap between samples
    else {
      img.row0 = std::min(img.row0, img.lo[i]);
      img.row1 = std::max(img.row1, img.hi[i]);
    }
    img.offset[i] = total;
    total += static_cast<std::size_t>(img.hi[i] - img.lo[i]);
  }
  img.values.assign(total, 0.0);
  for (int n = first; n <= last; ++n) {
    if (level[n] < 0) continue;
    const FoldedKernel &kv = level_kernels[level[n]];
    const FoldedKernel kh = folded_kernel(n, width, g);
    for (int j = 0; j < kh.count; ++j) {
      const int c = kh.first + j;
      const std::size_t i = static_cast<std::size_t>(c - img.col0);
      double *col = &img.values[img.offset[i] + static_cast<std::size_t>(kv.first - img.lo[i])];
      for (int r = 0; r < kv.count; ++r) col[r] += kv.w[r] * kh.w[j];
    }
  }
  return img;
}

// Σ truth(row, c) · pred(row + dv, c + dh), in double precision.
double exact_cross(const SmoothedImage &a, const SmoothedImage &b, int dv, int dh) {
  double sum = 0;
  const int c_begin = std::max(a.col0, b.col0 - dh);
  const int c_end = std::min(a.col1, b.col1 - dh);
  for (int c = c_begin; c < c_end; ++c) {
    const std::size_t ia = static_cast<std::size_t>(c - a.col0);
    const std::size_t ib = static_cast<std::size_t>(c + dh - b.col0);
    const int r_begin = std::max(a.lo[ia], b.lo[ib] - dv);
    const int r_end = std::min(a.hi[ia], b.hi[ib] - dv);
    for (int r = r_begin; r < r_end; ++r) sum += a.at(c, r) * b.at(c + dh, r + dv);
  }
  return sum;
}

void copy_to_float(const SmoothedImage &img, cv::Mat &dst) {
  for (int c = img.col0; c < img.col1; ++c) {
    const std::size_t i = static_cast<std::size_t>(c - img.col0);
    for (int r = img.lo[i]; r < img.hi[i]; ++r)
      dst.at<float>(r - img.row0, c - img.col0) = static_cast<float>(img.at(c, r));
  }
}

// One axis of a circular correlation of size `len` between a truth extent
// [a0, a0 + wa) and a prediction extent [b0, b0 + wb): which true lags each
// circular index holds.
struct AxisLags {
  std::vector<int> count;  // true lags folded onto the index
  std::vector<int> lag;    // the lag when count == 1
};

AxisLags axis_lags(int len, int a0, int wa, int b0, int wb) {
  AxisLags ax;
  ax.count.assign(len, 0);
  ax.lag.assign(len, 0);
  // Local lag d' = d + a0 - b0 runs over [-(wa - 1), wb - 1].
  for (int local = -(wa - 1); local <= wb - 1; ++local) {
    int k = local % len;
    if (k < 0) k += len;
    ++ax.count[k];
    ax.lag[k] = local - (a0 - b0);
  }
  return ax;
}

// Transform size for one axis: all lags up to `exact` free of aliasing, or
// the full linear size when that is smaller or `full` is set.
int transform_size(int a0, int wa, int b0, int wb, int exact, bool full) {
  const int linear = wa + wb - 1;
  if (full) return cv::getOptimalDFTSize(linear);
  const int c = a0 - b0;
  const int needed = std::max({wa, wb, std::max(wb - c, wa + c) + exact});
  return cv::getOptimalDFTSize(std::min(linear, needed));
}

struct Peak {
  bool valid = false;  // false: an aliased lag might beat it; redo at full size
  int dv = 0, dh = 0;
};

Peak correlation_peak(const SmoothedImage &truth, const SmoothedImage &pred, int exact_shift,
                      bool full) {
  const int ha = truth.row1 - truth.row0, hb = pred.row1 - pred.row0;
  const int wa = truth.col1 - truth.col0, wb = pred.col1 - pred.col0;
  const int rows = transform_size(truth.row0, ha, pred.row0, hb, kExactLevelLags, full);
  const int cols = transform_size(truth.col0, wa, pred.col0, wb, exact_shift, full);
  const AxisLags vert = axis_lags(rows, truth.row0, ha, pred.row0, hb);
  const AxisLags horz = axis_lags(cols, truth.col0, wa, pred.col0, wb);

  // Transformed in place: two buffers of rows x cols floats in all.
  cv::Mat a = cv::Mat::zeros(rows, cols, CV_32F), corr = cv::Mat::zeros(rows, cols, CV_32F);
  copy_to_float(truth, a);
  copy_to_float(pred, corr);
  // OpenCV refuses the zero-row shortcut for single-column matrices.
  const bool skip_zero_rows = cols > 1;
  cv::dft(a, a, 0, skip_zero_rows ? ha : 0);
  cv::dft(corr, corr, 0, skip_zero_rows ? hb : 0);
  cv::mulSpectrums(corr, a, corr, 0, true);
  cv::dft(corr, corr, cv::DFT_INVERSE | cv::DFT_REAL_OUTPUT | cv::DFT_SCALE);

  // Every correlation value is at most |truth|·|pred| (Cauchy-Schwarz); the
  // float transform's error is a small fraction of that.
  double norm_a = 0, norm_b = 0;
  for (double v : truth.values) norm_a += v * v;
  for (double v : pred.values) norm_b += v * v;
  const double tolerance = kFftTolerance * std::sqrt(norm_a * norm_b);

  // Horizontal indices with one true lag, and with several, as runs.
  struct Run {
    int begin, end;
    bool exact;
  };
  std::vector<Run> runs;
  for (int k = 0; k < cols;) {
    if (horz.count[k] == 0) {
      ++k;
      continue;
    }
    const bool exact = horz.count[k] == 1;
    int e = k + 1;
    while (e < cols && horz.count[e] != 0 && (horz.count[e] == 1) == exact) ++e;
    runs.push_back({k, e, exact});
    k = e;
  }

  float best_exact = -std::numeric_limits<float>::infinity();
  float best_aliased = best_exact;
  for (int p = 0; p < rows; ++p) {
    if (vert.count[p] == 0) continue;
    const float *row = corr.ptr<float>(p);
    for (const Run &run : runs) {
      const float m = *std::max_element(row + run.begin, row + run.end);
      if (vert.count[p] == 1 && run.exact)
        best_exact = std::max(best_exact, m);
      else
        best_aliased = std::max(best_aliased, m);
    }
  }

  struct Candidate {
    float approx;
    int dv, dh;
    double exact;
  };
  std::vector<Candidate> candidates;
  const float threshold = static_cast<float>(best_exact - tolerance);
  for (int p = 0; p < rows; ++p) {
    if (vert.count[p] != 1) continue;
    const float *row = corr.ptr<float>(p);
    for (const Run &run : runs)
      if (run.exact)
        for (int k = run.begin; k < run.end; ++k)
          if (row[k] >= threshold) candidates.push_back({row[k], vert.lag[p], horz.lag[k], 0.0});
  }
  if (candidates.size() > kMaxCandidates) {
    std::nth_element(candidates.begin(), candidates.begin() + kMaxCandidates, candidates.end(),
                     [](const Candidate &x, const Candidate &y) { return x.approx > y.approx; });
    candidates.resize(kMaxCandidates);
  }
  double best = -std::numeric_limits<double>::infinity();
  for (Candidate &cand : candidates) {
    cand.exact = exact_cross(truth, pred, cand.dv, cand.dh);
    best = std::max(best, cand.exact);
  }

  Peak peak;
  if (best_aliased >= best - tolerance) return peak;
  // np.argmax takes the first maximum in row-major order of the 'full'
  // correlation, whose row index falls as dv grows and column index as dh grows.
  const double tie = kTieTolerance * std::max(std::abs(best), 1.0);
  bool chosen = false;
  for (const Candidate &cand : candidates) {
    if (cand.exact < best - tie) continue;
    if (!chosen || cand.dv > peak.dv || (cand.dv == peak.dv && cand.dh > peak.dh)) {
      peak.dv = cand.dv;
      peak.dh = cand.dh;
      chosen = true;
    }
  }
  peak.valid = chosen;
  return peak;
}

// A prediction on one level at every position (a missing lead, scored as
// zeros) smooths to the same column everywhere, so each lag's correlation is
// a range sum over truth columns: exact, and without transforms.
Peak flat_prediction_peak(const SmoothedImage &truth, const FoldedKernel &kv, int width) {
  // Prediction row r meets truth row m at the vertical lag r - m.
  const int dv_min = kv.first - (truth.row1 - 1);
  const int dv_max = kv.first + kv.count - 1 - truth.row0;
  const std::size_t stride = static_cast<std::size_t>(width) + 1;
  // prefix[dv][n] = Σ over truth columns c < n of Σ_m truth(m, c) · kv(m + dv)
  std::vector<double> prefix(static_cast<std::size_t>(dv_max - dv_min + 1) * stride, 0.0);
  auto at = [&](int dv, int n) -> double & {
    return prefix[static_cast<std::size_t>(dv - dv_min) * stride + static_cast<std::size_t>(n)];
  };
  for (int c = truth.col0; c < truth.col1; ++c) {
    const std::size_t i = static_cast<std::size_t>(c - truth.col0);
    for (int m = truth.lo[i]; m < truth.hi[i]; ++m)
      for (int r = 0; r < kv.count; ++r) at(kv.first + r - m, c + 1) += truth.at(c, m) * kv.w[r];
  }
  for (int dv = dv_min; dv <= dv_max; ++dv)
    for (int n = 1; n <= width; ++n) at(dv, n) += at(dv, n - 1);
  // The prediction covers columns [0, width): truth column n counts when
  // n + dh is inside.
  auto cross = [&](int dv, int dh) {
    return at(dv, std::min(width, width - dh)) - at(dv, std::max(0, -dh));
  };
  double best = -std::numeric_limits<double>::infinity();
  for (int dv = dv_min; dv <= dv_max; ++dv)
    for (int dh = -(width - 1); dh <= width - 1; ++dh) best = std::max(best, cross(dv, dh));
  const double tie = kTieTolerance * std::max(std::abs(best), 1.0);
  for (int dv = dv_max; dv >= dv_min; --dv)
    for (int dh = width - 1; dh >= -(width - 1); --dh)
      if (cross(dv, dh) >= best - tie) return Peak{true, dv, dh};
  return Peak{};
}

}  // namespace

LagEstimate estimate_lag(const std::vector<double> &truth, const std::vector<double> &pred,
                         int expected_shift_samples) {
  LagEstimate est;
  bool truth_finite = false, pred_finite = false, infinite = false;
  double min_amp = std::numeric_limits<double>::infinity();
  double max_amp = -min_amp;
  for (const auto *x : {&truth, &pred})
    for (double v : *x) {
      if (std::isnan(v)) continue;
      if (std::isinf(v)) infinite = true;
      min_amp = std::min(min_amp, v);
      max_amp = std::max(max_amp, v);
      (x == &truth ? truth_finite : pred_finite) |= std::isfinite(v);
    }
  if (!truth_finite || !pred_finite) return est;
  est.found = true;
  // An infinite sample makes the challenge's amplitude range infinite and its
  // offset non-finite, so it never shifts.
  if (infinite) return est;

  const double range = max_amp - min_amp;
  const int width = static_cast<int>(std::max(truth.size(), pred.size()));
  auto quantise = [&](const std::vector<double> &x) {
    std::vector<int> level(x.size(), -1);
    for (std::size_t n = 0; n < x.size(); ++n) {
      if (!std::isfinite(x[n])) continue;
      // np.round (half to even) of (Q-1)(y-min)/(max-min) + 1, clipped to
      // [1, Q]; a zero range gives NaN there, which numpy casts and clips to 1.
      double q = 1.0;
      if (range > 0) q = std::nearbyint((kNumQuantLevels - 1) * (x[n] - min_amp) / range + 1.0);
      level[n] = static_cast<int>(std::clamp(q, 1.0, double(kNumQuantLevels))) - 1;
    }
    return level;
  };

  const auto g = gaussian_weights();
  std::vector<FoldedKernel> level_kernels(kNumQuantLevels);
  for (int l = 0; l < kNumQuantLevels; ++l) level_kernels[l] = folded_kernel(l, kNumQuantLevels, g);
  const std::vector<int> pred_level = quantise(pred);
  const SmoothedImage a = smooth_trace(quantise(truth), width, level_kernels, g);

  Peak peak;
  const bool flat = static_cast<int>(pred.size()) == width && pred_level.front() >= 0 &&
                    std::all_of(pred_level.begin(), pred_level.end(),
                                [&](int l) { return l == pred_level.front(); });
  if (flat) {
    peak = flat_prediction_peak(a, level_kernels[pred_level.front()], width);
  } else {
    const SmoothedImage b = smooth_trace(pred_level, width, level_kernels, g);
    const int exact_shift = std::max(0, expected_shift_samples) + 8;
    peak = correlation_peak(a, b, exact_shift, false);
    if (!peak.valid) peak = correlation_peak(a, b, exact_shift, true);
  }
  est.shift_samples = peak.dh;
  est.offset_mv = static_cast<double>(peak.dv) / (kNumQuantLevels - 1) * range;
  return est;
}

std::vector<double> shift_signal(const std::vector<double> &pred, std::size_t out_len,
                                 int shift_samples, double offset_mv) {
  std::vector<double> out(out_len, std::numeric_limits<double>::quiet_NaN());
  for (std::size_t n = 0; n < out_len; ++n) {
    const std::int64_t src = static_cast<std::int64_t>(n) + shift_samples;
    if (src >= 0 && src < static_cast<std::int64_t>(pred.size()))
      out[n] = pred[static_cast<std::size_t>(src)] - offset_mv;
  }
  return out;
}

}  // namespace detail
}  // namespace v1
}  // namespace ecgdig
