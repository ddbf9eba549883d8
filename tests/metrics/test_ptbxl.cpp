// The metric on real 12-lead records (PTB-XL, tests/data/ptbxl), shown as a
// 3x4 page shows them: each lead only in its 2.5 s column.
//
// Expected values: reference_snr.py with the PTB-XL folder as second
// argument runs the PhysioNet Challenge 2024 code (evaluation-2024 at commit
// 9af7dfb: align_signals, the bounds of evaluate_model.py, compute_snr) on
// the same truth and prediction as below.

#include <cmath>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "ecgdig/io.hpp"
#include "ecgdig/metrics.hpp"
#include "signals.hpp"

using namespace ecgdig;
using namespace ecgdig_test;

namespace {

constexpr std::size_t kColumn = 1250;  // 2.5 s at 500 Hz
constexpr std::size_t kTrim = 100;     // page margins cut 0.2 s off both ends
constexpr std::size_t kDelay = 50;     // the prediction is 0.1 s late
constexpr std::size_t kMargin = 100;   // and spans 0.2 s beyond its column
constexpr double kOffsetMv = 0.3;

struct Expected {
  std::string lead;  // record/lead index
  int shift_samples;
  double offset_mv;
  double snr_db;
};

// Output of reference_snr.py for the PTB-XL cases.
const std::vector<Expected> kExpected = {
    {"00841_hr/0", 50, 0.290909668, 23.284497},  {"00841_hr/1", 50, 0.301253871, 24.929347},
    {"00841_hr/2", 50, 0.293135262, 23.645966},  {"00841_hr/3", 50, 0.300204226, 24.952132},
    {"00841_hr/4", 50, 0.301356722, 24.928329},  {"00841_hr/5", 50, 0.296826781, 24.278707},
    {"00841_hr/6", 50, 0.295532103, 24.651362},  {"00841_hr/7", 50, 0.297878408, 24.797439},
    {"00841_hr/8", 50, 0.293129131, 23.872086},  {"00841_hr/9", 50, 0.292637895, 23.847973},
    {"00841_hr/10", 50, 0.303721147, 24.525890}, {"00841_hr/11", 50, 0.295875611, 24.382054},
    {"10504_hr/0", 50, 0.297676685, 24.205777},  {"10504_hr/1", 50, 0.297762095, 24.275799},
    {"10504_hr/2", 50, 0.301411082, 24.434582},  {"10504_hr/3", 50, 0.300923575, 24.707284},
    {"10504_hr/4", 50, 0.297532833, 23.827455},  {"10504_hr/5", 50, 0.300479372, 24.757058},
    {"10504_hr/6", 50, 0.298847135, 24.862875},  {"10504_hr/7", 50, 0.299720671, 24.898535},
    {"10504_hr/8", 50, 0.301618317, 24.977328},  {"10504_hr/9", 56, 0.269909453, 16.897938},
    {"10504_hr/10", 50, 0.299135768, 24.762423}, {"10504_hr/11", 50, 0.300075241, 25.009804},
    {"18155_hr/0", 50, 0.299892710, 24.806523},  {"18155_hr/1", 50, 0.301028026, 24.693020},
    {"18155_hr/2", 50, 0.300227763, 24.641461},  {"18155_hr/3", 50, 0.299544117, 24.921695},
    {"18155_hr/4", 50, 0.300687904, 24.529624},  {"18155_hr/5", 50, 0.301650087, 23.707117},
    {"18155_hr/6", 50, 0.298665846, 24.889781},  {"18155_hr/7", 50, 0.307846429, 23.544693},
    {"18155_hr/8", 50, 0.294266971, 24.475787},  {"18155_hr/9", 50, 0.298767027, 24.906420},
    {"18155_hr/10", 50, 0.298039501, 24.403122}, {"18155_hr/11", 50, 0.298832403, 24.402032},
};

Record load(const std::string &name) {
  return read_wfdb(std::string(ECGDIG_TEST_DATA_DIR) + "/ptbxl/" + name);
}

// Lead j of a 3x4 page shows column j / 3; NaN elsewhere and in the margins.
Record as_3x4_page(const Record &full) {
  Record shown = full;
  const std::size_t n = full.num_samples();
  for (std::size_t j = 0; j < shown.leads.size(); ++j)
    for (std::size_t i = 0; i < n; ++i)
      if (i / kColumn != j / 3 || i < kTrim || i + kTrim >= n) shown.leads[j].mv[i] = NAN;
  return shown;
}

// A digitizer's typical errors on the page: late, high, and uniform noise
// 25 dB below each shown lead. `noise_only` keeps just the noise, in place.
Record digitized(const Record &full, const Record &page, bool noise_only) {
  Record pred = page;
  const std::size_t n = full.num_samples();
  for (std::size_t j = 0; j < pred.leads.size(); ++j) {
    const std::vector<float> &shown = page.leads[j].mv;
    double power = 0;
    std::size_t count = 0;
    for (float v : shown)
      if (std::isfinite(v)) {
        power += double(v) * v;
        ++count;
      }
    const std::vector<double> noise =
        lcg_noise(n, static_cast<std::uint32_t>(100 + j),
                  std::sqrt(12 * power / count / std::pow(10.0, 2.5)));
    std::vector<float> &p = pred.leads[j].mv;
    const std::size_t begin = (j / 3) * kColumn;
    for (std::size_t i = 0; i < n; ++i) {
      if (noise_only) {
        p[i] = static_cast<float>(shown[i] + noise[i]);
        continue;
      }
      p[i] = NAN;
      if (i >= kDelay && i - kDelay + kMargin >= begin && i - kDelay < begin + kColumn + kMargin)
        p[i] = static_cast<float>(full.leads[j].mv[i - kDelay] + noise[i - kDelay] + kOffsetMv);
    }
  }
  return pred;
}

}  // namespace

