// Reading WFDB records: NAME.hea plus one or more signal files.
#include <algorithm>
#include <cmath>
#include <limits>
#include <set>

#include <fmt/format.h>

#include "ecgdig/io.hpp"
#include "io/io_internal.hpp"
#include "io/wfdb_internal.hpp"

namespace ecgdig {
inline namespace v1 {
namespace io_detail {
namespace {

constexpr std::uintmax_t kMaxHeaderBytes = 16u << 20;

/// Factor from the signal's physical units to millivolts.
double units_to_mv(const WfdbSignal &s, const fs::path &hea) {
  const std::string u = s.units;
  if (u == "mV" || u == "mv" || u == "MV") return 1.0;
  if (u == "uV" || u == "uv" || u == "UV" || u == "\xC2\xB5V" || u == "\xCE\xBCV") return 1e-3;
  if (u == "nV" || u == "nv") return 1e-6;
  if (u == "V" || u == "v") return 1e3;
  fail(ErrorCode::Unsupported, hea,
       fmt::format("signal '{}' is in '{}'; only V, mV, uV and nV can be read as an ECG lead", s.description,
                   u));
}

/// Signals that share one signal file (consecutive in the header).
struct Group {
  fs::path file;
  std::size_t first = 0;  // index of its first signal
  std::size_t count = 0;
  int format = 0;
  std::uintmax_t offset = 0;
  std::uint64_t avail_frames = 0;
};

fs::path header_path_of(const fs::path &path) {
  const std::string ext = lower(path.extension().u8string());
  if (ext == ".hea") return path;
  if (ext == ".dat") {
    fs::path p = path;
    return p.replace_extension(".hea");
  }
  fs::path p = path;
  p += ".hea";
  return p;
}

}  // namespace
}  // namespace io_detail

Record read_wfdb(const std::filesystem::path &path) {
  using namespace io_detail;
  if (path.empty()) throw Error(ErrorCode::InvalidArgument, "read_wfdb: empty path");
  std::error_code ec;
  if (fs::is_directory(path, ec))
    fail(ErrorCode::Io, path, "is a directory, expected a WFDB record (NAME, NAME.hea or NAME.dat)");
  const fs::path hea = header_path_of(path);
  const std::string text = read_text_file(hea, "WFDB header", kMaxHeaderBytes);
  const WfdbHeader h = parse_wfdb_header(text, hea);

  // Group the signals by file and check each file against the header.
  std::vector<Group> groups;
  std::set<std::string> seen_files;
  for (std::size_t i = 0; i < h.signals.size(); ++i) {
    const WfdbSignal &s = h.signals[i];
    if (!groups.empty() && h.signals[groups.back().first].file == s.file) {
      Group &g = groups.back();
      if (s.format != g.format)
        fail(ErrorCode::Format, hea,
             fmt::format("signals {} and {} share '{}' but have formats {} and {}", g.first, i, s.file, g.format,
                         s.format));
      ++g.count;
      continue;
    }
    if (s.file == "-") fail(ErrorCode::Unsupported, hea, "signals on standard input ('-') are not supported");
    if (!seen_files.insert(s.file).second)
      fail(ErrorCode::Format, hea,
           fmt::format("signal {} uses '{}' again after other files; signals of one file must be consecutive", i,
                       s.file));
    Group g;
    g.file = hea.parent_path() / fs::u8path(s.file);
    g.first = i;
    g.count = 1;
    g.format = s.format;
    g.offset = static_cast<std::uintmax_t>(s.byte_offset);
    groups.push_back(g);
  }

  std::uint64_t frames = std::numeric_limits<std::uint64_t>::max();
  for (Group &g : groups) {
    const std::uintmax_t size = checked_file_size(g.file, "WFDB signal file");
    const std::uintmax_t avail_bytes = size > g.offset ? size - g.offset : 0;
    g.avail_frames = wfdb_samples_in_bytes(g.format, avail_bytes) / g.count;
    if (h.num_samples) {
      const auto want = static_cast<std::uint64_t>(*h.num_samples);
      if (want > g.avail_frames) {
        const long double need = static_cast<long double>(g.offset) +
                                 static_cast<long double>(want) * g.count *
                                     (static_cast<long double>(wfdb_bytes_for_samples(g.format, 6)) / 6.0L);
        fail(ErrorCode::Format, g.file,
             fmt::format("WFDB signal file is truncated: the header {} declares {} samples of {} signal(s) in "
                         "format {} (about {:.0f} bytes), the file has {} bytes",
                         quoted(hea), want, g.count, g.format, static_cast<double>(need), size));
      }
    } else {
      frames = std::min(frames, g.avail_frames);
    }
  }
  if (h.num_samples) frames = static_cast<std::uint64_t>(*h.num_samples);
  if (frames == 0)
    fail(ErrorCode::Format, groups.front().file, "WFDB signal file holds no complete frame of samples");

  Record record;
  record.name = h.record_name;
  record.fs_hz = h.fs_hz;
  record.leads.resize(h.signals.size());
  const float nan = std::numeric_limits<float>::quiet_NaN();
  std::vector<std::int32_t> raw;
  for (const Group &g : groups) {
    long long max_skew = 0;
    std::vector<long long> initial;
    for (std::size_t j = 0; j < g.count; ++j) {
      const WfdbSignal &s = h.signals[g.first + j];
      max_skew = std::max(max_skew, s.skew);
      initial.push_back(s.initial_value.value_or(s.adc_zero));
    }
    const std::uint64_t read_frames =
        std::min<std::uint64_t>(g.avail_frames, frames + static_cast<std::uint64_t>(max_skew));
    const std::uint64_t n = read_frames * g.count;
    const std::uint64_t nbytes = wfdb_bytes_for_samples(g.format, n);
    const std::string bytes = read_bytes(g.file, g.offset, nbytes);
    wfdb_decode(g.format, reinterpret_cast<const unsigned char *>(bytes.data()), bytes.size(),
                static_cast<std::size_t>(n), g.count, initial, raw);
    const auto invalid = wfdb_invalid_value(g.format);
    for (std::size_t j = 0; j < g.count; ++j) {
      const WfdbSignal &s = h.signals[g.first + j];
      const double scale = units_to_mv(s, hea) / s.gain;
      Lead &lead = record.leads[g.first + j];
      lead.name = s.description;
      lead.mv.assign(static_cast<std::size_t>(frames), nan);
      for (std::uint64_t i = 0; i < frames; ++i) {
        const std::uint64_t f = i + static_cast<std::uint64_t>(s.skew);
        if (f >= read_frames) break;
        const std::int32_t v = raw[static_cast<std::size_t>(f * g.count + j)];
        if (invalid && v == *invalid) continue;
        lead.mv[static_cast<std::size_t>(i)] = static_cast<float>((static_cast<double>(v) - s.baseline) * scale);
      }
    }
  }
  try {
    record.validate();
  } catch (const Error &e) {
    fail(ErrorCode::Format, hea, e.what());
  }
  return record;
}

}  // namespace v1
}  // namespace ecgdig
