// Every malformed or missing input gives an ecgdig::Error naming the file;
// nothing crashes and no header number drives an allocation unchecked.
#include <cmath>
#include <limits>

#include "io/io_test_util.hpp"

using namespace ecgdig;
using namespace io_test;

namespace {

/// A valid 1-signal format-16 record of `n` samples, with header `hea_text`.
fs::path make_wfdb(const fs::path &dir, const std::string &name, const std::string &hea_text, std::size_t dat_bytes) {
  write_text(dir / (name + ".hea"), hea_text);
  write_bytes(dir / (name + ".dat"), std::vector<std::uint8_t>(dat_bytes, 0x01));
  return dir / (name + ".hea");
}

}  // namespace

TEST(BadInput, MissingPathsAndDirectories) {
  const fs::path dir = scratch_dir();
  const fs::path missing = dir / "nope";
  expect_error([&] { read_wfdb(missing); }, ErrorCode::Io, "nope.hea", "does not exist");
  expect_error([&] { read_wfdb(dir / "nope.dat"); }, ErrorCode::Io, "nope.hea");
  expect_error([&] { read_csv(dir / "nope.csv"); }, ErrorCode::Io, "nope.csv", "does not exist");
  expect_error([&] { read_json(dir / "nope.json"); }, ErrorCode::Io, "nope.json");
  expect_error([&] { read_record(dir / "nope.json"); }, ErrorCode::Io, "nope.json");

  fs::create_directories(dir / "folder.csv");
  fs::create_directories(dir / "rec.hea");
  expect_error([&] { read_wfdb(dir); }, ErrorCode::Io, dir.filename().string(), "directory");
  expect_error([&] { read_wfdb(dir / "rec"); }, ErrorCode::Io, "rec.hea", "directory");
  expect_error([&] { read_csv(dir / "folder.csv"); }, ErrorCode::Io, "folder.csv", "directory");
  expect_error([&] { read_json(dir / "folder.csv"); }, ErrorCode::Io, "folder.csv", "directory");
  expect_error([&] { read_wfdb(""); }, ErrorCode::InvalidArgument, "empty path");

  // Header present, signal file missing.
  write_text(dir / "nodat.hea", "nodat 1 500 10\nnodat.dat 16 1000 16 0 0 0 0 I\n");
  expect_error([&] { read_wfdb(dir / "nodat"); }, ErrorCode::Io, "nodat.dat", "does not exist");
}

TEST(BadInput, EmptyFiles) {
  const fs::path dir = scratch_dir();
  write_text(dir / "e.hea", "");
  expect_error([&] { read_wfdb(dir / "e"); }, ErrorCode::Format, "e.hea", "empty");
  write_text(dir / "c.hea", "# only a comment\n\n");
  expect_error([&] { read_wfdb(dir / "c"); }, ErrorCode::Format, "c.hea", "no record line");
  make_wfdb(dir, "d", "d 1 500 10\nd.dat 16 1000 16 0 0 0 0 I\n", 0);
  expect_error([&] { read_wfdb(dir / "d"); }, ErrorCode::Format, "d.dat", "empty");
  write_text(dir / "e.csv", "");
  expect_error([&] { read_csv(dir / "e.csv"); }, ErrorCode::Format, "e.csv", "empty");
  write_text(dir / "e.json", "");
  expect_error([&] { read_json(dir / "e.json"); }, ErrorCode::Format, "e.json", "empty");
}

