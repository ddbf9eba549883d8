// Sample codecs of the WFDB signal file formats (WFDB signal(5)).
#include <cstring>

#include "io/wfdb_internal.hpp"

namespace ecgdig {
inline namespace v1 {
namespace io_detail {

bool wfdb_format_supported(int format) {
  switch (format) {
    case 8: case 16: case 24: case 32: case 61: case 80: case 160: case 212: case 310: case 311:
      return true;
    default:
      return false;
  }
}

std::uint64_t wfdb_bytes_for_samples(int format, std::uint64_t n) {
  switch (format) {
    case 8: case 80: return n;
    case 16: case 61: case 160: return 2 * n;
    case 24: return 3 * n;
    case 32: return 4 * n;
    case 212: return (3 * n + 1) / 2;
    case 310: { static const std::uint64_t tail[3] = {0, 2, 4}; return n / 3 * 4 + tail[n % 3]; }
    case 311: { static const std::uint64_t tail[3] = {0, 2, 3}; return n / 3 * 4 + tail[n % 3]; }
    default: return 0;
  }
}

std::uint64_t wfdb_samples_in_bytes(int format, std::uint64_t bytes) {
  switch (format) {
    case 8: case 80: return bytes;
    case 16: case 61: case 160: return bytes / 2;
    case 24: return bytes / 3;
    case 32: return bytes / 4;
    case 212: return bytes / 3 * 2 + (bytes % 3 >= 2 ? 1 : 0);
    case 310: return bytes / 4 * 3 + (bytes % 4 >= 2 ? 1 : 0);
    case 311: { static const std::uint64_t tail[4] = {0, 0, 1, 2}; return bytes / 4 * 3 + tail[bytes % 4]; }
    default: return 0;
  }
}

std::optional<std::int32_t> wfdb_invalid_value(int format) {
  switch (format) {
    case 16: case 61: case 160: return -32768;
    case 80: return -128;
    case 212: return -2048;
    case 24: return -8388608;
    case 32: return static_cast<std::int32_t>(-2147483647 - 1);
    case 310: case 311: return -512;
    default: return std::nullopt;  // format 8 stores differences
  }
}

namespace {

inline std::int32_t sign_extend(std::uint32_t v, int bits) {
  const std::uint32_t m = 1u << (bits - 1);
  return static_cast<std::int32_t>((v ^ m)) - static_cast<std::int32_t>(m);
}

}  // namespace

void wfdb_decode(int format, const unsigned char *b, std::size_t size, std::size_t n,
                 std::size_t signals_per_frame, const std::vector<long long> &initial_values,
                 std::vector<std::int32_t> &out) {
  out.assign(n, 0);
  if (n == 0 || wfdb_bytes_for_samples(format, n) > size) return;  // callers check sizes first
  std::int32_t *o = out.data();
  switch (format) {
    case 8: {
      std::vector<long long> prev(initial_values);
      prev.resize(signals_per_frame, 0);
      for (std::size_t k = 0; k < n; ++k) {
        long long &p = prev[k % signals_per_frame];
        p += static_cast<signed char>(b[k]);
        o[k] = static_cast<std::int32_t>(p);
      }
      break;
    }
    case 80:
      for (std::size_t k = 0; k < n; ++k) o[k] = static_cast<std::int32_t>(b[k]) - 128;
      break;
    case 16:
      for (std::size_t k = 0; k < n; ++k)
        o[k] = static_cast<std::int16_t>(static_cast<std::uint16_t>(b[2 * k] | (b[2 * k + 1] << 8)));
      break;
    case 61:
      for (std::size_t k = 0; k < n; ++k)
        o[k] = static_cast<std::int16_t>(static_cast<std::uint16_t>((b[2 * k] << 8) | b[2 * k + 1]));
      break;
    case 160:
      for (std::size_t k = 0; k < n; ++k)
        o[k] = static_cast<std::int32_t>(b[2 * k] | (b[2 * k + 1] << 8)) - 32768;
      break;
    case 24:
      for (std::size_t k = 0; k < n; ++k) {
        const unsigned char *p = b + 3 * k;
        o[k] = sign_extend(p[0] | (p[1] << 8) | (static_cast<std::uint32_t>(p[2]) << 16), 24);
      }
      break;
    case 32:
      for (std::size_t k = 0; k < n; ++k) {
        const unsigned char *p = b + 4 * k;
        const std::uint32_t u = p[0] | (p[1] << 8) | (static_cast<std::uint32_t>(p[2]) << 16) |
                                (static_cast<std::uint32_t>(p[3]) << 24);
        std::int32_t v;
        std::memcpy(&v, &u, sizeof v);
        o[k] = v;
      }
      break;
    case 212:
      // Two 12-bit samples in three bytes: the first in byte 0 and the low
      // nibble of byte 1, the second in byte 2 and the high nibble of byte 1.
      for (std::size_t k = 0; k < n; ++k) {
        const unsigned char *p = b + 3 * (k / 2);
        const std::uint32_t u = (k % 2 == 0) ? (p[0] | ((p[1] & 0x0Fu) << 8)) : (p[2] | ((p[1] & 0xF0u) << 4));
        o[k] = sign_extend(u, 12);
      }
      break;
    case 310:
      // Three 10-bit samples in two little-endian 16-bit words: the first in
      // bits 1-10 of word 0, the second in bits 1-10 of word 1, the third in
      // bits 11-15 of word 0 (low five bits) and of word 1 (high five bits).
      for (std::size_t k = 0; k < n; ++k) {
        const unsigned char *p = b + 4 * (k / 3);
        std::uint32_t u = 0;
        switch (k % 3) {
          case 0: u = ((p[0] | (p[1] << 8)) >> 1) & 0x3FFu; break;
          case 1: u = ((p[2] | (p[3] << 8)) >> 1) & 0x3FFu; break;
          default: u = ((p[1] >> 3) & 0x1Fu) | (((p[3] >> 3) & 0x1Fu) << 5); break;
        }
        o[k] = sign_extend(u, 10);
      }
      break;
    case 311:
      // Three 10-bit samples in one little-endian 32-bit word: bits 0-9, 10-19, 20-29.
      for (std::size_t k = 0; k < n; ++k) {
        const unsigned char *p = b + 4 * (k / 3);
        std::uint32_t u = 0;
        switch (k % 3) {
          case 0: u = p[0] | ((p[1] & 0x03u) << 8); break;
          case 1: u = (p[1] >> 2) | ((p[2] & 0x0Fu) << 6); break;
          default: u = (p[2] >> 4) | ((p[3] & 0x3Fu) << 4); break;
        }
        o[k] = sign_extend(u, 10);
      }
      break;
    default:
      break;
  }
}

}  // namespace io_detail
}  // namespace v1
}  // namespace ecgdig
