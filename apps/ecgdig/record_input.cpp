#include "record_input.hpp"

#include <cstdio>

#include "ecgdig/error.hpp"
#include "ecgdig/io.hpp"

namespace ecgdig::cli {

namespace fs = std::filesystem;

Record load_record(const fs::path &path, double csv_fs_hz) {
  std::error_code ec;
  if (fs::is_directory(path, ec)) {
    throw Error(ErrorCode::Io, "is a folder, not a record file");
  }
  const RecordFormat format = record_format_of(path);
  // A WFDB record may be named without its extension; its header is what must exist.
  const fs::path file =
      format == RecordFormat::Wfdb && !path.has_extension() ? fs::path(path).concat(".hea") : path;
  if (!fs::exists(file, ec)) {
    throw Error(ErrorCode::Io, "no such file" + (file == path ? "" : " (" + file.string() + ")"));
  }
  if (format == RecordFormat::Csv) {
    return read_csv(path, csv_fs_hz);
  }
  return read_record(path, format);
}

void report_error(const fs::path &path, const std::string &reason) {
  // Library messages usually start with the file name; do not print it twice.
  std::string text = reason;
  for (const std::string &prefix : {"'" + path.string() + "': ", path.string() + ": "}) {
    if (text.rfind(prefix, 0) == 0) {
      text.erase(0, prefix.size());
      break;
    }
  }
  std::fprintf(stderr, "ecgdig: error: %s: %s\n", path.string().c_str(), text.c_str());
}

}  // namespace ecgdig::cli