TEST(BadInput, MalformedWfdbHeaders) {
  const fs::path dir = scratch_dir();
  struct Case {
    std::string header;
    ErrorCode code;
    const char *needle;
  };
  const std::vector<Case> cases = {
      {"r\n", ErrorCode::Format, "number of signals"},
      {"r x 500 10\n", ErrorCode::Format, "'x' is not an integer"},
      {"r 12x 500 10\n", ErrorCode::Format, "'12x'"},
      {"r 0 500 10\n", ErrorCode::Format, "outside 1..1000"},
      {"r 1001 500 10\n", ErrorCode::Format, "outside 1..1000"},
      {"r -3 500 10\n", ErrorCode::Format, "outside 1..1000"},
      {"r 1 fast 10\nr.dat 16\n", ErrorCode::Format, "sampling frequency 'fast'"},
      {"r 1 -500 10\nr.dat 16\n", ErrorCode::Format, "not positive"},
      {"r 1 nan 10\nr.dat 16\n", ErrorCode::Format, "sampling frequency"},
      {"r 1 500/x 10\nr.dat 16\n", ErrorCode::Format, "counter frequency"},
      {"r 1 500 -10\nr.dat 16\n", ErrorCode::Format, "negative"},
      {"r 1 500 1e3\nr.dat 16\n", ErrorCode::Format, "number of samples '1e3'"},
      {"r 1 500 99999999999999999999999\nr.dat 16\n", ErrorCode::Format, "number of samples"},
      {"r 2 500 10\nr.dat 16 1000 16 0 0 0 0 I\n", ErrorCode::Format, "declares 2 signals but 1"},
      {"r 1 500 10\nr.dat\n", ErrorCode::Format, "file name and a format"},
      {"r 1 500 10\nr.dat sixteen\n", ErrorCode::Format, "format 'sixteen'"},
      {"r 1 500 10\nr.dat 17\n", ErrorCode::Format, "unknown WFDB format 17"},
      {"r 1 500 10\nr.dat 16y2\n", ErrorCode::Format, "format field '16y2'"},
      {"r 1 500 10\nr.dat 16x\n", ErrorCode::Format, "samples per frame"},
      {"r 1 500 10\nr.dat 16 abc/mV\n", ErrorCode::Format, "ADC gain 'abc'"},
      {"r 1 500 10\nr.dat 16 1000(0/mV\n", ErrorCode::Format, "unclosed baseline"},
      {"r 1 500 10\nr.dat 16 1000(z)/mV\n", ErrorCode::Format, "baseline 'z'"},
      {"r 1 500 10\nr.dat 16 1000/\n", ErrorCode::Format, "gain field"},
      {"r 1 500 10\nr.dat 16 1000 16.5\n", ErrorCode::Format, "ADC resolution '16.5'"},
      {"r 1 500 10\nr.dat 16 1000 16 0 x\n", ErrorCode::Format, "initial value 'x'"},
      {"r 1 500 10\nr.dat 16 1000 16 0 0 sum\n", ErrorCode::Format, "checksum 'sum'"},
      {"r 1 500 10\nr.dat 16 1000 16 0 0 0 big I\n", ErrorCode::Format, "block size 'big'"},
      {"r/3 1 500 10\nr.dat 16\n", ErrorCode::Unsupported, "multi-segment"},
      {"r 1 500 10\nr.dat 516\n", ErrorCode::Unsupported, "format 516"},
      {"r 1 500 10\nr.dat 0\n", ErrorCode::Unsupported, "format 0"},
      {"r 1 500 10\nr.dat 16x2\n", ErrorCode::Unsupported, "samples per frame"},
      {"r 1 500 10\nr.dat 16 1000/mmHg 16 0 0 0 0 ABP\n", ErrorCode::Unsupported, "mmHg"},
      {"r 1 500 10\n- 16\n", ErrorCode::Unsupported, "standard input"},
      {"r 2 500 10\nr.dat 16\nr.dat 212\n", ErrorCode::Format, "formats 16 and 212"},
      {"r 3 500 1\nr.dat 16\nq.dat 16\nr.dat 16\n", ErrorCode::Format, "consecutive"},
      {"r 2 500 2\nr.dat 16 1000 16 0 0 0 0 II\nr.dat 16 1000 16 0 0 0 0 ii\n", ErrorCode::Format, "appears twice"},
      {std::string("r 1 500 10\nr.dat 16\0", 20), ErrorCode::Format, "NUL byte"},
  };
  int i = 0;
  for (const Case &c : cases) {
    SCOPED_TRACE(c.header);
    const std::string name = "h" + std::to_string(i++);
    std::string text = c.header;
    // Point the signal lines at this case's own files.
    auto replace_all = [&text](const std::string &from, const std::string &to) {
      for (std::size_t at = 0; (at = text.find(from, at)) != std::string::npos; at += to.size())
        text.replace(at, from.size(), to);
    };
    replace_all("r.dat", name + ".dat");
    replace_all("q.dat", name + "q.dat");
    make_wfdb(dir, name, text, 64);
    write_bytes(dir / (name + "q.dat"), std::vector<std::uint8_t>(64, 0));
    expect_error([&] { read_wfdb(dir / name); }, c.code, name + ".hea", c.needle);
  }
}

