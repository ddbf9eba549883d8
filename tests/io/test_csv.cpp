// CSV records.
#include <cmath>
#include <limits>

#include "io/io_test_util.hpp"

using namespace ecgdig;
using namespace io_test;

TEST(Csv, ReadsLeadNamesNaNCellsAndTheGivenRate) {
  const fs::path dir = scratch_dir();
  write_text(dir / "plain.csv", "I,II,aVR\n0.1,0.2,-0.15\n,nan,NaN\n 1e-3 , -2 ,+0.5\n");
  const Record r = read_csv(dir / "plain.csv", 250.0);
  EXPECT_EQ(r.name, "plain");
  EXPECT_EQ(r.fs_hz, 250.0);
  ASSERT_EQ(r.leads.size(), 3u);
  EXPECT_EQ(r.leads[2].name, "aVR");
  ASSERT_EQ(r.num_samples(), 3u);
  EXPECT_FLOAT_EQ(r.leads[0].mv[0], 0.1f);
  EXPECT_FLOAT_EQ(r.leads[2].mv[0], -0.15f);
  for (int c = 0; c < 3; ++c) EXPECT_TRUE(std::isnan(r.leads[c].mv[1]));
  EXPECT_FLOAT_EQ(r.leads[0].mv[2], 0.001f);
  EXPECT_FLOAT_EQ(r.leads[1].mv[2], -2.0f);
  EXPECT_FLOAT_EQ(r.leads[2].mv[2], 0.5f);
  EXPECT_EQ(read_csv(dir / "plain.csv").fs_hz, 500.0);  // the default rate
}

TEST(Csv, RateFromTheTimeColumn) {
  const fs::path dir = scratch_dir();
  write_text(dir / "t.csv", "time_s,V1\r\n0,1\r\n0.004,2\r\n0.008,3\r\n0.012,4\r\n\r\n");
  const Record r = read_csv(dir / "t.csv", 1000.0);
  EXPECT_EQ(r.fs_hz, 250.0);
  ASSERT_EQ(r.leads.size(), 1u);
  EXPECT_EQ(r.leads[0].name, "V1");
  EXPECT_EQ(r.num_samples(), 4u);

  // Times rounded to 3 decimals at 360 Hz still give the rate.
  std::string text = "TIME_S,II\n";
  for (int i = 0; i < 3600; ++i) text += std::to_string(std::round(i / 360.0 * 1000) / 1000) + ",0\n";
  write_text(dir / "r.csv", text);
  EXPECT_NEAR(read_csv(dir / "r.csv").fs_hz, 360.0, 0.01);
}

TEST(Csv, WriteThenReadIsLossless) {
  const fs::path dir = scratch_dir();
  Record r = make_record(12, 700, 500.0);
  r.leads[4].mv[10] = std::numeric_limits<float>::quiet_NaN();
  r.leads[0].mv[0] = 1.0f / 3.0f;  // not on the µV grid: still read back exactly
  for (bool with_time : {false, true}) {
    const fs::path p = dir / (with_time ? "timed.csv" : "plain.csv");
    write_csv(r, p, with_time);
    const Record back = read_csv(p, 500.0);
    EXPECT_EQ(back.fs_hz, 500.0);
    ASSERT_EQ(back.leads.size(), 12u);
    for (std::size_t l = 0; l < 12; ++l) {
      EXPECT_EQ(back.leads[l].name, r.leads[l].name);
      ASSERT_EQ(back.leads[l].mv.size(), 700u);
      for (std::size_t i = 0; i < 700; ++i) {
        if (std::isnan(r.leads[l].mv[i]))
          EXPECT_TRUE(std::isnan(back.leads[l].mv[i]));
        else
          EXPECT_EQ(back.leads[l].mv[i], r.leads[l].mv[i]);
      }
    }
  }
  const std::string text = read_text(dir / "timed.csv");
  EXPECT_EQ(text.rfind("time_s,I,II,III,aVR,aVL,aVF,V1,V2,V3,V4,V5,V6\n0,", 0), 0u);
}

TEST(Csv, TimeColumnGivesOddRates) {
  const fs::path dir = scratch_dir();
  for (double fs : {100.0, 257.0, 360.0, 1000.0}) {
    const Record r = make_record(1, 50, fs);
    write_csv(r, dir / "odd.csv", true);
    EXPECT_DOUBLE_EQ(read_csv(dir / "odd.csv", 1.0).fs_hz, fs);
  }
}

TEST(Csv, SingleLeadWithNaNRowsAndQuotedNames) {
  const fs::path dir = scratch_dir();
  Record r;
  r.name = "one";
  r.fs_hz = 100;
  r.leads.push_back({"lead, \"odd\"", {1.0f, std::numeric_limits<float>::quiet_NaN(), 2.0f}, 1.0});
  write_csv(r, dir / "one.csv");
  EXPECT_EQ(read_text(dir / "one.csv"), "\"lead, \"\"odd\"\"\"\n1\n\n2\n");
  const Record back = read_csv(dir / "one.csv", 100);
  ASSERT_EQ(back.leads.size(), 1u);
  EXPECT_EQ(back.leads[0].name, "lead, \"odd\"");
  ASSERT_EQ(back.num_samples(), 3u);
  EXPECT_TRUE(std::isnan(back.leads[0].mv[1]));
  EXPECT_EQ(back.leads[0].mv[2], 2.0f);
}
