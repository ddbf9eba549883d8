#pragma once
// Internal: the challenge's align_signals (PhysioNet Challenge 2024,
// helper_code.py at commit 9af7dfb) in double precision.

#include <cstddef>
#include <vector>

namespace ecgdig {
inline namespace v1 {
namespace detail {

/// Quantisation levels of the challenge's 2-D trace image.
inline constexpr int kNumQuantLevels = 256;

/// Shift found by the 2-D cross-correlation, before any bounds are applied.
struct LagEstimate {
  bool found = false;     ///< false when either signal has no finite sample
  int shift_samples = 0;  ///< pred[n + shift] lines up with truth[n]
  double offset_mv = 0;   ///< subtracted from the prediction
};

/// Peak of the cross-correlation of the smoothed, quantised traces of
/// `truth` and `pred` (any lengths; the image is max(len) wide), picked as
/// np.argmax would: ties go to the larger vertical, then horizontal, lag.
/// `expected_shift_samples` only sizes the fast transform (lags up to it are
/// computed without aliasing); the result does not depend on it.
LagEstimate estimate_lag(const std::vector<double> &truth, const std::vector<double> &pred,
                         int expected_shift_samples);

/// pred[n + shift] - offset for n in [0, out_len); NaN outside pred.
std::vector<double> shift_signal(const std::vector<double> &pred, std::size_t out_len,
                                 int shift_samples, double offset_mv);

}  // namespace detail
}  // namespace v1
}  // namespace ecgdig
