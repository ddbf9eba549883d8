#include <cctype>
#include <charconv>
#include <fstream>
#include <system_error>

#include <fmt/format.h>

#include "io/io_internal.hpp"

namespace ecgdig {
inline namespace v1 {
namespace io_detail {

std::string quoted(const fs::path &path) { return "'" + path.u8string() + "'"; }

void fail(ErrorCode code, const fs::path &path, const std::string &what) {
  throw Error(code, fmt::format("{}: {}", quoted(path), what));
}

std::uintmax_t checked_file_size(const fs::path &path, const char *what) {
  if (path.empty()) throw Error(ErrorCode::InvalidArgument, fmt::format("empty path given for a {}", what));
  std::error_code ec;
  const fs::file_status st = fs::status(path, ec);
  if (ec && st.type() != fs::file_type::not_found)
    fail(ErrorCode::Io, path, fmt::format("cannot access {}: {}", what, ec.message()));
  if (st.type() == fs::file_type::not_found) fail(ErrorCode::Io, path, fmt::format("{} does not exist", what));
  if (st.type() == fs::file_type::directory)
    fail(ErrorCode::Io, path, fmt::format("is a directory, expected a {}", what));
  if (st.type() != fs::file_type::regular)
    fail(ErrorCode::Io, path, fmt::format("is not a regular file, expected a {}", what));
  const std::uintmax_t size = fs::file_size(path, ec);
  if (ec) fail(ErrorCode::Io, path, fmt::format("cannot get the size of the {}: {}", what, ec.message()));
  if (size == 0) fail(ErrorCode::Format, path, fmt::format("{} is empty", what));
  return size;
}

std::string read_bytes(const fs::path &path, std::uintmax_t offset, std::uintmax_t length) {
  std::ifstream in(path, std::ios::binary);
  if (!in) fail(ErrorCode::Io, path, "cannot open for reading");
  std::string data;
  data.resize(static_cast<std::size_t>(length));
  in.seekg(static_cast<std::streamoff>(offset));
  if (length > 0) in.read(data.data(), static_cast<std::streamsize>(length));
  if (!in || static_cast<std::uintmax_t>(in.gcount()) != length)
    fail(ErrorCode::Io, path,
         fmt::format("could read only {} of {} bytes at offset {}", in.gcount() < 0 ? 0 : in.gcount(),
                     length, offset));
  return data;
}

std::string read_text_file(const fs::path &path, const char *what, std::uintmax_t max_bytes) {
  const std::uintmax_t size = checked_file_size(path, what);
  if (size > max_bytes)
    fail(ErrorCode::Format, path,
         fmt::format("{} is {} bytes, more than the {} bytes accepted", what, size, max_bytes));
  return read_bytes(path, 0, size);
}

void write_file(const fs::path &path, std::string_view data, const char *what) {
  std::error_code ec;
  if (fs::is_directory(path, ec)) fail(ErrorCode::Io, path, fmt::format("is a directory; cannot write the {}", what));
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) fail(ErrorCode::Io, path, fmt::format("cannot open the {} for writing", what));
  out.write(data.data(), static_cast<std::streamsize>(data.size()));
  out.close();
  if (!out) fail(ErrorCode::Io, path, fmt::format("writing the {} failed", what));
}

std::string_view trim(std::string_view s) {
  auto space = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
  while (!s.empty() && space(s.front())) s.remove_prefix(1);
  while (!s.empty() && space(s.back())) s.remove_suffix(1);
  return s;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char &c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool parse_int(std::string_view s, long long &out) {
  if (!s.empty() && s.front() == '+') s.remove_prefix(1);
  if (s.empty() || s.front() == '+') return false;
  const auto r = std::from_chars(s.data(), s.data() + s.size(), out);
  return r.ec == std::errc() && r.ptr == s.data() + s.size();
}

bool parse_double(std::string_view s, double &out) {
  if (!s.empty() && s.front() == '+') s.remove_prefix(1);
  if (s.empty() || s.front() == '+') return false;
  const auto r = std::from_chars(s.data(), s.data() + s.size(), out);
  return r.ec == std::errc() && r.ptr == s.data() + s.size();
}

}  // namespace io_detail
}  // namespace v1
}  // namespace ecgdig
