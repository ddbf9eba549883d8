// Reading WFDB records: the PTB-XL test records (checked against their raw
// bytes, decoded here independently) and the header features of the spec.
#include <algorithm>
#include <cmath>
#include <sstream>

#include "io/io_test_util.hpp"

using namespace ecgdig;
using namespace io_test;

namespace {

std::vector<fs::path> ptbxl_headers() {
  std::vector<fs::path> out;
  for (const auto &e : fs::directory_iterator(data_dir()))
    if (e.path().extension() == ".hea") out.push_back(e.path());
  std::sort(out.begin(), out.end());
  return out;
}

/// Fields of a signal line of the PTB-XL headers (all: 16 1000.0(0)/mV 16 0 init checksum 0 name).
struct SignalLine {
  long init = 0;
  long checksum = 0;
  std::string name;
};

std::vector<SignalLine> signal_lines(const fs::path &hea) {
  std::istringstream in(read_text(hea));
  std::string line;
  std::getline(in, line);  // record line
  std::vector<SignalLine> out;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream f(line);
    std::string file, fmt, gain, res, zero;
    SignalLine s;
    f >> file >> fmt >> gain >> res >> zero >> s.init >> s.checksum;
    std::string blocksize;
    f >> blocksize >> s.name;
    EXPECT_EQ(fmt, "16");
    EXPECT_EQ(gain, "1000.0(0)/mV");
    out.push_back(s);
  }
  return out;
}

}  // namespace

TEST(WfdbRead, EveryPtbxlRecordHasTwelveStandardLeads) {
  const auto headers = ptbxl_headers();
  ASSERT_EQ(headers.size(), 12u) << "tests/data/ptbxl should hold 12 records";
  for (const auto &hea : headers) {
    SCOPED_TRACE(hea.string());
    const bool low_rate = hea.stem().string().find("_lr") != std::string::npos;
    const Record r = read_wfdb(hea);
    EXPECT_EQ(r.name, hea.stem().string());
    EXPECT_EQ(r.fs_hz, low_rate ? 100.0 : 500.0);
    ASSERT_EQ(r.leads.size(), 12u);
    EXPECT_EQ(r.num_samples(), low_rate ? 1000u : 5000u);
    for (std::size_t i = 0; i < 12; ++i) {
      EXPECT_EQ(standard_lead_index(r.leads[i].name), static_cast<int>(i)) << r.leads[i].name;
      EXPECT_EQ(r.leads[i].mv.size(), r.num_samples());
    }

    // Every sample against the raw little-endian int16 frames of the .dat file.
    fs::path dat = hea;
    dat.replace_extension(".dat");
    const auto bytes = read_bytes(dat);
    ASSERT_EQ(bytes.size(), 2u * 12u * r.num_samples());
    const auto lines = signal_lines(hea);
    ASSERT_EQ(lines.size(), 12u);
    std::vector<long> sums(12, 0);
    long mismatches = 0;
    for (std::size_t k = 0; k < r.num_samples(); ++k) {
      for (std::size_t s = 0; s < 12; ++s) {
        const std::size_t at = 2 * (12 * k + s);
        const auto raw = static_cast<std::int16_t>(bytes[at] | (bytes[at + 1] << 8));
        sums[s] += raw;
        if (k == 0) EXPECT_EQ(raw, lines[s].init) << "init value of " << lines[s].name;
        ASSERT_FALSE(std::isnan(r.leads[s].mv[k]));
        if (uv(r.leads[s].mv[k]) != raw || std::fabs(r.leads[s].mv[k] - raw / 1000.0) > 1e-6) ++mismatches;
      }
    }
    EXPECT_EQ(mismatches, 0);
    // The header checksums (written unsigned by these files) match the data.
    for (std::size_t s = 0; s < 12; ++s) {
      EXPECT_EQ(((sums[s] % 65536) + 65536) % 65536, ((lines[s].checksum % 65536) + 65536) % 65536);
      EXPECT_EQ(r.leads[s].name, lines[s].name);
    }
  }
}

