#pragma once
/// @file
/// Scoring a digitized record against the truth, as in the PhysioNet
/// Challenge 2024 digitization task.

#include <cstddef>
#include <string>
#include <vector>

#include "ecgdig/export.hpp"
#include "ecgdig/types.hpp"

namespace ecgdig {
inline namespace v1 {

/// SNR given to a perfect prediction (zero noise power), in dB. The
/// challenge code returns NaN there; a finite cap keeps means meaningful.
inline constexpr double kMaxSnrDb = 100.0;

/// Longest signal, in samples, that align_to_truth and score_record accept
/// (two minutes at 500 Hz); the 2-D correlation needs memory in proportion.
inline constexpr std::size_t kMaxAlignSamples = 60000;

/// Score of one lead.
struct LeadScore {
  std::string name;          ///< truth's lead name
  bool missing = false;      ///< prediction had no such lead (scored as all zeros)
  double snr_db = 0;         ///< challenge SNR, weighted by coverage
  double pearson_r = 0;      ///< over samples finite in both, after alignment (NaN if undefined)
  double rmse_uv = 0;        ///< root-mean-square error in µV over the same samples (NaN if none)
  int shift_samples = 0;     ///< horizontal shift applied (truth's samples)
  double offset_mv = 0;      ///< vertical offset applied
  double coverage = 0;       ///< fraction of truth's finite samples that the prediction covers
};

/// Score of one record.
struct RecordScore {
  std::vector<LeadScore> leads;  ///< in the truth's lead order
  double mean_snr_db = 0;        ///< mean over leads with a defined SNR
  double mean_pearson_r = 0;     ///< mean over leads with a defined r
  double mean_rmse_uv = 0;       ///< mean over leads with a defined RMSE
};

/// Challenge SNR of `pred` against `truth` (same length and rate), no
/// alignment: 10·log10(Σtruth² / Σ(truth−pred)²) over samples finite in both,
/// times the fraction of truth's finite samples covered. 0 when nothing is
/// covered; kMaxSnrDb (times that fraction) when the noise is zero; NaN, as
/// in the challenge, when truth has no finite sample or is all zero where
/// covered while the noise is not.
/// @throws Error(InvalidArgument) when truth is empty or the lengths differ
ECGDIG_API double snr_db(const std::vector<float> &truth, const std::vector<float> &pred);

/// Aligns `pred` to `truth` like the challenge's align_signals (2-D
/// cross-correlation of the quantised traces, 256 levels, Gaussian σ = 0.5)
/// and keeps the shift only when within ±max_shift_samples and ±max_offset_mv.
/// `pred` may be longer or shorter than `truth` (same rate); the trace image
/// is as wide as the longer one. Where several shifts correlate exactly
/// equally (a constant prediction), the one np.argmax takes in exact
/// arithmetic is used; the challenge's floating-point rounding may pick
/// another of them.
/// @param shift_samples if not null, receives the shift applied:
///        result[n] = pred[n + shift] - offset (0 when not applied)
/// @param offset_mv if not null, receives the offset applied in mV
/// @return the shifted prediction (same length as truth), NaN where pred has
///         no sample
/// @throws Error(InvalidArgument) when truth is empty, max_shift_samples < 0
///         or max_offset_mv is negative or NaN; Error(Unsupported) when
///         either signal is longer than kMaxAlignSamples
ECGDIG_API std::vector<float> align_to_truth(const std::vector<float> &truth,
                                             const std::vector<float> &pred,
                                             int max_shift_samples, double max_offset_mv,
                                             int *shift_samples = nullptr,
                                             double *offset_mv = nullptr);

/// Scores `pred` against `truth`: per truth lead, the prediction's lead of the
/// same name (case-insensitive) is resampled to the truth's rate and length,
/// aligned within ±0.5 s and ±1 mV, and scored. A missing lead is all zeros.
/// Resampling is linear; an output sample is NaN when an input sample it
/// uses is NaN or lies past the prediction's end. At equal rates the
/// prediction is used as it is, whatever its length, as in the challenge.
/// Means are NaN when no lead has a defined value.
/// @throws Error(InvalidArgument) when either record fails Record::validate()
///         or truth has no lead or no sample; Error(Unsupported) when either
///         is longer than kMaxAlignSamples (at the truth's rate)
ECGDIG_API RecordScore score_record(const Record &pred, const Record &truth);

}  // namespace v1
}  // namespace ecgdig