TEST(BadInput, HeaderNumbersAreCheckedAgainstTheFileSize) {
  const fs::path dir = scratch_dir();
  // 1e15 samples declared, 20 bytes present: an error, no allocation of that size.
  make_wfdb(dir, "huge", "huge 1 500 1000000000000000\nhuge.dat 16 1000 16 0 0 0 0 I\n", 20);
  expect_error([&] { read_wfdb(dir / "huge"); }, ErrorCode::Format, "huge.dat", "truncated");
  make_wfdb(dir, "max", "max 1 500 9223372036854775807\nmax.dat 212 1000 16 0 0 0 0 I\n", 20);
  expect_error([&] { read_wfdb(dir / "max"); }, ErrorCode::Format, "max.dat", "truncated");
  // Truncated by one byte: 12 signals x 10 samples x 2 bytes = 240 needed.
  std::string hea = "t 12 500 10\n";
  for (int s = 0; s < 12; ++s) hea += "t.dat 16 1000 16 0 0 0 0 L" + std::to_string(s) + "\n";
  make_wfdb(dir, "t", hea, 239);
  expect_error([&] { read_wfdb(dir / "t"); }, ErrorCode::Format, "t.dat", "truncated");
  make_wfdb(dir, "t", hea, 240);
  EXPECT_EQ(read_wfdb(dir / "t").num_samples(), 10u);
  // A 212 file one byte short of its last sample pair; an offset beyond the end.
  make_wfdb(dir, "p", "p 1 500 4\np.dat 212\n", 5);
  expect_error([&] { read_wfdb(dir / "p"); }, ErrorCode::Format, "p.dat", "truncated");
  make_wfdb(dir, "o", "o 1 500 1\no.dat 16+100\n", 64);
  expect_error([&] { read_wfdb(dir / "o"); }, ErrorCode::Format, "o.dat", "truncated");
  // No sample count and less than one frame in the file.
  make_wfdb(dir, "f", "f 3 500\nf.dat 16\nf.dat 16\nf.dat 16\n", 5);
  expect_error([&] { read_wfdb(dir / "f"); }, ErrorCode::Format, "f.dat", "no complete frame");
  // Skew far beyond the data only yields NaN.
  make_wfdb(dir, "s", "s 1 500 2\ns.dat 16:900000000\n", 4);
  const Record r = read_wfdb(dir / "s");
  EXPECT_TRUE(std::isnan(r.leads[0].mv[0]));
}

TEST(BadInput, NotAHeaderAtAll) {
  const fs::path dir = scratch_dir();
  // A binary .dat given as the header (renamed), and random bytes.
  fs::copy_file(data_dir() / "00841_hr.dat", dir / "bin.hea");
  expect_error([&] { read_wfdb(dir / "bin"); }, ErrorCode::Format, "bin.hea");
  std::vector<std::uint8_t> junk;
  for (int i = 0; i < 4096; ++i) junk.push_back(static_cast<std::uint8_t>((i * 7919) ^ (i >> 3)));
  write_bytes(dir / "junk.hea", junk);
  expect_error([&] { read_wfdb(dir / "junk"); }, ErrorCode::Format, "junk.hea");
}

