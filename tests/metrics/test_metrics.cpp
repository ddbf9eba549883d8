#include "ecgdig/metrics.hpp"

#include <cmath>
#include <random>
#include <vector>

#include <gtest/gtest.h>

#include "ecgdig/error.hpp"
#include "signals.hpp"

using namespace ecgdig;
using namespace ecgdig_test;

namespace {

constexpr double kFs = 500;
constexpr std::size_t kN = 5000;  // 10 s at 500 Hz

double power(const std::vector<double> &x) {
  double sum = 0;
  std::size_t n = 0;
  for (double v : x)
    if (std::isfinite(v)) {
      sum += v * v;
      ++n;
    }
  return sum / static_cast<double>(n);
}

// x plus seeded Gaussian noise whose power is `snr_db` below x's.
std::vector<double> with_noise(const std::vector<double> &x, double snr_db, unsigned seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<double> normal(0.0, std::sqrt(power(x) / std::pow(10.0, snr_db / 10)));
  std::vector<double> out(x.size());
  for (std::size_t i = 0; i < x.size(); ++i) out[i] = x[i] + normal(rng);
  return out;
}

std::vector<double> plus_mv(std::vector<double> x, double mv) {
  for (double &v : x) v += mv;
  return x;
}

double record_snr(const std::vector<double> &pred, const std::vector<double> &truth,
                  double pred_fs = kFs) {
  return score_record(one_lead(to_float(pred), pred_fs), one_lead(to_float(truth), kFs))
      .leads.at(0)
      .snr_db;
}

}  // namespace

TEST(Snr, IdenticalSignalsGetTheCap) {
  const std::vector<float> t = to_float(ecg_like(kN, kFs));
  EXPECT_EQ(snr_db(t, t), kMaxSnrDb);
  const RecordScore s = score_record(one_lead(t, kFs), one_lead(t, kFs));
  ASSERT_EQ(s.leads.size(), 1u);
  EXPECT_EQ(s.leads[0].snr_db, kMaxSnrDb);
  EXPECT_EQ(s.leads[0].shift_samples, 0);
  EXPECT_EQ(s.leads[0].offset_mv, 0.0);
  EXPECT_DOUBLE_EQ(s.leads[0].coverage, 1.0);
  EXPECT_NEAR(s.leads[0].pearson_r, 1.0, 1e-12);
  EXPECT_EQ(s.leads[0].rmse_uv, 0.0);
  EXPECT_EQ(s.mean_snr_db, kMaxSnrDb);
}

TEST(Snr, WhiteNoiseAtAKnownLevel) {
  const std::vector<double> t = ecg_like(kN, kFs);
  for (double target : {10.0, 20.0}) {
    const std::vector<double> p = with_noise(t, target, 7);
    // Measured against the noise actually drawn, not the nominal level.
    double noise = 0;
    for (std::size_t i = 0; i < kN; ++i) noise += (t[i] - p[i]) * (t[i] - p[i]);
    const double drawn = 10 * std::log10(power(t) * kN / noise);
    EXPECT_NEAR(drawn, target, 0.2);
    EXPECT_NEAR(snr_db(to_float(t), to_float(p)), drawn, 1e-3);
    EXPECT_NEAR(record_snr(p, t), target, 0.2) << "target " << target;
  }
}

TEST(Snr, CoverageWeightsTheScore) {
  const std::vector<double> t = ecg_like(kN, kFs);
  std::vector<double> p = with_noise(t, 20, 3);
  const double full = snr_db(to_float(t), to_float(p));
  for (std::size_t i = 0; i < kN / 4; ++i) p[i] = std::nan("");
  // The uncovered quarter would otherwise raise nothing; the weight is 3/4.
  std::vector<double> t_rest(t.begin() + kN / 4, t.end()), p_rest(p.begin() + kN / 4, p.end());
  EXPECT_NEAR(snr_db(to_float(t), to_float(p)), 0.75 * snr_db(to_float(t_rest), to_float(p_rest)),
              1e-9);
  EXPECT_LT(snr_db(to_float(t), to_float(p)), full);
  // Truth NaN is not scored at all.
  std::vector<double> t_part = t;
  for (std::size_t i = 0; i < kN / 4; ++i) t_part[i] = std::nan("");
  EXPECT_NEAR(snr_db(to_float(t_part), to_float(p)), snr_db(to_float(t_rest), to_float(p_rest)),
              1e-9);
}

