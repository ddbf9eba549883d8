// WFDB sample formats, each read from bytes packed by hand in this file (not by
// the library's writer): 212, 80, 16, 61, 160, 24, 32, 310, 311 and 8.
#include <cmath>

#include "io/io_test_util.hpp"

using namespace ecgdig;
using namespace io_test;

namespace {

/// Writes NAME.hea (one signal line per entry of `lines`, after the record
/// line) and NAME.dat, reads the record back.
Record read_packed(const fs::path &dir, const std::string &name, const std::string &record_line,
                   const std::vector<std::string> &lines, const std::vector<std::uint8_t> &bytes) {
  std::string hea = record_line + "\n";
  for (const auto &l : lines) hea += name + ".dat " + l + "\n";
  write_text(dir / (name + ".hea"), hea);
  write_bytes(dir / (name + ".dat"), bytes);
  return read_wfdb(dir / name);
}

void expect_values(const Lead &lead, const std::vector<double> &adc, double gain = 1.0, double baseline = 0.0) {
  ASSERT_EQ(lead.mv.size(), adc.size()) << lead.name;
  for (std::size_t i = 0; i < adc.size(); ++i) {
    if (std::isnan(adc[i]))
      EXPECT_TRUE(std::isnan(lead.mv[i])) << lead.name << " sample " << i;
    else
      EXPECT_FLOAT_EQ(lead.mv[i], static_cast<float>((adc[i] - baseline) / gain)) << lead.name << " sample " << i;
  }
}

const double NaN = std::nan("");

// Independent 212 packer for the long test: pairs (a, b) -> a[7:0], b[11:8]a[11:8], b[7:0].
std::vector<std::uint8_t> pack212(const std::vector<int> &s) {
  std::vector<std::uint8_t> out;
  for (std::size_t i = 0; i < s.size(); i += 2) {
    const unsigned a = static_cast<unsigned>(s[i]) & 0xFFF;
    const unsigned b = i + 1 < s.size() ? static_cast<unsigned>(s[i + 1]) & 0xFFF : 0;
    out.push_back(static_cast<std::uint8_t>(a & 0xFF));
    out.push_back(static_cast<std::uint8_t>(((a >> 8) & 0x0F) | ((b >> 8) << 4)));
    if (i + 1 < s.size()) out.push_back(static_cast<std::uint8_t>(b & 0xFF));
  }
  return out;
}

}  // namespace

TEST(WfdbFormats, Format212OddTailAndInvalid) {
  // 100, -200 | 2047, -2047 | -2048 (invalid), 0 | 1 (odd tail, two bytes)
  const std::vector<std::uint8_t> bytes = {0x64, 0xF0, 0x38, 0xFF, 0x87, 0x01, 0x00, 0x08, 0x00, 0x01, 0x00};
  const Record r = read_packed(scratch_dir(), "f212", "f212 1 250 7", {"212 200 12 0 100 0 0 MLII"}, bytes);
  EXPECT_EQ(r.fs_hz, 250.0);
  expect_values(r.leads[0], {100, -200, 2047, -2047, NaN, 0, 1}, 200.0);
}

TEST(WfdbFormats, Format212TwoSignalsInterleavedWithBaseline) {
  // Frames (100, -200), (2047, -2047), (-2048, 0): signal 0 gets 100, 2047, NaN.
  const std::vector<std::uint8_t> bytes = {0x64, 0xF0, 0x38, 0xFF, 0x87, 0x01, 0x00, 0x08, 0x00};
  const Record r = read_packed(scratch_dir(), "g212", "g212 2 360 3",
                               {"212 200(10)/mV 12 0 100 0 0 A", "212 200(10)/mV 12 0 -200 0 0 B"}, bytes);
  ASSERT_EQ(r.leads.size(), 2u);
  expect_values(r.leads[0], {100, 2047, NaN}, 200.0, 10.0);
  expect_values(r.leads[1], {-200, -2047, 0}, 200.0, 10.0);
}

TEST(WfdbFormats, Format212LongSignal) {
  // Two signals, 1001 frames of a known sine pair, packed by the helper above.
  std::vector<int> interleaved;
  std::vector<double> s0, s1;
  for (int k = 0; k < 1001; ++k) {
    const int a = static_cast<int>(std::lround(2000 * std::sin(0.05 * k)));
    const int b = static_cast<int>(std::lround(-1500 * std::cos(0.03 * k))) + (k % 7);
    interleaved.push_back(a);
    interleaved.push_back(b);
    s0.push_back(a == -2048 ? NaN : a);
    s1.push_back(b == -2048 ? NaN : b);
  }
  const Record r = read_packed(scratch_dir(), "l212", "l212 2 500 1001",
                               {"212 200 12 0 0 0 0 I", "212 200 12 0 -1500 0 0 II"}, pack212(interleaved));
  expect_values(r.leads[0], s0, 200.0);
  expect_values(r.leads[1], s1, 200.0);
}

