#pragma once
// Test signals defined by formulas, sample for sample the same as in
// reference_snr.py, so the challenge's own code can score them too.

#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "ecgdig/types.hpp"

namespace ecgdig_test {

inline constexpr float kNaNf = std::numeric_limits<float>::quiet_NaN();

/// A 75 bpm synthetic ECG in mV (P, QRS, T) over a slow baseline wander of
/// `wander_mv` (0.3 Hz); without wander the baseline is 0 mV.
inline std::vector<double> ecg_like(std::size_t n, double fs_hz, double lead_gain = 1.0,
                                    double wander_mv = 0.05) {
  const double pi = std::acos(-1.0);
  auto bump = [](double ph, double centre, double width) {
    const double z = (ph - centre) / width;
    return std::exp(-(z * z));
  };
  std::vector<double> v(n);
  for (std::size_t i = 0; i < n; ++i) {
    const double s = static_cast<double>(i) / fs_hz;
    const double ph = std::fmod(s + 0.1, 0.8);
    const double x = 0.15 * bump(ph, 0.20, 0.025) - 0.10 * bump(ph, 0.33, 0.008) +
                     1.20 * bump(ph, 0.35, 0.010) - 0.25 * bump(ph, 0.37, 0.008) +
                     0.30 * bump(ph, 0.55, 0.040) + wander_mv * std::sin(2 * pi * 0.3 * s);
    v[i] = static_cast<float>(lead_gain * x);
  }
  return v;
}

/// Uniform noise in [-amplitude/2, amplitude/2) from a 32-bit LCG.
inline std::vector<double> lcg_noise(std::size_t n, std::uint32_t seed, double amplitude) {
  std::vector<double> out(n);
  std::uint32_t state = seed;
  for (std::size_t i = 0; i < n; ++i) {
    state = state * 1664525u + 1013904223u;
    out[i] = amplitude * (static_cast<double>(state) / 4294967296.0 - 0.5);
  }
  return out;
}

/// y[n] = x[n + k], NaN where n + k falls outside x.
inline std::vector<double> shifted(const std::vector<double> &x, long k) {
  std::vector<double> y(x.size(), std::numeric_limits<double>::quiet_NaN());
  for (std::size_t n = 0; n < x.size(); ++n) {
    const long src = static_cast<long>(n) + k;
    if (src >= 0 && src < static_cast<long>(x.size())) y[n] = x[static_cast<std::size_t>(src)];
  }
  return y;
}

inline std::vector<float> to_float(const std::vector<double> &x) { return {x.begin(), x.end()}; }

/// A one-lead record.
inline ecgdig::Record one_lead(const std::vector<float> &mv, double fs_hz,
                               const std::string &name = "II") {
  return ecgdig::Record{"r", fs_hz, {ecgdig::Lead{name, mv, 1.0}}};
}

}  // namespace ecgdig_test
