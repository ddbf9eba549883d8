#pragma once
// WFDB header model, header parser and sample-format codecs (not installed).

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace ecgdig {
inline namespace v1 {
namespace io_detail {

/// One signal line of a WFDB header.
struct WfdbSignal {
  std::string file;           ///< file name, relative to the header's folder
  int format = 0;             ///< 16, 212, 80, ...
  long long samples_per_frame = 1;
  long long skew = 0;
  long long byte_offset = 0;
  double gain = 200.0;        ///< ADC units per physical unit; 0 in the file means 200
  double baseline = 0.0;      ///< ADC value of 0 physical units; defaults to adc_zero
  std::string units = "mV";
  long long adc_resolution = 0;
  long long adc_zero = 0;
  std::optional<long long> initial_value;
  std::optional<long long> checksum;
  long long block_size = 0;
  std::string description;    ///< the lead name
};

/// A parsed WFDB header (single-segment records only).
struct WfdbHeader {
  std::string record_name;
  double fs_hz = 250.0;
  std::optional<long long> num_samples;  ///< absent (or 0 in the file): read to the end of the data
  std::vector<WfdbSignal> signals;
};

/// Parses header text; throws Error(Format) (or Unsupported for multi-segment
/// records) with `path` in the message.
WfdbHeader parse_wfdb_header(const std::string &text, const std::filesystem::path &path);

/// Whether this build decodes the format.
bool wfdb_format_supported(int format);
/// Bytes that hold `n` consecutive samples in `format`.
std::uint64_t wfdb_bytes_for_samples(int format, std::uint64_t n);
/// Complete samples held by `bytes` bytes in `format`.
std::uint64_t wfdb_samples_in_bytes(int format, std::uint64_t bytes);
/// Decodes `n` samples of a file's interleaved sample stream (frame by frame,
/// `signals_per_frame` per frame); `bytes` must hold at least
/// wfdb_bytes_for_samples(format, n). Format 8 (first differences) starts from
/// `initial_values` (one per signal of the frame).
void wfdb_decode(int format, const unsigned char *bytes, std::size_t size, std::size_t n,
                 std::size_t signals_per_frame, const std::vector<long long> &initial_values,
                 std::vector<std::int32_t> &out);
/// The raw value WFDB uses for an invalid sample in this format, if it has one.
std::optional<std::int32_t> wfdb_invalid_value(int format);

}  // namespace io_detail
}  // namespace v1
}  // namespace ecgdig
