// Writing WFDB records: format 16, 1 µV per ADC unit, units mV.
#include <cctype>
#include <cmath>
#include <cstdint>
#include <vector>

#include <fmt/format.h>

#include "ecgdig/io.hpp"
#include "io/io_internal.hpp"

namespace ecgdig {
inline namespace v1 {
namespace io_detail {
namespace {

constexpr double kAdcPerMv = 1000.0;  // 1 µV resolution
constexpr std::int32_t kInvalid = -32768;

std::int16_t to_adc(float mv) {
  if (std::isnan(mv)) return static_cast<std::int16_t>(kInvalid);
  const double v = std::nearbyint(static_cast<double>(mv) * kAdcPerMv);
  // -32768 is WFDB's "invalid sample"; valid values stop one above it.
  if (!(v > -32767.0)) return -32767;
  if (v > 32767.0) return 32767;
  return static_cast<std::int16_t>(v);
}

bool valid_record_name(const std::string &name) {
  if (name.empty()) return false;
  for (unsigned char c : name)
    if (!(std::isalnum(c) || c == '_' || c == '-' || c == '.')) return false;
  return true;
}

}  // namespace
}  // namespace io_detail

void write_wfdb(const Record &record, const std::filesystem::path &base) {
  using namespace io_detail;
  if (base.empty()) throw Error(ErrorCode::InvalidArgument, "write_wfdb: empty path");
  const std::string name = base.filename().u8string();
  if (!valid_record_name(name))
    fail(ErrorCode::InvalidArgument, base,
         fmt::format("'{}' is not a usable WFDB record name (letters, digits, '_', '-', '.')", name));
  try {
    record.validate();
  } catch (const Error &e) {
    fail(ErrorCode::InvalidArgument, base, e.what());
  }
  const std::size_t nsig = record.leads.size();
  const std::size_t n = record.num_samples();
  if (nsig == 0 || nsig > 1000)
    fail(ErrorCode::InvalidArgument, base, fmt::format("a WFDB record needs 1 to 1000 leads, not {}", nsig));
  if (n == 0) fail(ErrorCode::InvalidArgument, base, "a WFDB record needs at least one sample");
  for (const Lead &lead : record.leads)
    for (unsigned char c : lead.name)
      if (c < 0x20 || c == 0x7F)
        fail(ErrorCode::InvalidArgument, base,
             fmt::format("lead name '{}' holds a control character", lead.name));

  std::string dat(2 * n * nsig, '\0');
  std::vector<std::int32_t> sums(nsig, 0), first(nsig, 0);
  for (std::size_t i = 0; i < n; ++i) {
    for (std::size_t s = 0; s < nsig; ++s) {
      const std::int16_t v = to_adc(record.leads[s].mv[i]);
      if (i == 0) first[s] = v;
      sums[s] = (sums[s] + v) & 0xFFFF;
      const auto u = static_cast<std::uint16_t>(v);
      dat[2 * (i * nsig + s)] = static_cast<char>(u & 0xFF);
      dat[2 * (i * nsig + s) + 1] = static_cast<char>(u >> 8);
    }
  }

  const std::string dat_name = name + ".dat";
  std::string hea = fmt::format("{} {} {} {}\n", name, nsig, record.fs_hz, n);
  for (std::size_t s = 0; s < nsig; ++s) {
    // The checksum is the sum of the samples modulo 65536, written as a signed
    // 16-bit number as the WFDB library does.
    const int checksum = sums[s] >= 32768 ? sums[s] - 65536 : sums[s];
    hea += fmt::format("{} 16 1000.0(0)/mV 16 0 {} {} 0 {}\n", dat_name, first[s], checksum,
                       record.leads[s].name);
  }

  fs::path dat_path = base;
  dat_path += ".dat";
  fs::path hea_path = base;
  hea_path += ".hea";
  write_file(dat_path, dat, "WFDB signal file");
  write_file(hea_path, hea, "WFDB header");
}

}  // namespace v1
}  // namespace ecgdig