TEST(Snr, ShiftOfAThirdOfASecondIsUndone) {
  // A 3x4 page shows 2.5 s of a lead; the truth is NaN elsewhere, so a
  // NaN-padded shifted prediction still covers it.
  const std::size_t long_n = kN + 150;
  const std::vector<double> signal = ecg_like(long_n, kFs);
  const std::vector<double> noisy = with_noise(signal, 20, 11);
  std::vector<double> t(signal.begin(), signal.begin() + kN);
  for (std::size_t i = 0; i < kN; ++i)
    if (i < 1250 || i >= 2500) t[i] = std::nan("");
  const std::vector<double> unshifted(noisy.begin(), noisy.begin() + kN);
  std::vector<double> late(noisy.begin() + 150, noisy.end());  // 0.3 s early
  std::vector<double> early = shifted(unshifted, -150);        // 0.3 s late, NaN-padded
  const double base = record_snr(unshifted, t);
  EXPECT_GT(base, 15);
  for (const auto *p : {&late, &early}) {
    const RecordScore s = score_record(one_lead(to_float(*p), kFs), one_lead(to_float(t), kFs));
    EXPECT_EQ(std::abs(s.leads[0].shift_samples), 150);
    EXPECT_NEAR(s.leads[0].snr_db, base, 0.2);
    EXPECT_DOUBLE_EQ(s.leads[0].coverage, 1.0);
  }
}

TEST(Snr, OffsetWithinOneMillivoltIsUndoneBeyondItIsNot) {
  const std::vector<double> t = ecg_like(kN, kFs);
  const std::vector<double> p = with_noise(t, 20, 5);
  const double base = record_snr(p, t);

  const RecordScore half =
      score_record(one_lead(to_float(plus_mv(p, 0.5)), kFs), one_lead(to_float(t), kFs));
  EXPECT_NEAR(half.leads[0].offset_mv, 0.5, 0.02);
  EXPECT_NEAR(half.leads[0].snr_db, base, 0.2);

  const RecordScore far =
      score_record(one_lead(to_float(plus_mv(p, 1.5)), kFs), one_lead(to_float(t), kFs));
  EXPECT_EQ(far.leads[0].offset_mv, 0.0);
  EXPECT_EQ(far.leads[0].shift_samples, 0);
  EXPECT_NEAR(far.leads[0].snr_db, snr_db(to_float(t), to_float(plus_mv(p, 1.5))), 1e-4);
  EXPECT_LT(far.leads[0].snr_db, 0);
  // Uncorrected offset: RMSE is about the offset, correlation unaffected.
  EXPECT_NEAR(far.leads[0].rmse_uv, 1500, 60);
  EXPECT_NEAR(far.leads[0].pearson_r, half.leads[0].pearson_r, 1e-6);
  EXPECT_GT(far.leads[0].pearson_r, 0.99);
}

TEST(Snr, ShiftBoundsOfAlignToTruthAreKept) {
  const std::vector<float> t = to_float(ecg_like(kN, kFs));
  const std::vector<float> p = to_float(shifted(ecg_like(kN, kFs), 40));
  int shift = -1;
  double offset = -1;
  const std::vector<float> a = align_to_truth(t, p, 50, 1.0, &shift, &offset);
  EXPECT_EQ(shift, -40);  // p[n] = t[n + 40] is read 40 samples earlier
  EXPECT_NEAR(offset, 0.0, 1e-12);
  EXPECT_EQ(a.size(), t.size());
  EXPECT_EQ(a[100], t[100]);
  const std::vector<float> kept = align_to_truth(t, p, 39, 1.0, &shift, &offset);
  EXPECT_EQ(shift, 0);
  EXPECT_EQ(kept[100], p[100]);
}