class PtbxlRecord : public ::testing::TestWithParam<const char *> {};

TEST_P(PtbxlRecord, ScoresMatchTheChallengeCode) {
  const std::string name = GetParam();
  const Record full = load(name);
  ASSERT_EQ(full.leads.size(), 12u);
  ASSERT_EQ(full.fs_hz, 500.0);
  const Record page = as_3x4_page(full);

  const RecordScore score = score_record(digitized(full, page, false), page);
  const Record noise_only = digitized(full, page, true);
  ASSERT_EQ(score.leads.size(), 12u);
  int found = 0;
  for (std::size_t j = 0; j < 12; ++j) {
    const std::string key = name + "/" + std::to_string(j);
    SCOPED_TRACE(key + " " + page.leads[j].name);
    const LeadScore &l = score.leads[j];
    for (const Expected &e : kExpected)
      if (e.lead == key) {
        ++found;
        EXPECT_EQ(l.shift_samples, e.shift_samples);
        EXPECT_NEAR(l.offset_mv, e.offset_mv, 1e-4);
        EXPECT_NEAR(l.snr_db, e.snr_db, 0.01);
      }
    if (l.shift_samples == static_cast<int>(kDelay)) {
      // Found the true shift: scored like the noise alone (unaligned), less
      // what the offset's 1/255-of-range steps leave over.
      EXPECT_NEAR(l.offset_mv, kOffsetMv, 0.02);
      EXPECT_DOUBLE_EQ(l.coverage, 1.0);
      const double noise_alone = snr_db(page.leads[j].mv, noise_only.leads[j].mv);
      EXPECT_LT(l.snr_db, noise_alone + 0.1);
      EXPECT_GT(l.snr_db, noise_alone - 2.0);
      EXPECT_GT(l.pearson_r, 0.99);
    }
  }
  EXPECT_EQ(found, 12);

  // Each page lead against the full one: a quarter covered, less the margins
  // in the first and last columns.
  const RecordScore page_vs_full = score_record(page, full);
  for (std::size_t j = 0; j < 12; ++j) {
    const bool edge_column = j / 3 == 0 || j / 3 == 3;
    EXPECT_NEAR(page_vs_full.leads[j].coverage, (kColumn - (edge_column ? kTrim : 0)) / 5000.0,
                1e-12)
        << page_vs_full.leads[j].name;
  }
}

INSTANTIATE_TEST_SUITE_P(Records, PtbxlRecord,
                         ::testing::Values("00841_hr", "10504_hr", "18155_hr"));
