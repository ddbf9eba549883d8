#include "geometry/grid_period.hpp"

#include <algorithm>
#include <cmath>

#include <opencv2/core.hpp>

namespace ecgdig {
inline namespace v1 {
namespace detail {
namespace {

constexpr double kMinorPerMajor = 5.0;   // 1 mm lines per 5 mm square
constexpr double kMinPageMm = 80.0;      // plausible long side of an ECG page (or a cut-out)
constexpr double kMaxPageMm = 600.0;
constexpr double kMaxLagFraction = 0.6;  // longer lags overlap too little of the profile

// Profile minus its moving average, so the page's envelope (margins, uneven
// ink) does not swamp the line lattice.
std::vector<double> detrend(const std::vector<double> &p) {
  const int n = static_cast<int>(p.size());
  const int half = std::max(15, n / 16);
  std::vector<double> prefix(n + 1, 0.0);
  for (int i = 0; i < n; ++i) prefix[i + 1] = prefix[i] + p[i];
  std::vector<double> out(n);
  for (int i = 0; i < n; ++i) {
    int a = std::max(0, i - half), b = std::min(n, i + half + 1);
    out[i] = p[i] - (prefix[b] - prefix[a]) / (b - a);
  }
  return out;
}

// Unbiased autocorrelation normalised to r[0] = 1, through the power spectrum
// (zero-padded, so it is linear, not circular); empty when the profile is flat.
std::vector<double> autocorrelation(const std::vector<double> &x, int max_lag) {
  const int n = static_cast<int>(x.size());
  cv::Mat padded = cv::Mat::zeros(1, cv::getOptimalDFTSize(2 * n), CV_64F), spectrum, r_mat;
  std::copy(x.begin(), x.end(), padded.ptr<double>());
  cv::dft(padded, spectrum, cv::DFT_COMPLEX_OUTPUT);
  cv::mulSpectrums(spectrum, spectrum, spectrum, 0, true);
  cv::idft(spectrum, r_mat, cv::DFT_REAL_OUTPUT | cv::DFT_SCALE);
  const double *raw = r_mat.ptr<double>();
  if (!(raw[0] > 1e-12 * n)) return {};
  std::vector<double> r(static_cast<std::size_t>(max_lag) + 1);
  for (int lag = 0; lag <= max_lag; ++lag) r[lag] = raw[lag] / (n - lag) * n / raw[0];
  return r;
}

// r at a fractional lag, linearly interpolated; 0 outside.
double at(const std::vector<double> &r, double lag) {
  if (lag < 0 || lag > static_cast<double>(r.size()) - 1) return 0.0;
  int i = static_cast<int>(lag);
  if (i + 1 >= static_cast<int>(r.size())) return r[i];
  double f = lag - i;
  return r[i] * (1 - f) + r[i + 1] * f;
}

// Sub-sample position and height of the highest sample of r within
// [centre - half_width, centre + half_width], by a parabola through it and its neighbours.
bool peak_near(const std::vector<double> &r, double centre, double half_width, double &pos,
               double &height) {
  int a = std::max(1, static_cast<int>(std::floor(centre - half_width)));
  int b = std::min(static_cast<int>(r.size()) - 2, static_cast<int>(std::ceil(centre + half_width)));
  if (a > b) return false;
  int best = a;
  for (int i = a + 1; i <= b; ++i)
    if (r[i] > r[best]) best = i;
  double den = r[best - 1] - 2 * r[best] + r[best + 1];
  double off = den < 0 ? 0.5 * (r[best - 1] - r[best + 1]) / den : 0.0;
  pos = best + std::clamp(off, -0.5, 0.5);
  height = r[best] - 0.25 * (r[best - 1] - r[best + 1]) * off;
  return true;
}

// Refines a lattice period from its multiples: each peak k*P is found near the
// current estimate, and P is the weighted least-squares slope through the origin.
double refine_period(const std::vector<double> &r, double period) {
  const double max_lag = static_cast<double>(r.size()) - 2;
  double skk = 0, skq = 0;
  for (int k = 1; k * period <= max_lag; ++k) {
    double pos, height;
    if (!peak_near(r, k * period, std::max(1.0, 0.2 * period), pos, height)) break;
    double w = std::max(0.0, height);
    skk += w * k * k;
    skq += w * k * pos;
    if (skk > 0) period = skq / skk;
  }
  return period;
}

// Mean excess of r at the lattice points over the points half-way between them.
double lattice_contrast(const std::vector<double> &r, double period, int count) {
  double sum = 0;
  int used = 0;
  for (int k = 1; k <= count; ++k) {
    double lag = k * period;
    if (lag + period / 2 > static_cast<double>(r.size()) - 1) break;
    double on = at(r, lag);
    double off = 0.5 * (at(r, lag - period / 2) + at(r, lag + period / 2));
    sum += on - off;
    ++used;
  }
  return used ? sum / used : 0.0;
}

// True when r also peaks at every multiple of period/m in between the lattice
// points, clearly above the points half-way, i.e. the lattice is m times finer.
bool has_sub_lattice(const std::vector<double> &r, double period, int m) {
  const double sub = period / m;
  for (int k = 1; k < 2 * m; ++k) {
    if (k % m == 0) continue;
    double on = at(r, k * sub), off = 0.5 * (at(r, (k - 0.5) * sub) + at(r, (k + 0.5) * sub));
    if (on - off < 0.02) return false;
  }
  return lattice_contrast(r, sub, 2 * m) > 0.03;
}

}  // namespace

std::optional<GridPeriod> estimate_grid_period(const std::vector<double> &profile,
                                               double min_px_per_mm, double max_px_per_mm,
                                               double long_side_px) {
  const int n = static_cast<int>(profile.size());
  if (n < 64) return std::nullopt;
  const int max_lag = static_cast<int>(kMaxLagFraction * n);
  std::vector<double> r = autocorrelation(detrend(profile), max_lag);
  if (r.empty()) return std::nullopt;

  // The fundamental: the first clear peak after the zero-lag lobe, at least
  // half as high as the highest peak in range (faint 1 mm lines then give way
  // to the 5 mm lattice, which the sub-lattice test below recovers).
  int lobe_end = 1;
  while (lobe_end + 1 <= max_lag && r[lobe_end + 1] < r[lobe_end]) ++lobe_end;
  const int lo = std::max({lobe_end, 2, static_cast<int>(std::floor(min_px_per_mm))});
  const int hi = std::min(max_lag / 3, static_cast<int>(std::ceil(kMinorPerMajor * max_px_per_mm)));
  std::vector<int> peaks;
  double highest = 0;
  for (int i = std::max(lo, 1); i <= hi && i + 1 <= max_lag; ++i)
    if (r[i] >= r[i - 1] && r[i] > r[i + 1]) {
      peaks.push_back(i);
      highest = std::max(highest, r[i]);
    }
  if (peaks.empty() || highest < 0.1) return std::nullopt;
  int first = *std::find_if(peaks.begin(), peaks.end(),
                            [&](int i) { return r[i] >= 0.5 * highest; });
  double period = refine_period(r, first);
  // Lines missing from the map (thin lines lost to thresholding) can double
  // or triple the first clear lattice; go down while a finer one is there.
  for (bool finer = true; finer;) {
    finer = false;
    for (int m : {2, 3})
      if (period / m >= 2.0 && has_sub_lattice(r, period, m)) {
        period = refine_period(r, period / m);
        finer = true;
        break;
      }
  }

  auto plausible = [&](double px_per_mm) {
    const double page_mm = long_side_px / px_per_mm;
    return px_per_mm >= min_px_per_mm && px_per_mm <= max_px_per_mm && page_mm >= kMinPageMm &&
           page_mm <= kMaxPageMm;
  };
  const double sub = period / kMinorPerMajor;
  // Every fifth line darker: the found lattice is 1 mm.
  double mean_minor = 0;
  for (int k = 1; k <= 4; ++k) mean_minor += at(r, k * period) / 4;
  const bool fifth_stronger = kMinorPerMajor * period < max_lag &&
                              at(r, kMinorPerMajor * period) - mean_minor > 0.05;
  GridPeriod out;
  double mm_period;
  if (sub >= 2.0 && has_sub_lattice(r, period, 5) && plausible(sub)) {
    mm_period = sub;  // 1 mm lines between the found ones: the found lattice is 5 mm
    out.minor_seen = true;
  } else if (fifth_stronger && plausible(period)) {
    mm_period = period;
    out.minor_seen = true;
  } else {
    // One plain lattice: 1 mm or 5 mm, whichever gives a page of a likely size.
    const bool as_major = plausible(sub), as_minor = plausible(period);
    mm_period = (as_major || !as_minor) && sub >= min_px_per_mm ? sub : period;
    out.minor_seen = mm_period == period;
  }
  // A lattice that makes the page smaller than any ECG page is no 1 or 5 mm
  // grid (the 25 mm of five major squares, or texture).
  if (!plausible(mm_period)) return std::nullopt;

  // Confidence from how clearly the 5 mm lattice stands out.
  double contrast = lattice_contrast(r, kMinorPerMajor * mm_period, 3);
  out.px_per_mm = mm_period;
  out.confidence = std::clamp((contrast - 0.05) / 0.4, 0.0, 1.0);
  if (out.confidence <= 0) return std::nullopt;
  return out;
}

std::optional<GridPeriod> grid_period_near(const std::vector<double> &profile, double px_per_mm_guess) {
  const int n = static_cast<int>(profile.size());
  const double major = kMinorPerMajor * px_per_mm_guess;
  const int max_lag = static_cast<int>(kMaxLagFraction * n);
  if (n < 64 || !(major >= 2) || 3 * major > max_lag) return std::nullopt;
  std::vector<double> r = autocorrelation(detrend(profile), max_lag);
  if (r.empty()) return std::nullopt;
  double pos, height;
  if (!peak_near(r, major, 0.15 * major, pos, height)) return std::nullopt;
  const double period = refine_period(r, pos);
  if (std::abs(period / major - 1) > 0.15) return std::nullopt;
  GridPeriod out;
  out.px_per_mm = period / kMinorPerMajor;
  out.confidence = std::clamp((lattice_contrast(r, period, 3) - 0.05) / 0.4, 0.0, 1.0);
  if (out.confidence <= 0) return std::nullopt;
  return out;
}

}  // namespace detail
}  // namespace v1
}  // namespace ecgdig
