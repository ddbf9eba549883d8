#pragma once
// A small seeded random source with the same output on every platform
// (std::*_distribution results differ between standard libraries).

#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

namespace ecgdig {
inline namespace v1 {
namespace render_detail {

class RenderRandom {
 public:
  explicit RenderRandom(std::uint64_t seed) : engine_(seed ^ 0x9E3779B97F4A7C15ULL) {}

  /// Uniform in [0, 1).
  double uniform() { return double(engine_() >> 11) * 0x1.0p-53; }
  /// Uniform in [lo, hi).
  double uniform(double lo, double hi) { return lo + (hi - lo) * uniform(); }
  /// Integer in [lo, hi], inclusive.
  int integer(int lo, int hi) {
    return lo + int(std::floor(uniform() * double(hi - lo + 1)));
  }
  /// True with probability p.
  bool chance(double p) { return uniform() < p; }
  /// Standard normal (Box-Muller).
  double normal() {
    const double u1 = 1.0 - uniform();
    const double u2 = uniform();
    return std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
  }
  double normal(double mean, double sigma) { return mean + sigma * normal(); }
  /// Index drawn with the given (unnormalised) weights.
  std::size_t weighted(const std::vector<double> &weights) {
    double total = 0;
    for (double w : weights) total += w;
    double r = uniform() * total;
    for (std::size_t i = 0; i < weights.size(); ++i) {
      if (r < weights[i]) return i;
      r -= weights[i];
    }
    return weights.size() - 1;
  }

 private:
  std::mt19937_64 engine_;
};

}  // namespace render_detail
}  // namespace v1
}  // namespace ecgdig
