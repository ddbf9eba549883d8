#pragma once
// Reading the records named on the command line and reporting what failed.

#include <filesystem>
#include <string>

#include "ecgdig/types.hpp"

namespace ecgdig::cli {

/// Rate assumed for CSV files without a "time_s" column, in Hz.
inline constexpr double kDefaultCsvFsHz = 500.0;
/// Accepted range of --fs, in Hz.
inline constexpr double kMinCsvFsHz = 1.0;
inline constexpr double kMaxCsvFsHz = 100000.0;

/// Reads the record at `path`: a WFDB base name or .hea/.dat file, a .csv or
/// a .json file. CSV files without a time column are taken at `csv_fs_hz`.
/// Throws ecgdig::Error(Io) for a missing file or a folder, and whatever the
/// reader throws for malformed content.
Record load_record(const std::filesystem::path &path, double csv_fs_hz);

/// Prints "ecgdig: error: <path>: <reason>" on stderr.
void report_error(const std::filesystem::path &path, const std::string &reason);

}  // namespace ecgdig::cli