TEST(WfdbRead, SpotValuesOf00841) {
  // Frame 0 and frame 2500 decoded by hand from the first bytes of the file.
  const Record r = read_wfdb(data_dir() / "00841_hr");
  const auto bytes = read_bytes(data_dir() / "00841_hr.dat");
  auto raw = [&](std::size_t frame, std::size_t sig) {
    const std::size_t at = 2 * (12 * frame + sig);
    return static_cast<std::int16_t>(bytes[at] | (bytes[at + 1] << 8));
  };
  EXPECT_EQ(raw(0, 0), -60);  // header init value of lead I
  EXPECT_FLOAT_EQ(r.leads[0].mv[0], -0.060f);
  EXPECT_FLOAT_EQ(r.leads[1].mv[0], -0.090f);
  EXPECT_FLOAT_EQ(r.leads[3].mv[0], 0.075f);
  for (std::size_t s = 0; s < 12; ++s) EXPECT_FLOAT_EQ(r.leads[s].mv[2500], raw(2500, s) / 1000.0f);
  EXPECT_FLOAT_EQ(r.leads[11].mv[4999], raw(4999, 11) / 1000.0f);
}

TEST(WfdbRead, UpperCaseLeadNamesOfThe100HzRecord) {
  const Record r = read_wfdb(data_dir() / "00001_lr.hea");
  EXPECT_EQ(r.leads[3].name, "AVR");
  EXPECT_EQ(r.leads[4].name, "AVL");
  EXPECT_EQ(r.leads[5].name, "AVF");
  ASSERT_NE(r.find("aVR"), nullptr);
  EXPECT_FLOAT_EQ(r.leads[0].mv[0], -0.119f);
}

TEST(WfdbRead, AcceptsBaseNameHeaOrDat) {
  const Record a = read_wfdb(data_dir() / "10504_hr");
  const Record b = read_wfdb(data_dir() / "10504_hr.hea");
  const Record c = read_wfdb(data_dir() / "10504_hr.dat");
  const Record d = read_record(data_dir() / "10504_hr.dat");
  ASSERT_EQ(a.num_samples(), 5000u);
  for (std::size_t s = 0; s < 12; ++s) {
    EXPECT_EQ(a.leads[s].mv, b.leads[s].mv);
    EXPECT_EQ(a.leads[s].mv, c.leads[s].mv);
    EXPECT_EQ(a.leads[s].mv, d.leads[s].mv);
  }
}

TEST(WfdbRead, DefaultGainBaselineAndUnits) {
  const fs::path dir = scratch_dir();
  // Three signals, format 16: values 1000, -400, 250 in every frame.
  std::vector<std::uint8_t> dat;
  for (int k = 0; k < 4; ++k)
    for (std::int16_t v : {std::int16_t(1000), std::int16_t(-400), std::int16_t(250)}) {
      dat.push_back(static_cast<std::uint8_t>(v & 0xFF));
      dat.push_back(static_cast<std::uint8_t>((v >> 8) & 0xFF));
    }
  write_bytes(dir / "g.dat", dat);
  write_text(dir / "g.hea",
             "# leading comment\r\n"
             "g 3 360 4 10:00:00 01/01/2000\r\n"
             "g.dat 16 0 12 0 1000 0 0 gain zero\r\n"      // gain 0 means 200/mV
             "g.dat 16 100/mV 12 -100 -400 0 0 with zero\r\n"  // baseline defaults to adczero
             "g.dat 16 1000(50)/uV 16 0 250 0 0 microvolts\r\n"
             "# Labels: none\r\n");
  const Record r = read_wfdb(dir / "g");
  EXPECT_EQ(r.name, "g");
  EXPECT_EQ(r.fs_hz, 360.0);
  ASSERT_EQ(r.leads.size(), 3u);
  EXPECT_EQ(r.leads[0].name, "gain zero");
  EXPECT_EQ(r.leads[1].name, "with zero");
  EXPECT_FLOAT_EQ(r.leads[0].mv[2], 1000.0f / 200.0f);
  EXPECT_FLOAT_EQ(r.leads[1].mv[2], (-400.0f + 100.0f) / 100.0f);
  EXPECT_FLOAT_EQ(r.leads[2].mv[2], (250.0f - 50.0f) / 1000.0f / 1000.0f);

  // Missing fields after the format: gain 200, baseline 0, mV; volts scale up.
  write_text(dir / "h.hea", "h 2 500\nh.dat 16\nh.dat 16 2/V\n");
  std::vector<std::uint8_t> two = {0xE8, 0x03, 0x02, 0x00};  // 1000, 2
  write_bytes(dir / "h.dat", two);
  const Record h = read_wfdb(dir / "h.hea");
  ASSERT_EQ(h.num_samples(), 1u);  // no sample count: read to the end of the file
  EXPECT_EQ(h.leads[0].name, "signal 0");
  EXPECT_FLOAT_EQ(h.leads[0].mv[0], 5.0f);
  EXPECT_FLOAT_EQ(h.leads[1].mv[0], 1000.0f);
}