TEST(Snr, InfiniteSamplesAreNotScoredAndStopAlignment) {
  // The challenge's amplitude range becomes infinite, its offset NaN, and the
  // shift is dropped; compute_snr skips non-finite samples.
  const std::vector<float> t = to_float(ecg_like(kN, kFs));
  std::vector<float> p = to_float(shifted(ecg_like(kN, kFs), 40));
  p[10] = INFINITY;
  int shift = -1;
  const std::vector<float> a = align_to_truth(t, p, 250, 1.0, &shift);
  EXPECT_EQ(shift, 0);
  EXPECT_TRUE(std::isinf(a[10]));
  const double snr = snr_db(t, a);
  EXPECT_TRUE(std::isfinite(snr));
  std::vector<float> t_rest = t, p_rest = p;
  t_rest.erase(t_rest.begin() + 10);
  p_rest.erase(p_rest.begin() + 10);
  EXPECT_NEAR(snr, snr_db(t_rest, p_rest) * (kN - 1.0) / kN, 1e-9);
}

TEST(Snr, AllZeroOrAllNaNPredictionsScoreZero) {
  const std::vector<double> t = ecg_like(kN, kFs, 1.0, 0.0);
  const std::vector<double> zeros(kN, 0.0), nans(kN, std::nan(""));
  EXPECT_EQ(snr_db(to_float(t), to_float(zeros)), 0.0);
  EXPECT_EQ(snr_db(to_float(t), to_float(nans)), 0.0);
  // Zeros sit on this truth's baseline, so alignment keeps them there.
  EXPECT_NEAR(record_snr(zeros, t), 0.0, 1e-9);
  const RecordScore none = score_record(one_lead(to_float(nans), kFs), one_lead(to_float(t), kFs));
  EXPECT_EQ(none.leads[0].snr_db, 0.0);
  EXPECT_EQ(none.leads[0].coverage, 0.0);
  EXPECT_TRUE(std::isnan(none.leads[0].pearson_r));
  EXPECT_TRUE(std::isnan(none.leads[0].rmse_uv));
  EXPECT_EQ(none.mean_snr_db, 0.0);
}

TEST(Snr, TruthWithoutSamplesIsNotScored) {
  const std::vector<float> nans(100, kNaNf), zeros(100, 0.f);
  EXPECT_TRUE(std::isnan(snr_db(nans, zeros)));
  Record truth{"t", kFs, {Lead{"I", nans, 1.0}, Lead{"II", to_float(ecg_like(100, kFs)), 1.0}}};
  Record pred{"p", kFs, {Lead{"I", zeros, 1.0}, Lead{"II", to_float(ecg_like(100, kFs)), 1.0}}};
  const RecordScore s = score_record(pred, truth);
  EXPECT_TRUE(std::isnan(s.leads[0].snr_db));
  EXPECT_EQ(s.leads[1].snr_db, kMaxSnrDb);
  EXPECT_EQ(s.mean_snr_db, kMaxSnrDb);  // like np.nanmean
}

TEST(Snr, MissingLeadScoresAsZeros) {
  Record truth{"t", kFs, {}}, pred{"p", kFs, {}};
  for (std::size_t j = 0; j < kStandardLeads.size(); ++j) {
    const std::vector<double> t = ecg_like(kN, kFs, 0.5 + 0.1 * double(j), 0.0);
    truth.leads.push_back(Lead{kStandardLeads[j], to_float(t), 1.0});
    pred.leads.push_back(Lead{
        kStandardLeads[j], to_float(with_noise(t, 8 + 1.5 * double(j), 100 + unsigned(j))), 0.9});
  }
  const RecordScore full = score_record(pred, truth);
  ASSERT_EQ(full.leads.size(), 12u);
  for (const LeadScore &l : full.leads) EXPECT_FALSE(l.missing);

  Record partial = pred;
  partial.leads.erase(partial.leads.begin() + 7);  // V2
  const RecordScore less = score_record(partial, truth);
  ASSERT_EQ(less.leads.size(), 12u);
  EXPECT_EQ(less.leads[7].name, "V2");
  EXPECT_TRUE(less.leads[7].missing);
  EXPECT_NEAR(less.leads[7].snr_db, 0.0, 1e-9);
  EXPECT_NEAR(full.mean_snr_db - less.mean_snr_db, full.leads[7].snr_db / 12, 1e-9);
  for (std::size_t j = 0; j < 12; ++j)
    if (j != 7) EXPECT_EQ(less.leads[j].snr_db, full.leads[j].snr_db);
}

