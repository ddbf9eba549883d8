// Writing WFDB records: header text, format-16 bytes, checksums, clipping, NaN.
#include <cmath>
#include <limits>
#include <sstream>

#include "io/io_test_util.hpp"

using namespace ecgdig;
using namespace io_test;

namespace {

std::vector<std::string> lines_of(const std::string &text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) out.push_back(line);
  return out;
}

}  // namespace

TEST(WfdbWrite, HeaderAndBytesMatchPhysioNetLayout) {
  const fs::path dir = scratch_dir();
  const Record original = read_wfdb(data_dir() / "00841_hr");
  write_wfdb(original, dir / "00841_hr");

  // The .dat is byte-identical to PTB-XL's (same format, gain and lead order).
  EXPECT_EQ(read_bytes(dir / "00841_hr.dat"), read_bytes(data_dir() / "00841_hr.dat"));

  const auto ours = lines_of(read_text(dir / "00841_hr.hea"));
  const auto theirs = lines_of(read_text(data_dir() / "00841_hr.hea"));
  ASSERT_EQ(ours.size(), 13u);
  EXPECT_EQ(ours[0], "00841_hr 12 500 5000");
  for (std::size_t s = 1; s <= 12; ++s) {
    // Same fields; the checksum is written signed (WFDB library style), theirs unsigned.
    std::istringstream a(ours[s]), b(theirs[s]);
    std::vector<std::string> fa, fb;
    for (std::string t; a >> t;) fa.push_back(t);
    for (std::string t; b >> t;) fb.push_back(t);
    ASSERT_EQ(fa.size(), 9u) << ours[s];
    ASSERT_EQ(fb.size(), 9u) << theirs[s];
    for (std::size_t f = 0; f < 9; ++f) {
      if (f == 6) {
        const long ca = std::stol(fa[f]), cb = std::stol(fb[f]);
        EXPECT_GE(ca, -32768);
        EXPECT_LE(ca, 32767);
        EXPECT_EQ((ca + 65536) % 65536, cb % 65536) << ours[s];
      } else {
        EXPECT_EQ(fa[f], fb[f]) << ours[s];
      }
    }
  }
  EXPECT_EQ(ours[1].rfind("00841_hr.dat 16 1000.0(0)/mV 16 0 -60 ", 0), 0u) << ours[1];
}

TEST(WfdbWrite, ChecksumsInitialValuesClippingAndNaN) {
  const fs::path dir = scratch_dir();
  Record r;
  r.name = "anything";
  r.fs_hz = 250;
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const float inf = std::numeric_limits<float>::infinity();
  r.leads.push_back({"II", {nan, 0.0004f, 40.0f, -40.0f, -0.0014f, inf, -inf}, 1.0});
  r.leads.push_back({"V1", {1.234f, -1.234f, 32.767f, -32.767f, 0.0f, 0.001f, 0.0006f}, 1.0});
  write_wfdb(r, dir / "clip");

  const auto bytes = read_bytes(dir / "clip.dat");
  ASSERT_EQ(bytes.size(), 2u * 2u * 7u);
  std::vector<std::int16_t> raw;
  for (std::size_t i = 0; i < bytes.size(); i += 2)
    raw.push_back(static_cast<std::int16_t>(bytes[i] | (bytes[i + 1] << 8)));
  // Interleaved frames; NaN -> -32768; clipped to +-32767; rounded to 1 µV.
  const std::vector<std::int16_t> expect = {-32768, 1234, 0,     -1234, 32767, 32767, -32767,
                                            -32767, -1,   0,     32767, 1,     -32767, 1};
  EXPECT_EQ(raw, expect);

  const auto hea = lines_of(read_text(dir / "clip.hea"));
  ASSERT_EQ(hea.size(), 3u);
  EXPECT_EQ(hea[0], "clip 2 250 7");
  long sum0 = 0, sum1 = 0;
  for (std::size_t k = 0; k < 7; ++k) {
    sum0 += raw[2 * k];
    sum1 += raw[2 * k + 1];
  }
  auto signed16 = [](long s) {
    long m = ((s % 65536) + 65536) % 65536;
    return m >= 32768 ? m - 65536 : m;
  };
  EXPECT_EQ(hea[1], "clip.dat 16 1000.0(0)/mV 16 0 -32768 " + std::to_string(signed16(sum0)) + " 0 II");
  EXPECT_EQ(hea[2], "clip.dat 16 1000.0(0)/mV 16 0 1234 " + std::to_string(signed16(sum1)) + " 0 V1");

  const Record back = read_wfdb(dir / "clip.hea");
  EXPECT_EQ(back.name, "clip");
  EXPECT_EQ(back.fs_hz, 250.0);
  EXPECT_TRUE(std::isnan(back.leads[0].mv[0]));
  EXPECT_FLOAT_EQ(back.leads[0].mv[2], 32.767f);
  EXPECT_FLOAT_EQ(back.leads[1].mv[0], 1.234f);
}

TEST(WfdbWrite, NonIntegerRateAndLeadNamesWithSpaces) {
  const fs::path dir = scratch_dir();
  Record r = make_record(2, 10, 257.5);
  r.leads[1].name = "chest lead 2";
  write_wfdb(r, dir / "odd-rate");
  EXPECT_EQ(lines_of(read_text(dir / "odd-rate.hea"))[0], "odd-rate 2 257.5 10");
  const Record back = read_wfdb(dir / "odd-rate");
  EXPECT_EQ(back.fs_hz, 257.5);
  EXPECT_EQ(back.leads[1].name, "chest lead 2");
  for (std::size_t i = 0; i < 10; ++i) EXPECT_EQ(uv(back.leads[1].mv[i]), uv(r.leads[1].mv[i]));
}

TEST(WfdbWrite, KeepsTheRecordsLeadOrder) {
  const fs::path dir = scratch_dir();
  Record r = make_record(3, 5);
  std::swap(r.leads[0], r.leads[2]);  // III, II, I
  write_wfdb(r, dir / "order");
  const Record back = read_wfdb(dir / "order");
  EXPECT_EQ(back.leads[0].name, "III");
  EXPECT_EQ(back.leads[2].name, "I");
  const Record standard = to_standard_leads(back);
  EXPECT_EQ(standard.leads[0].mv, back.leads[2].mv);
  EXPECT_EQ(standard.leads[2].mv, back.leads[0].mv);
}
