#include "ecgdig/metrics.hpp"

#include <cmath>
#include <limits>

#include <fmt/format.h>
#include <opencv2/core/utility.hpp>

#include "ecgdig/error.hpp"
#include "metrics/alignment.hpp"

namespace ecgdig {
inline namespace v1 {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// Horizontal and vertical bounds of evaluate_model.py: round(0.5 * fs) and 1 mV.
constexpr double kMaxShiftS = 0.5;
constexpr double kMaxOffsetMv = 1.0;

// Positions closer than this to a sample are read from it alone.
constexpr double kSampleSnap = 1e-9;

std::vector<double> to_double(const std::vector<float> &x) { return {x.begin(), x.end()}; }

void check_align_length(const char *what, std::size_t samples) {
  if (samples > kMaxAlignSamples)
    throw Error(ErrorCode::Unsupported,
                fmt::format("{}: {} samples exceed the {} that alignment accepts", what, samples,
                            kMaxAlignSamples));
}

// Challenge SNR (compute_snr, keep_nans=True) with the coverage, in double.
struct SnrParts {
  double snr_db = kNaN;
  double coverage = 0;
};

SnrParts challenge_snr(const std::vector<double> &truth, const std::vector<double> &pred) {
  std::size_t truth_finite = 0, both = 0;
  double signal = 0, noise = 0;
  for (std::size_t n = 0; n < truth.size(); ++n) {
    if (!std::isfinite(truth[n])) continue;
    ++truth_finite;
    if (!std::isfinite(pred[n])) continue;
    ++both;
    const double e = truth[n] - pred[n];
    signal += truth[n] * truth[n];
    noise += e * e;
  }
  SnrParts out;
  if (truth_finite == 0) return out;  // nothing to score: undefined, as in the challenge
  out.coverage = static_cast<double>(both) / static_cast<double>(truth_finite);
  if (both == 0) {
    out.snr_db = 0;
  } else if (noise == 0) {
    out.snr_db = kMaxSnrDb * out.coverage;
  } else if (signal > 0) {
    // Means over the same count: the ratio of sums is the ratio of powers.
    out.snr_db = 10.0 * std::log10(signal / noise) * out.coverage;
  }
  return out;
}

// Linear interpolation of x (rate fs_in) at n_out samples of rate fs_out; an
// output is NaN when a sample it uses is NaN or it lies past the input's end.
std::vector<double> resample_linear(const std::vector<float> &x, double fs_in, double fs_out,
                                    std::size_t n_out) {
  std::vector<double> out(n_out, kNaN);
  const double step = fs_in / fs_out;
  for (std::size_t i = 0; i < n_out; ++i) {
    const double pos = static_cast<double>(i) * step;
    const double nearest = std::round(pos);
    if (std::abs(pos - nearest) < kSampleSnap) {
      if (nearest < static_cast<double>(x.size())) out[i] = x[static_cast<std::size_t>(nearest)];
      continue;
    }
    const std::size_t i0 = static_cast<std::size_t>(std::floor(pos));
    if (i0 + 1 >= x.size()) continue;
    const double frac = pos - static_cast<double>(i0);
    out[i] = (1.0 - frac) * x[i0] + frac * x[i0 + 1];
  }
  return out;
}

// Aligns like evaluate_model.py: the shift is used only within both bounds.
std::vector<double> align(const std::vector<double> &truth, const std::vector<double> &pred,
                          int max_shift_samples, double max_offset_mv, int *shift_samples,
                          double *offset_mv) {
  const detail::LagEstimate est = detail::estimate_lag(truth, pred, max_shift_samples);
  const bool use = est.found && std::abs(est.shift_samples) <= max_shift_samples &&
                   std::abs(est.offset_mv) <= max_offset_mv;
  if (shift_samples) *shift_samples = use ? est.shift_samples : 0;
  if (offset_mv) *offset_mv = use ? est.offset_mv : 0.0;
  return use ? detail::shift_signal(pred, truth.size(), est.shift_samples, est.offset_mv)
             : detail::shift_signal(pred, truth.size(), 0, 0.0);
}

void fill_agreement(const std::vector<double> &truth, const std::vector<double> &pred,
                    LeadScore &score) {
  std::size_t n = 0;
  double mean_t = 0, mean_p = 0;
  for (std::size_t i = 0; i < truth.size(); ++i)
    if (std::isfinite(truth[i]) && std::isfinite(pred[i])) {
      ++n;
      mean_t += truth[i];
      mean_p += pred[i];
    }
  score.pearson_r = kNaN;
  score.rmse_uv = kNaN;
  if (n == 0) return;
  mean_t /= static_cast<double>(n);
  mean_p /= static_cast<double>(n);
  double stt = 0, spp = 0, stp = 0, sse = 0;
  for (std::size_t i = 0; i < truth.size(); ++i)
    if (std::isfinite(truth[i]) && std::isfinite(pred[i])) {
      const double dt = truth[i] - mean_t, dp = pred[i] - mean_p, e = truth[i] - pred[i];
      stt += dt * dt;
      spp += dp * dp;
      stp += dt * dp;
      sse += e * e;
    }
  score.rmse_uv = 1000.0 * std::sqrt(sse / static_cast<double>(n));
  if (stt > 0 && spp > 0) score.pearson_r = stp / std::sqrt(stt * spp);
}

double finite_mean(const std::vector<LeadScore> &leads, double LeadScore::*field) {
  double sum = 0;
  std::size_t n = 0;
  for (const LeadScore &lead : leads)
    if (std::isfinite(lead.*field)) {
      sum += lead.*field;
      ++n;
    }
  return n ? sum / static_cast<double>(n) : kNaN;
}

}  // namespace

double snr_db(const std::vector<float> &truth, const std::vector<float> &pred) {
  if (truth.empty()) throw Error(ErrorCode::InvalidArgument, "snr_db: truth has no samples");
  if (truth.size() != pred.size())
    throw Error(
        ErrorCode::InvalidArgument,
        fmt::format("snr_db: truth has {} samples but pred has {}", truth.size(), pred.size()));
  return challenge_snr(to_double(truth), to_double(pred)).snr_db;
}

std::vector<float> align_to_truth(const std::vector<float> &truth, const std::vector<float> &pred,
                                  int max_shift_samples, double max_offset_mv, int *shift_samples,
                                  double *offset_mv) {
  if (truth.empty())
    throw Error(ErrorCode::InvalidArgument, "align_to_truth: truth has no samples");
  if (max_shift_samples < 0)
    throw Error(ErrorCode::InvalidArgument,
                fmt::format("align_to_truth: max_shift_samples {} is negative", max_shift_samples));
  if (!(max_offset_mv >= 0))
    throw Error(ErrorCode::InvalidArgument,
                fmt::format("align_to_truth: max_offset_mv {} is not a non-negative number",
                            max_offset_mv));
  check_align_length("align_to_truth: truth", truth.size());
  check_align_length("align_to_truth: pred", pred.size());
  const std::vector<double> aligned = align(to_double(truth), to_double(pred), max_shift_samples,
                                            max_offset_mv, shift_samples, offset_mv);
  return {aligned.begin(), aligned.end()};
}

RecordScore score_record(const Record &pred, const Record &truth) {
  truth.validate();
  pred.validate();
  if (truth.leads.empty() || truth.num_samples() == 0)
    throw Error(ErrorCode::InvalidArgument,
                fmt::format("score_record: truth record '{}' has no samples", truth.name));
  const std::size_t n = truth.num_samples();
  check_align_length(fmt::format("score_record: truth '{}'", truth.name).c_str(), n);
  if (pred.fs_hz == truth.fs_hz)
    check_align_length(fmt::format("score_record: prediction '{}'", pred.name).c_str(),
                       pred.num_samples());
  const int max_shift = static_cast<int>(std::nearbyint(kMaxShiftS * truth.fs_hz));

  RecordScore score;
  score.leads.resize(truth.leads.size());
  // Leads are independent; each one's transforms dominate the run time.
  cv::parallel_for_(cv::Range(0, static_cast<int>(truth.leads.size())), [&](const cv::Range &r) {
    for (int j = r.start; j < r.end; ++j) {
      const Lead &t = truth.leads[static_cast<std::size_t>(j)];
      LeadScore &lead = score.leads[static_cast<std::size_t>(j)];
      lead.name = t.name;
      const std::vector<double> truth_mv = to_double(t.mv);
      std::vector<double> pred_mv;
      if (const Lead *p = pred.find(t.name)) {
        pred_mv = pred.fs_hz == truth.fs_hz ? to_double(p->mv)
                                            : resample_linear(p->mv, pred.fs_hz, truth.fs_hz, n);
      } else {
        lead.missing = true;  // the challenge's reorder_signal fills zeros
        pred_mv.assign(n, 0.0);
      }
      const std::vector<double> aligned =
          align(truth_mv, pred_mv, max_shift, kMaxOffsetMv, &lead.shift_samples, &lead.offset_mv);
      const SnrParts snr = challenge_snr(truth_mv, aligned);
      lead.snr_db = snr.snr_db;
      lead.coverage = snr.coverage;
      fill_agreement(truth_mv, aligned, lead);
    }
  });
  score.mean_snr_db = finite_mean(score.leads, &LeadScore::snr_db);
  score.mean_pearson_r = finite_mean(score.leads, &LeadScore::pearson_r);
  score.mean_rmse_uv = finite_mean(score.leads, &LeadScore::rmse_uv);
  return score;
}

}  // namespace v1
}  // namespace ecgdig