TEST(Snr, LeadNamesMatchWithoutRegardToCase) {
  const std::vector<float> t = to_float(ecg_like(kN, kFs));
  const RecordScore s = score_record(one_lead(t, kFs, "avr"), one_lead(t, kFs, "aVR"));
  EXPECT_EQ(s.leads[0].name, "aVR");
  EXPECT_FALSE(s.leads[0].missing);
  EXPECT_EQ(s.leads[0].snr_db, kMaxSnrDb);
}

TEST(Snr, PredictionAtAnotherRateIsResampled) {
  // A gain error scores the same at any rate: 20·log10(1 / 0.15) = 16.48 dB.
  const std::vector<double> t = ecg_like(kN, kFs);
  auto scaled = [](std::vector<double> x) {
    for (double &v : x) v *= 0.85;
    return x;
  };
  const double at500 = record_snr(scaled(t), t);
  const double at250 = record_snr(scaled(ecg_like(kN / 2, 250)), t, 250);
  EXPECT_NEAR(at500, 16.48, 0.05);
  // Linear interpolation of this sharp QRS (7 ms wide) at 250 Hz adds error
  // about 25 dB below the signal, which costs about 0.5 dB here.
  EXPECT_NEAR(at250, at500, 0.75);
  EXPECT_LT(at250, at500);
  EXPECT_GT(record_snr(ecg_like(kN / 2, 250), t, 250), 23);
}

TEST(Snr, ResamplingKeepsGapsAsGaps) {
  std::vector<double> p250 = ecg_like(kN / 2, 250);
  for (std::size_t i = 1000; i < 1100; ++i) p250[i] = std::nan("");
  const RecordScore s =
      score_record(one_lead(to_float(p250), 250), one_lead(to_float(ecg_like(kN, kFs)), kFs));
  EXPECT_EQ(s.leads[0].shift_samples, 0);
  // 100 NaN samples at 250 Hz: outputs 2000..2198 that read them directly,
  // 1999..2199 odd that interpolate next to them, and the last output, which
  // would need a sample past the end.
  EXPECT_NEAR(s.leads[0].coverage, 1.0 - 202.0 / double(kN), 1e-12);
}

TEST(Snr, BadInputIsAnError) {
  const std::vector<float> t = to_float(ecg_like(100, kFs));
  EXPECT_THROW(snr_db({}, {}), Error);
  EXPECT_THROW(snr_db(t, std::vector<float>(99, 0.f)), Error);
  try {
    snr_db(t, std::vector<float>(99, 0.f));
  } catch (const Error &e) {
    EXPECT_EQ(e.code(), ErrorCode::InvalidArgument);
    EXPECT_NE(std::string(e.what()).find("99"), std::string::npos);
  }
  EXPECT_THROW(align_to_truth({}, t, 10, 1.0), Error);
  EXPECT_THROW(align_to_truth(t, t, -1, 1.0), Error);
  EXPECT_THROW(align_to_truth(t, t, 10, std::nan("")), Error);
  EXPECT_THROW(score_record(one_lead(t, kFs), Record{"empty", kFs, {}}), Error);
  EXPECT_THROW(score_record(one_lead(t, kFs), one_lead({}, kFs)), Error);
  EXPECT_THROW(score_record(one_lead(t, 0.0), one_lead(t, kFs)), Error);
  Record ragged{"r", kFs, {Lead{"I", t, 1.0}, Lead{"II", {1.f}, 1.0}}};
  EXPECT_THROW(score_record(ragged, one_lead(t, kFs)), Error);

  const std::vector<float> too_long(kMaxAlignSamples + 1, 0.f);
  try {
    align_to_truth(t, too_long, 10, 1.0);
    ADD_FAILURE() << "no error for an over-long prediction";
  } catch (const Error &e) {
    EXPECT_EQ(e.code(), ErrorCode::Unsupported);
  }
  EXPECT_THROW(score_record(one_lead(t, kFs), one_lead(too_long, kFs)), Error);
  EXPECT_THROW(score_record(one_lead(too_long, kFs), one_lead(t, kFs)), Error);
  // Resampled to the truth's length first, a long prediction is fine.
  EXPECT_NO_THROW(score_record(one_lead(too_long, 100 * kFs), one_lead(t, kFs)));
  // A prediction lead without samples is scored, as uncovered.
  EXPECT_EQ(score_record(one_lead({}, kFs), one_lead(t, kFs)).leads[0].snr_db, 0.0);
}
