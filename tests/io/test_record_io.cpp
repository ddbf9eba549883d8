// Format names, dispatch by extension, standard lead order and the
// WFDB -> CSV -> JSON -> WFDB round trip.
#include <cmath>

#include "io/io_test_util.hpp"

using namespace ecgdig;
using namespace io_test;

TEST(RecordIo, FormatNamesAndExtensions) {
  EXPECT_STREQ(to_string(RecordFormat::Wfdb), "wfdb");
  EXPECT_STREQ(to_string(RecordFormat::Csv), "csv");
  EXPECT_STREQ(to_string(RecordFormat::Json), "json");
  EXPECT_EQ(parse_record_format("WFDB"), RecordFormat::Wfdb);
  EXPECT_EQ(parse_record_format("Csv"), RecordFormat::Csv);
  EXPECT_EQ(parse_record_format("json"), RecordFormat::Json);
  expect_error([] { parse_record_format("edf"); }, ErrorCode::InvalidArgument, "'edf'");
  EXPECT_EQ(record_format_of("a/b/00001_lr"), RecordFormat::Wfdb);
  EXPECT_EQ(record_format_of("x.HEA"), RecordFormat::Wfdb);
  EXPECT_EQ(record_format_of("x.dat"), RecordFormat::Wfdb);
  EXPECT_EQ(record_format_of("x.CSV"), RecordFormat::Csv);
  EXPECT_EQ(record_format_of("x.json"), RecordFormat::Json);
  expect_error([] { record_format_of("dir/x.edf"); }, ErrorCode::InvalidArgument, "dir/x.edf", ".edf");
}

TEST(RecordIo, RoundTripWfdbCsvJsonWfdbIsLosslessToOneMicrovolt) {
  const fs::path dir = scratch_dir();
  for (const char *name : {"00841_hr", "00001_lr"}) {
    SCOPED_TRACE(name);
    const Record original = read_record(data_dir() / name);
    write_record(original, dir / "step.csv");
    const Record from_csv = read_csv(dir / "step.csv", original.fs_hz);
    write_record(from_csv, dir / "step.json");
    const Record from_json = read_record(dir / "step.json");
    write_record(from_json, dir / (std::string(name) + ".hea"));  // extension dropped: NAME.hea + NAME.dat
    const Record back = read_record(dir / name);

    EXPECT_EQ(back.name, name);
    EXPECT_EQ(back.fs_hz, original.fs_hz);
    ASSERT_EQ(back.leads.size(), 12u);
    ASSERT_EQ(back.num_samples(), original.num_samples());
    long differ = 0;
    for (std::size_t l = 0; l < 12; ++l) {
      EXPECT_EQ(back.leads[l].name, original.leads[l].name);
      for (std::size_t i = 0; i < original.num_samples(); ++i) {
        if (uv(back.leads[l].mv[i]) != uv(original.leads[l].mv[i])) ++differ;
        if (from_json.leads[l].mv[i] != original.leads[l].mv[i]) ++differ;  // CSV and JSON are exact
      }
    }
    EXPECT_EQ(differ, 0);
    EXPECT_EQ(read_bytes(dir / (std::string(name) + ".dat")),
              read_bytes(data_dir() / (std::string(name) + ".dat")));
  }
}

TEST(RecordIo, ExplicitFormatOverridesTheExtension) {
  const fs::path dir = scratch_dir();
  const Record r = make_record(2, 20);
  write_record(r, dir / "data.txt", RecordFormat::Json);
  EXPECT_EQ(read_record(dir / "data.txt", RecordFormat::Json).leads[1].mv, r.leads[1].mv);
  write_record(r, dir / "table.txt", RecordFormat::Csv);
  EXPECT_EQ(read_record(dir / "table.txt", RecordFormat::Csv).num_samples(), 20u);
  write_record(r, dir / "wf.txt", RecordFormat::Wfdb);
  EXPECT_TRUE(fs::exists(dir / "wf.hea"));
  EXPECT_TRUE(fs::exists(dir / "wf.dat"));
  EXPECT_EQ(read_record(dir / "wf").leads.size(), 2u);
}

TEST(RecordIo, ToStandardLeadsReordersFillsAndDrops) {
  Record r = make_record(3, 4, 100);
  r.leads[0].name = "avf";
  r.leads[1].name = "V6";
  r.leads[2].name = "Pleth";  // not a lead: dropped
  r.leads[1].confidence = 0.5;
  const Record s = to_standard_leads(r);
  EXPECT_EQ(s.fs_hz, 100.0);
  EXPECT_EQ(s.name, r.name);
  ASSERT_EQ(s.leads.size(), 12u);
  for (std::size_t i = 0; i < 12; ++i) {
    EXPECT_EQ(s.leads[i].name, kStandardLeads[i]);
    ASSERT_EQ(s.leads[i].mv.size(), 4u);
  }
  EXPECT_EQ(s.leads[5].mv, r.leads[0].mv);  // aVF
  EXPECT_EQ(s.leads[11].mv, r.leads[1].mv);
  EXPECT_EQ(s.leads[11].confidence, 0.5);
  for (float v : s.leads[0].mv) EXPECT_TRUE(std::isnan(v));

  // The upper-case names of 00001_lr map onto the standard ones.
  const Record lr = to_standard_leads(read_wfdb(data_dir() / "00001_lr"));
  EXPECT_EQ(lr.leads[3].name, "aVR");
  EXPECT_FALSE(std::isnan(lr.leads[3].mv[0]));
}