TEST(BadInput, MalformedCsv) {
  const fs::path dir = scratch_dir();
  struct Case {
    const char *text;
    const char *needle;
  };
  const Case cases[] = {
      {"\n1,2\n", "no header row"},
      {"I,II\n", "no samples"},
      {"time_s\n0\n", "names no leads"},
      {"I,,III\n1,2,3\n", "column 2 has no lead name"},
      {"I,II\n1,2\n3\n", "line 3 has 1 cells but the header has 2"},
      {"I,II\n1,2\n3,4,5\n", "ragged"},
      {"I,II\n1,2\n\n3,4\n", "line 3 has 1 cells"},
      {"I,II\n1,abc\n", "line 2, column 'II': 'abc' is not a number"},
      {"I,II\n1,2x\n", "'2x'"},
      {"I,II\n1,1e99\n", "'1e99'"},
      {"I,II\n1,0x10\n", "'0x10'"},
      {"\"I,II\n1,2\n", "unbalanced quotes"},
      {"I,II\n\"1\"x,2\n", "line 2: unbalanced quotes"},
      {"I,i\n1,2\n", "appears twice"},
      {"time_s,I\n0,1\nlater,2\n", "time_s 'later'"},
      {"time_s,I\n0,1\n0,2\n", "does not increase"},
      {"time_s,I\n0,1\n0.002,2\n0.009,3\n0.010,4\n", "off the uniform"},
  };
  int i = 0;
  for (const Case &c : cases) {
    SCOPED_TRACE(c.text);
    const fs::path p = dir / ("bad" + std::to_string(i++) + ".csv");
    write_text(p, c.text);
    expect_error([&] { read_csv(p); }, ErrorCode::Format, p.filename().string(), c.needle);
  }
  write_text(dir / "ok.csv", "I\n1\n");
  expect_error([&] { read_csv(dir / "ok.csv", 0.0); }, ErrorCode::InvalidArgument, "ok.csv", "not positive");
  expect_error([&] { read_csv(dir / "ok.csv", std::nan("")); }, ErrorCode::InvalidArgument, "ok.csv");
}

TEST(BadInput, MalformedJson) {
  const fs::path dir = scratch_dir();
  struct Case {
    std::string text;
    const char *needle;
  };
  std::vector<Case> cases = {
      {"{", "not valid JSON"},
      {"{\"fs_hz\": 500, \"leads\": []} trailing", "not valid JSON"},
      {"[1, 2]", "top level is array"},
      {"{\"leads\": [{\"name\": \"I\", \"mv\": [1]}]}", "\"fs_hz\" is missing"},
      {"{\"fs_hz\": \"500\", \"leads\": []}", "\"fs_hz\" is string"},
      {"{\"fs_hz\": -1, \"leads\": [{\"name\": \"I\", \"mv\": [1]}]}", "not positive"},
      {"{\"fs_hz\": 500}", "\"leads\" is missing"},
      {"{\"fs_hz\": 500, \"leads\": {}}", "\"leads\" is object"},
      {"{\"fs_hz\": 500, \"leads\": []}", "\"leads\" is empty"},
      {"{\"fs_hz\": 500, \"leads\": [3]}", "leads[0] is number"},
      {"{\"fs_hz\": 500, \"leads\": [{\"mv\": [1]}]}", "leads[0] has no string \"name\""},
      {"{\"fs_hz\": 500, \"leads\": [{\"name\": 1, \"mv\": [1]}]}", "no string \"name\""},
      {"{\"fs_hz\": 500, \"leads\": [{\"name\": \"I\"}]}", "no array \"mv\""},
      {"{\"fs_hz\": 500, \"leads\": [{\"name\": \"I\", \"mv\": [1, \"2\"]}]}", "leads[0].mv[1] is string"},
      {"{\"fs_hz\": 500, \"leads\": [{\"name\": \"I\", \"mv\": [1, true]}]}", "leads[0].mv[1] is boolean"},
      {"{\"fs_hz\": 500, \"leads\": [{\"name\": \"I\", \"mv\": [1e300]}]}", "out of range"},
      {"{\"name\": 5, \"fs_hz\": 500, \"leads\": [{\"name\": \"I\", \"mv\": [1]}]}", "\"name\" is number"},
      {"{\"fs_hz\": 500, \"leads\": [{\"name\": \"I\", \"mv\": [1]}, {\"name\": \"II\", \"mv\": [1, 2]}]}",
       "lead 'II' has 2 samples"},
      {"{\"fs_hz\": 500, \"leads\": [{\"name\": \"\", \"mv\": [1]}]}", "no name"},
      {std::string(100000, '[') + std::string(100000, ']'), "deeper than"},
  };
  int i = 0;
  for (const Case &c : cases) {
    SCOPED_TRACE(c.text.substr(0, 80));
    const fs::path p = dir / ("bad" + std::to_string(i++) + ".json");
    write_text(p, c.text);
    expect_error([&] { read_json(p); }, ErrorCode::Format, p.filename().string(), c.needle);
  }
}