TEST(WfdbFormats, Format80) {
  // Offset binary: stored byte = value + 128; 0 (value -128) is invalid.
  const std::vector<std::uint8_t> bytes = {0x80, 0xFF, 0x01, 0x00, 0x85, 0x7B};
  const Record r = read_packed(scratch_dir(), "f80", "f80 2 100 3", {"80 100 8 0 0 0 0 I", "80 100 8 0 0 0 0 II"},
                               bytes);
  expect_values(r.leads[0], {0, -127, 5}, 100.0);
  expect_values(r.leads[1], {127, NaN, -5}, 100.0);
}

TEST(WfdbFormats, Format16) {
  const std::vector<std::uint8_t> bytes = {0x34, 0x12, 0xFE, 0xFF, 0x00, 0x80, 0xFF, 0x7F};
  const Record r = read_packed(scratch_dir(), "f16", "f16 1 500 4", {"16 1000 16 0 0 0 0 V1"}, bytes);
  expect_values(r.leads[0], {0x1234, -2, NaN, 32767}, 1000.0);
}

TEST(WfdbFormats, Format61BigEndian) {
  const std::vector<std::uint8_t> bytes = {0x12, 0x34, 0xFF, 0xFE, 0x80, 0x00};
  const Record r = read_packed(scratch_dir(), "f61", "f61 1 500 3", {"61 1000 16 0 0 0 0 V2"}, bytes);
  expect_values(r.leads[0], {0x1234, -2, NaN}, 1000.0);
}

TEST(WfdbFormats, Format160OffsetBinary) {
  const std::vector<std::uint8_t> bytes = {0x00, 0x80, 0xE8, 0x83, 0x00, 0x00};
  const Record r = read_packed(scratch_dir(), "f160", "f160 1 500 3", {"160 1000 16 0 0 0 0 V3"}, bytes);
  expect_values(r.leads[0], {0, 1000, NaN}, 1000.0);
}

TEST(WfdbFormats, Format24) {
  const std::vector<std::uint8_t> bytes = {0x40, 0x42, 0x0F, 0xFF, 0xFF, 0xFF, 0x00, 0x00, 0x80, 0xFF, 0xFF, 0x7F};
  const Record r = read_packed(scratch_dir(), "f24", "f24 1 1000 4", {"24 1000000 24 0 0 0 0 V4"}, bytes);
  expect_values(r.leads[0], {1000000, -1, NaN, 8388607}, 1000000.0);
}

TEST(WfdbFormats, Format32) {
  const std::vector<std::uint8_t> bytes = {0xA0, 0x86, 0x01, 0x00, 0x60, 0x79, 0xFE, 0xFF, 0x00, 0x00, 0x00, 0x80};
  const Record r = read_packed(scratch_dir(), "f32", "f32 1 1000 3", {"32 100000 32 0 0 0 0 V5"}, bytes);
  expect_values(r.leads[0], {100000, -100000, NaN}, 100000.0);
}

TEST(WfdbFormats, Format310) {
  // (100, -100, 511) in two words 0xF8C8, 0x7F38; then -512 (invalid) alone in one word.
  const std::vector<std::uint8_t> bytes = {0xC8, 0xF8, 0x38, 0x7F, 0x00, 0x04};
  const Record r = read_packed(scratch_dir(), "f310", "f310 1 500 4", {"310 100 10 0 0 0 0 V6"}, bytes);
  expect_values(r.leads[0], {100, -100, 511, NaN}, 100.0);
}

TEST(WfdbFormats, Format311) {
  // (100, -100, 511) in the word 0x1FFE7064; then (-512, 1) in three bytes of 0x00000600.
  const std::vector<std::uint8_t> bytes = {0x64, 0x70, 0xFE, 0x1F, 0x00, 0x06, 0x00};
  const Record r = read_packed(scratch_dir(), "f311", "f311 1 500 5", {"311 100 10 0 0 0 0 aVF"}, bytes);
  expect_values(r.leads[0], {100, -100, 511, NaN, 1}, 100.0);
}

TEST(WfdbFormats, Format8FirstDifferences) {
  // Initial value 10; differences +5, -3, 0, -128.
  const std::vector<std::uint8_t> bytes = {0x05, 0xFD, 0x00, 0x80};
  const Record r = read_packed(scratch_dir(), "f8", "f8 1 500 4", {"8 10 8 0 10 0 0 aVL"}, bytes);
  expect_values(r.leads[0], {15, 12, 12, -116}, 10.0);
}

TEST(WfdbFormats, SampleCountFromFileSizeForPackedFormats) {
  // No sample count in the header: 11 bytes of 212 hold 7 samples.
  const std::vector<std::uint8_t> bytes = {0x64, 0xF0, 0x38, 0xFF, 0x87, 0x01, 0x00, 0x08, 0x00, 0x01, 0x00};
  const Record r = read_packed(scratch_dir(), "c212", "c212 1 250", {"212 200 12 0 100 0 0 MLII"}, bytes);
  EXPECT_EQ(r.num_samples(), 7u);
}
