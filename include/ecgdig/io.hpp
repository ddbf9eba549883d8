#pragma once
/// @file
/// Reading and writing records: WFDB, CSV and JSON.

#include <filesystem>
#include <optional>
#include <string>

#include "ecgdig/export.hpp"
#include "ecgdig/types.hpp"

namespace ecgdig {
inline namespace v1 {

/// On-disk record formats.
enum class RecordFormat {
  Wfdb,  ///< PhysioNet WFDB: NAME.hea + NAME.dat
  Csv,   ///< header row of lead names (optional leading "time_s"), one row per sample
  Json,  ///< {"name", "fs_hz", "leads": [{"name", "mv": [...]}]}; NaN written as null
};

/// Short name: "wfdb", "csv", "json".
ECGDIG_API const char *to_string(RecordFormat format);
/// Parses "wfdb", "csv" or "json" (any case); throws Error(InvalidArgument) otherwise.
ECGDIG_API RecordFormat parse_record_format(const std::string &name);
/// Guesses the format from the extension: .hea/.dat/none -> WFDB, .csv, .json.
ECGDIG_API RecordFormat record_format_of(const std::filesystem::path &path);

/// Reads a WFDB record (formats 16, 212, 80, 24, 32, 61, 310, 311; multi-file; gain,
/// baseline, units µV/mV/V converted to mV). `path` is the base name or the .hea file.
/// Invalid samples become NaN.
ECGDIG_API Record read_wfdb(const std::filesystem::path &path);
/// Writes NAME.hea + NAME.dat, format 16, 1 µV per unit, units mV; NaN is
/// written as WFDB's invalid sample (-32768). `base` is the path without extension;
/// the record name is its file name.
ECGDIG_API void write_wfdb(const Record &record, const std::filesystem::path &base);

/// Reads a CSV record. Without a time column, `fs_hz` gives the rate; with a
/// "time_s" column the rate comes from it. Empty cells or "nan" are NaN.
ECGDIG_API Record read_csv(const std::filesystem::path &path, double fs_hz = 500.0);
/// Writes a CSV record; `with_time` adds a leading "time_s" column.
ECGDIG_API void write_csv(const Record &record, const std::filesystem::path &path,
                          bool with_time = false);

/// Reads a JSON record.
ECGDIG_API Record read_json(const std::filesystem::path &path);
/// Writes a JSON record (NaN as null).
ECGDIG_API void write_json(const Record &record, const std::filesystem::path &path);

/// Reads a record in the format given, or guessed from the extension.
ECGDIG_API Record read_record(const std::filesystem::path &path,
                              std::optional<RecordFormat> format = std::nullopt);
/// Writes a record in the format given, or guessed from the extension. For
/// WFDB the extension (if any) is dropped to form the base name.
ECGDIG_API void write_record(const Record &record, const std::filesystem::path &path,
                             std::optional<RecordFormat> format = std::nullopt);

/// The record's leads reordered to the 12 standard leads (missing ones all-NaN,
/// extra ones dropped), names as in kStandardLeads.
ECGDIG_API Record to_standard_leads(const Record &record);

}  // namespace v1
}  // namespace ecgdig
