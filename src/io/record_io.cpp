// Record formats by name and extension, dispatch, and standard lead order.
#include <cmath>
#include <limits>

#include <fmt/format.h>

#include "ecgdig/io.hpp"
#include "io/io_internal.hpp"

namespace ecgdig {
inline namespace v1 {

const char *to_string(RecordFormat format) {
  switch (format) {
    case RecordFormat::Wfdb: return "wfdb";
    case RecordFormat::Csv: return "csv";
    case RecordFormat::Json: return "json";
  }
  return "unknown";
}

RecordFormat parse_record_format(const std::string &name) {
  const std::string n = io_detail::lower(io_detail::trim(name));
  if (n == "wfdb") return RecordFormat::Wfdb;
  if (n == "csv") return RecordFormat::Csv;
  if (n == "json") return RecordFormat::Json;
  throw Error(ErrorCode::InvalidArgument,
              fmt::format("unknown record format '{}' (expected wfdb, csv or json)", name));
}

RecordFormat record_format_of(const std::filesystem::path &path) {
  const std::string ext = io_detail::lower(path.extension().u8string());
  if (ext.empty() || ext == ".hea" || ext == ".dat") return RecordFormat::Wfdb;
  if (ext == ".csv") return RecordFormat::Csv;
  if (ext == ".json") return RecordFormat::Json;
  io_detail::fail(ErrorCode::InvalidArgument, path,
                  fmt::format("cannot tell the record format from the extension '{}' (use .hea/.dat or no "
                              "extension for WFDB, .csv or .json, or name the format)",
                              path.extension().u8string()));
}

Record read_record(const std::filesystem::path &path, std::optional<RecordFormat> format) {
  switch (format ? *format : record_format_of(path)) {
    case RecordFormat::Wfdb: return read_wfdb(path);
    case RecordFormat::Csv: return read_csv(path);
    case RecordFormat::Json: return read_json(path);
  }
  throw Error(ErrorCode::InvalidArgument, "read_record: invalid RecordFormat value");
}

void write_record(const Record &record, const std::filesystem::path &path, std::optional<RecordFormat> format) {
  switch (format ? *format : record_format_of(path)) {
    case RecordFormat::Wfdb: {
      std::filesystem::path base = path;
      base.replace_extension();
      write_wfdb(record, base);
      return;
    }
    case RecordFormat::Csv: write_csv(record, path); return;
    case RecordFormat::Json: write_json(record, path); return;
  }
  throw Error(ErrorCode::InvalidArgument, "write_record: invalid RecordFormat value");
}

Record to_standard_leads(const Record &record) {
  record.validate();
  Record out;
  out.name = record.name;
  out.fs_hz = record.fs_hz;
  out.leads.resize(kStandardLeads.size());
  const std::size_t n = record.num_samples();
  for (std::size_t i = 0; i < kStandardLeads.size(); ++i) {
    out.leads[i].name = kStandardLeads[i];
    out.leads[i].mv.assign(n, std::numeric_limits<float>::quiet_NaN());
  }
  for (const Lead &lead : record.leads) {
    const int k = standard_lead_index(lead.name);
    if (k < 0) continue;
    out.leads[static_cast<std::size_t>(k)].mv = lead.mv;
    out.leads[static_cast<std::size_t>(k)].confidence = lead.confidence;
  }
  return out;
}

}  // namespace v1
}  // namespace ecgdig