TEST(BadInput, WritersRejectBadRecordsAndPaths) {
  const fs::path dir = scratch_dir();
  Record ok = make_record(2, 5);
  Record ragged = ok;
  ragged.leads[1].mv.pop_back();
  expect_error([&] { write_wfdb(ragged, dir / "rag"); }, ErrorCode::InvalidArgument, "rag", "samples");
  expect_error([&] { write_csv(ragged, dir / "rag.csv"); }, ErrorCode::InvalidArgument, "rag.csv");
  expect_error([&] { write_json(ragged, dir / "rag.json"); }, ErrorCode::InvalidArgument, "rag.json");

  Record empty = ok;
  empty.leads.clear();
  expect_error([&] { write_wfdb(empty, dir / "none"); }, ErrorCode::InvalidArgument, "none", "1 to 1000 leads");
  Record no_samples = ok;
  for (auto &l : no_samples.leads) l.mv.clear();
  expect_error([&] { write_wfdb(no_samples, dir / "zero"); }, ErrorCode::InvalidArgument, "zero", "one sample");
  Record bad_rate = ok;
  bad_rate.fs_hz = 0;
  expect_error([&] { write_wfdb(bad_rate, dir / "rate"); }, ErrorCode::InvalidArgument, "rate", "not positive");
  Record newline = ok;
  newline.leads[0].name = "I\nII";
  expect_error([&] { write_wfdb(newline, dir / "nl"); }, ErrorCode::InvalidArgument, "nl", "control character");
  expect_error([&] { write_csv(newline, dir / "nl.csv"); }, ErrorCode::InvalidArgument, "nl.csv", "line break");
  Record bad_utf8 = ok;
  bad_utf8.leads[0].name = "\xFF\xFE";
  expect_error([&] { write_json(bad_utf8, dir / "u.json"); }, ErrorCode::InvalidArgument, "u.json", "UTF-8");

  expect_error([&] { write_wfdb(ok, dir / "has space"); }, ErrorCode::InvalidArgument, "has space", "record name");
  expect_error([&] { write_wfdb(ok, dir / "no_such_dir" / "r"); }, ErrorCode::Io, "no_such_dir");
  expect_error([&] { write_csv(ok, dir / "no_such_dir" / "r.csv"); }, ErrorCode::Io, "r.csv");
  expect_error([&] { write_json(ok, dir / "no_such_dir" / "r.json"); }, ErrorCode::Io, "r.json");
  fs::create_directories(dir / "taken.csv");
  expect_error([&] { write_csv(ok, dir / "taken.csv"); }, ErrorCode::Io, "taken.csv", "directory");
  expect_error([&] { write_record(ok, dir / "x.edf"); }, ErrorCode::InvalidArgument, "x.edf");
}
