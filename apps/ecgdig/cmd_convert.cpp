// ecgdig convert: rewrite a record in another format (WFDB, CSV, JSON).

#include <cstdio>
#include <exception>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "commands.hpp"
#include "ecgdig/error.hpp"
#include "ecgdig/io.hpp"
#include "record_input.hpp"

namespace ecgdig::cli {
namespace {

namespace fs = std::filesystem;

struct ConvertOptions {
  std::string in;
  std::string out;
  std::string format;
  bool with_time = false;
  double csv_fs_hz = kDefaultCsvFsHz;
};

const char *extension_of(RecordFormat format) {
  switch (format) {
    case RecordFormat::Csv:
      return ".csv";
    case RecordFormat::Json:
      return ".json";
    case RecordFormat::Wfdb:
      break;
  }
  return "";  // WFDB is written as a base name: NAME.hea + NAME.dat
}

/// OUT names a folder when it exists as one or ends with a separator.
bool names_folder(const std::string &out) {
  std::error_code ec;
  return fs::is_directory(out, ec) || (!out.empty() && (out.back() == '/' || out.back() == '\\'));
}

RecordFormat output_format(const ConvertOptions &options) {
  if (!options.format.empty()) {
    return parse_record_format(options.format);
  }
  if (names_folder(options.out)) {
    return RecordFormat::Wfdb;
  }
  try {
    return record_format_of(options.out);
  } catch (const Error &) {
    throw CLI::ValidationError("OUT", "cannot tell the format from '" + options.out + "'; use --format");
  }
}

void run_convert(const ConvertOptions &options, int &exit_code) {
  const RecordFormat format = output_format(options);
  if (options.with_time && format != RecordFormat::Csv) {
    throw CLI::ValidationError("--time", "a time column exists only in CSV output");
  }
  // Stem of the input (WFDB base names have no extension to drop).
  const fs::path in(options.in);
  const fs::path target = names_folder(options.out)
                              ? fs::path(options.out) / fs::path(in.stem()).concat(extension_of(format))
                              : fs::path(options.out);
  Record record;
  try {
    record = load_record(in, options.csv_fs_hz);
  } catch (const std::exception &e) {
    report_error(in, e.what());
    exit_code = kExitInputFailed;
    return;
  }
  try {
    if (target.has_parent_path()) {
      fs::create_directories(target.parent_path());
    }
    if (format == RecordFormat::Csv) {
      write_csv(record, target, options.with_time);
    } else {
      write_record(record, target, format);
    }
  } catch (const std::exception &e) {
    report_error(target, e.what());
    exit_code = kExitInputFailed;
    return;
  }
  std::printf("ecgdig: wrote %s (%s, %zu leads, %zu samples at %g Hz)\n", target.string().c_str(),
              to_string(format), record.leads.size(), record.num_samples(), record.fs_hz);
}

}  // namespace

void add_convert_command(CLI::App &app, int &exit_code) {
  auto options = std::make_shared<ConvertOptions>();
  CLI::App *cmd = app.add_subcommand(
      "convert",
      "Convert a record between WFDB, CSV and JSON. The output format comes from --format or OUT's "
      "extension; when OUT is a folder the file is named after IN (default format WFDB).");
  cmd->add_option("IN", options->in, "input record: WFDB base name or .hea, .csv, .json")->required();
  cmd->add_option("OUT", options->out, "output file, WFDB base name, or folder")->required();
  cmd->add_option("--format,-f", options->format, "output format")
      ->check(CLI::IsMember({"wfdb", "csv", "json"}, CLI::ignore_case));
  cmd->add_flag("--time", options->with_time, "CSV only: add a leading time_s column");
  cmd->add_option("--fs", options->csv_fs_hz, "rate in Hz of a CSV input without a time_s column")
      ->capture_default_str()
      ->check(CLI::Range(kMinCsvFsHz, kMaxCsvFsHz));
  cmd->callback([options, &exit_code] { run_convert(*options, exit_code); });
}

}  // namespace ecgdig::cli
