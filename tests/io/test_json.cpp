// JSON records.
#include <cmath>
#include <limits>

#include "io/io_test_util.hpp"

using namespace ecgdig;
using namespace io_test;

TEST(Json, ReadsTheDocumentedShape) {
  const fs::path dir = scratch_dir();
  write_text(dir / "r.json",
             R"({"name": "rec 1", "fs_hz": 250, "extra": {"ignored": [1, 2]},
                 "leads": [{"name": "I", "mv": [0.1, null, -2]},
                           {"name": "AVR", "mv": [1e-3, 0, 5]}]})");
  const Record r = read_json(dir / "r.json");
  EXPECT_EQ(r.name, "rec 1");
  EXPECT_EQ(r.fs_hz, 250.0);
  ASSERT_EQ(r.leads.size(), 2u);
  EXPECT_EQ(r.leads[1].name, "AVR");
  ASSERT_EQ(r.num_samples(), 3u);
  EXPECT_FLOAT_EQ(r.leads[0].mv[0], 0.1f);
  EXPECT_TRUE(std::isnan(r.leads[0].mv[1]));
  EXPECT_FLOAT_EQ(r.leads[0].mv[2], -2.0f);
  EXPECT_FLOAT_EQ(r.leads[1].mv[0], 0.001f);

  // Without "name" the file's stem names the record.
  write_text(dir / "stem.json", R"({"fs_hz": 100.5, "leads": [{"name": "V1", "mv": [1]}]})");
  const Record s = read_json(dir / "stem.json");
  EXPECT_EQ(s.name, "stem");
  EXPECT_EQ(s.fs_hz, 100.5);
}

TEST(Json, WriteThenReadIsLosslessAndNaNIsNull) {
  const fs::path dir = scratch_dir();
  Record r = make_record(12, 300, 500.0);
  r.name = "quote\" and \\ slash";
  r.leads[3].mv[7] = std::numeric_limits<float>::quiet_NaN();
  r.leads[0].mv[1] = 1.0f / 3.0f;
  r.leads[0].mv[2] = -1.0e-7f;
  write_json(r, dir / "w.json");
  const std::string text = read_text(dir / "w.json");
  EXPECT_NE(text.find("null"), std::string::npos);
  EXPECT_EQ(text.find("nan"), std::string::npos);
  EXPECT_NE(text.find("\"fs_hz\": 500,"), std::string::npos) << text.substr(0, 80);
  const Record back = read_json(dir / "w.json");
  EXPECT_EQ(back.name, r.name);
  EXPECT_EQ(back.fs_hz, 500.0);
  ASSERT_EQ(back.leads.size(), 12u);
  for (std::size_t l = 0; l < 12; ++l) {
    EXPECT_EQ(back.leads[l].name, r.leads[l].name);
    ASSERT_EQ(back.leads[l].mv.size(), 300u);
    for (std::size_t i = 0; i < 300; ++i) {
      if (std::isnan(r.leads[l].mv[i]))
        EXPECT_TRUE(std::isnan(back.leads[l].mv[i]));
      else
        EXPECT_EQ(back.leads[l].mv[i], r.leads[l].mv[i]) << l << " " << i;
    }
  }
}
