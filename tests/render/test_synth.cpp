// Tests of the synthetic 12-lead ECG generator.

#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

#include <gtest/gtest.h>

#include "ecgdig/error.hpp"
#include "ecgdig/render.hpp"

namespace ecgdig {
namespace {

/// R peaks: maxima of the summed slope of all leads above 35 % of the
/// largest, at least 0.25 s apart.
std::vector<std::size_t> detect_beats(const Record &r) {
  const std::size_t n = r.num_samples();
  std::vector<double> energy(n, 0.0);
  for (const Lead &lead : r.leads)
    for (std::size_t i = 1; i + 1 < n; ++i) energy[i] += std::abs(lead.mv[i + 1] - lead.mv[i - 1]);
  std::vector<double> sorted = energy;
  std::sort(sorted.begin(), sorted.end());
  const double level = 0.35 * sorted[std::size_t(0.995 * double(n))];
  const auto refractory = std::size_t(0.25 * r.fs_hz);
  std::vector<std::size_t> beats;
  for (std::size_t i = 1; i + 1 < n; ++i) {
    if (energy[i] < level || energy[i] < energy[i - 1] || energy[i] < energy[i + 1]) continue;
    if (!beats.empty() && i - beats.back() < refractory) {
      if (energy[i] > energy[beats.back()]) beats.back() = i;
      continue;
    }
    beats.push_back(i);
  }
  return beats;
}

TEST(Synth, TwelveStandardLeadsAtTheRequestedRateAndLength) {
  SynthOptions o;
  o.fs_hz = 250;
  o.duration_s = 4;
  const Record r = synthesize_ecg(o, 7);
  ASSERT_EQ(r.leads.size(), 12u);
  for (std::size_t k = 0; k < 12; ++k) {
    EXPECT_EQ(r.leads[k].name, kStandardLeads[k]);
    ASSERT_EQ(r.leads[k].mv.size(), 1000u);
    for (float v : r.leads[k].mv) ASSERT_TRUE(std::isfinite(v));
  }
  EXPECT_DOUBLE_EQ(r.fs_hz, 250);
  EXPECT_NO_THROW(r.validate());
}

TEST(Synth, SameSeedSameRecordOtherSeedOtherRecord) {
  const Record a = synthesize_ecg({}, 42), b = synthesize_ecg({}, 42), c = synthesize_ecg({}, 43);
  for (std::size_t k = 0; k < 12; ++k) {
    ASSERT_EQ(0, std::memcmp(a.leads[k].mv.data(), b.leads[k].mv.data(), a.leads[k].mv.size() * sizeof(float)));
  }
  EXPECT_NE(0, std::memcmp(a.leads[1].mv.data(), c.leads[1].mv.data(), a.leads[1].mv.size() * sizeof(float)));
}

TEST(Synth, LimbLeadsObeyEinthovenAndGoldbergerExactly) {
  for (std::uint64_t seed = 0; seed < 20; ++seed) {
    const Record r = synthesize_ecg({}, seed);
    const auto &I = r.leads[0].mv, &II = r.leads[1].mv, &III = r.leads[2].mv;
    const auto &aVR = r.leads[3].mv, &aVL = r.leads[4].mv, &aVF = r.leads[5].mv;
    for (std::size_t i = 0; i < I.size(); ++i) {
      ASSERT_EQ(III[i], II[i] - I[i]) << "seed " << seed << " sample " << i;
      ASSERT_EQ(aVR[i], -(I[i] + II[i]) * 0.5f);
      ASSERT_EQ(aVL[i], I[i] - II[i] * 0.5f);
      ASSERT_EQ(aVF[i], II[i] - I[i] * 0.5f);
      // The same relations in their textbook forms, to rounding.
      ASSERT_NEAR(aVL[i], (I[i] - III[i]) / 2, 1e-5);
      ASSERT_NEAR(aVF[i], (II[i] + III[i]) / 2, 1e-5);
      ASSERT_NEAR(aVR[i] + aVL[i] + aVF[i], 0.0, 1e-5);
    }
  }
}

TEST(Synth, HeartRateFollowsTheOption) {
  for (double bpm : {45.0, 75.0, 120.0}) {
    SynthOptions o;
    o.heart_rate_bpm = bpm;
    o.duration_s = 20;
    int close = 0;
    for (std::uint64_t seed = 0; seed < 10; ++seed) {
      const auto beats = detect_beats(synthesize_ecg(o, seed));
      const double measured = double(beats.size()) / o.duration_s * 60;
      // AF and ectopic beats make some records irregular; most stay close.
      if (std::abs(measured - bpm) < 0.15 * bpm) ++close;
    }
    EXPECT_GE(close, 7) << bpm << " bpm";
  }
}

TEST(Synth, RandomRecordsVaryInRateAndAmplitude) {
  double min_rate = 1e9, max_rate = 0, max_amplitude = 0;
  int tall = 0;
  for (std::uint64_t seed = 0; seed < 60; ++seed) {
    const Record r = synthesize_ecg({}, seed);
    const double rate = double(detect_beats(r).size()) / r.duration_s() * 60;
    min_rate = std::min(min_rate, rate);
    max_rate = std::max(max_rate, rate);
    double peak = 0;
    for (const Lead &lead : r.leads)
      for (float v : lead.mv) peak = std::max(peak, double(std::abs(v)));
    max_amplitude = std::max(max_amplitude, peak);
    if (peak > 2.5) ++tall;
    EXPECT_LT(peak, 10.0) << "seed " << seed;
  }
  EXPECT_LT(min_rate, 60);
  EXPECT_GT(max_rate, 110);
  EXPECT_GE(tall, 3) << "tall QRS complexes (> 2.5 mV) should occur";
  EXPECT_GT(max_amplitude, 3.0);
}

TEST(Synth, LeadsDifferFromEachOther) {
  // A dipole seen from different angles: the chest leads are not copies.
  const Record r = synthesize_ecg({}, 3);
  auto corr = [](const std::vector<float> &a, const std::vector<float> &b) {
    double sa = 0, sb = 0, sab = 0, ma = 0, mb = 0;
    for (std::size_t i = 0; i < a.size(); ++i) ma += a[i], mb += b[i];
    ma /= double(a.size());
    mb /= double(b.size());
    for (std::size_t i = 0; i < a.size(); ++i)
      sa += (a[i] - ma) * (a[i] - ma), sb += (b[i] - mb) * (b[i] - mb), sab += (a[i] - ma) * (b[i] - mb);
    return sab / std::sqrt(sa * sb);
  };
  EXPECT_LT(corr(r.leads[6].mv, r.leads[11].mv), 0.9);  // V1 vs V6
}

TEST(Synth, BadOptionsThrow) {
  SynthOptions o;
  o.fs_hz = 0;
  EXPECT_THROW(synthesize_ecg(o, 1), Error);
  o = {};
  o.duration_s = -1;
  EXPECT_THROW(synthesize_ecg(o, 1), Error);
  o = {};
  o.heart_rate_bpm = 500;
  try {
    synthesize_ecg(o, 1);
    FAIL();
  } catch (const Error &e) {
    EXPECT_EQ(e.code(), ErrorCode::InvalidArgument);
    EXPECT_NE(std::string(e.what()).find("heart_rate_bpm"), std::string::npos);
  }
  o = {};
  o.fs_hz = std::nan("");
  EXPECT_THROW(synthesize_ecg(o, 1), Error);
}

}  // namespace
}  // namespace ecgdig
