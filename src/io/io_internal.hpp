#pragma once
// Helpers shared by the record readers and writers (not installed).

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

#include "ecgdig/error.hpp"

namespace ecgdig {
inline namespace v1 {
namespace io_detail {

namespace fs = std::filesystem;

/// The path as it appears in messages: quoted, UTF-8.
std::string quoted(const fs::path &path);

/// Throws Error(code) with "<path>: <what>".
[[noreturn]] void fail(ErrorCode code, const fs::path &path, const std::string &what);

/// Checks that `path` names an existing, non-empty regular file and returns
/// its size in bytes. `what` names the kind of file ("WFDB header", "CSV file").
std::uintmax_t checked_file_size(const fs::path &path, const char *what);

/// Reads `length` bytes at `offset` of a file whose size was checked before.
std::string read_bytes(const fs::path &path, std::uintmax_t offset, std::uintmax_t length);

/// Reads a whole text file after checked_file_size; refuses files over `max_bytes`.
std::string read_text_file(const fs::path &path, const char *what, std::uintmax_t max_bytes);

/// Writes `data` to `path` (truncating); throws Error(Io) naming the path on failure.
void write_file(const fs::path &path, std::string_view data, const char *what);

/// Strips spaces, tabs, CR and LF at both ends.
std::string_view trim(std::string_view s);
/// ASCII lower case.
std::string lower(std::string_view s);

/// Locale-independent, whole-token number parsing; false unless the whole of
/// `s` is one number.
bool parse_int(std::string_view s, long long &out);
bool parse_double(std::string_view s, double &out);

}  // namespace io_detail
}  // namespace v1
}  // namespace ecgdig