TEST(WfdbRead, SeveralSignalFilesOffsetsAndSkew) {
  const fs::path dir = scratch_dir();
  // a.dat: two format-16 signals after a 6-byte prefix; b.dat: one format-80 signal.
  std::vector<std::uint8_t> a = {'J', 'U', 'N', 'K', '!', '!'};
  for (int k = 0; k < 5; ++k) {
    const std::int16_t x = static_cast<std::int16_t>(100 * k), y = static_cast<std::int16_t>(-7 * k);
    a.push_back(static_cast<std::uint8_t>(x & 0xFF));
    a.push_back(static_cast<std::uint8_t>((x >> 8) & 0xFF));
    a.push_back(static_cast<std::uint8_t>(y & 0xFF));
    a.push_back(static_cast<std::uint8_t>((y >> 8) & 0xFF));
  }
  write_bytes(dir / "a.dat", a);
  write_bytes(dir / "b.dat", {128 + 0, 128 + 1, 128 + 2, 128 + 3, 128 + 4});
  write_text(dir / "m.hea",
             "m 3 100 5\n"
             "a.dat 16+6 1000 16 0 0 0 0 X\n"
             "a.dat 16:1+6 1000 16 0 0 0 0 Y\n"
             "b.dat 80 10 8 0 0 0 0 Z\n");
  const Record r = read_wfdb(dir / "m");
  ASSERT_EQ(r.leads.size(), 3u);
  ASSERT_EQ(r.num_samples(), 5u);
  for (int k = 0; k < 5; ++k) {
    EXPECT_FLOAT_EQ(r.leads[0].mv[k], 0.1f * k);
    EXPECT_FLOAT_EQ(r.leads[2].mv[k], 0.1f * k);
  }
  // Skew 1: sample i of Y comes from frame i + 1; the last one is beyond the data.
  for (int k = 0; k < 4; ++k) EXPECT_FLOAT_EQ(r.leads[1].mv[k], -0.007f * (k + 1));
  EXPECT_TRUE(std::isnan(r.leads[1].mv[4]));
}

TEST(WfdbRead, InvalidSamplesBecomeNaN) {
  const fs::path dir = scratch_dir();
  write_bytes(dir / "n.dat", {0x00, 0x80, 0x01, 0x00, 0xFF, 0x7F});  // -32768, 1, 32767
  write_text(dir / "n.hea", "n 1 500 3\nn.dat 16 1000/mV 16 0 -32768 0 0 II\n");
  const Record r = read_wfdb(dir / "n.hea");
  EXPECT_TRUE(std::isnan(r.leads[0].mv[0]));
  EXPECT_FLOAT_EQ(r.leads[0].mv[1], 0.001f);
  EXPECT_FLOAT_EQ(r.leads[0].mv[2], 32.767f);
}

TEST(WfdbRead, ExtraSignalFileBytesAreIgnored) {
  const fs::path dir = scratch_dir();
  write_bytes(dir / "e.dat", {0x01, 0x00, 0x02, 0x00, 0x03, 0x00, 0x04});
  write_text(dir / "e.hea", "e 1 500 2\ne.dat 16 1000/mV 16 0 1 3 0 I\n");
  const Record r = read_wfdb(dir / "e");
  ASSERT_EQ(r.num_samples(), 2u);
  EXPECT_FLOAT_EQ(r.leads[0].mv[1], 0.002f);
}
