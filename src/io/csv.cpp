// CSV records: a header row of lead names (optionally a leading "time_s"
// column), then one row per sample. Empty cells and "nan" are NaN.
#include <cfloat>
#include <cmath>
#include <iterator>
#include <limits>
#include <string_view>
#include <vector>

#include <fmt/format.h>

#include "ecgdig/io.hpp"
#include "io/io_internal.hpp"

namespace ecgdig {
inline namespace v1 {
namespace io_detail {
namespace {

constexpr std::uintmax_t kMaxCsvBytes = std::uintmax_t(2) << 30;

/// Splits one line into cells (RFC 4180 quoting, no line breaks inside
/// quotes). Returns false when a quote is not closed or is followed by text.
bool split_cells(std::string_view line, std::vector<std::string> &cells) {
  cells.clear();
  std::size_t i = 0;
  while (true) {
    std::string cell;
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
    if (i < line.size() && line[i] == '"') {
      ++i;
      bool closed = false;
      while (i < line.size()) {
        if (line[i] == '"') {
          if (i + 1 < line.size() && line[i + 1] == '"') {
            cell += '"';
            i += 2;
          } else {
            ++i;
            closed = true;
            break;
          }
        } else {
          cell += line[i++];
        }
      }
      if (!closed) return false;
      while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
      if (i < line.size() && line[i] != ',') return false;
    } else {
      const std::size_t start = i;
      while (i < line.size() && line[i] != ',') ++i;
      cell = std::string(trim(line.substr(start, i - start)));
    }
    cells.push_back(std::move(cell));
    if (i >= line.size()) return true;
    ++i;  // the comma
  }
}

std::string csv_cell(const std::string &s) {
  if (s.find_first_of(",\"") == std::string::npos && trim(s).size() == s.size()) return s;
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + '"';
}

/// Parses a sample cell: empty or nan -> NaN; otherwise a number within float range.
bool parse_sample(std::string_view cell, float &out) {
  if (cell.empty()) {
    out = std::numeric_limits<float>::quiet_NaN();
    return true;
  }
  double v = 0;
  if (!parse_double(cell, v)) return false;
  if (std::isnan(v)) {
    out = std::numeric_limits<float>::quiet_NaN();
    return true;
  }
  if (std::isfinite(v) && std::fabs(v) > FLT_MAX) return false;
  out = static_cast<float>(v);
  return true;
}

}  // namespace
}  // namespace io_detail

Record read_csv(const std::filesystem::path &path, double fs_hz) {
  using namespace io_detail;
  if (!(fs_hz > 0) || !std::isfinite(fs_hz))
    throw Error(ErrorCode::InvalidArgument,
                fmt::format("read_csv {}: sampling rate {} Hz is not positive", quoted(path), fs_hz));
  const std::string text = read_text_file(path, "CSV file", kMaxCsvBytes);
  std::string_view rest(text);
  if (rest.substr(0, 3) == "\xEF\xBB\xBF") rest.remove_prefix(3);  // UTF-8 byte-order mark

  auto next_line = [&rest](std::string_view &line) {
    if (rest.empty()) return false;
    const std::size_t end = rest.find('\n');
    line = rest.substr(0, end);
    rest = end == std::string_view::npos ? std::string_view() : rest.substr(end + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    return true;
  };

  std::string_view line;
  std::vector<std::string> cells;
  if (!next_line(line) || trim(line).empty()) fail(ErrorCode::Format, path, "CSV file has no header row");
  if (line.find('\0') != std::string_view::npos) fail(ErrorCode::Format, path, "not a text file (NUL byte)");
  if (!split_cells(line, cells)) fail(ErrorCode::Format, path, "line 1: unbalanced quotes in the header row");
  const bool with_time = !cells.empty() && lower(cells.front()) == "time_s";
  const std::size_t ncols = cells.size();
  const std::size_t first_lead = with_time ? 1 : 0;
  if (ncols <= first_lead) fail(ErrorCode::Format, path, "CSV header row names no leads");

  Record record;
  record.name = path.stem().u8string();
  record.fs_hz = fs_hz;
  for (std::size_t c = first_lead; c < ncols; ++c) {
    if (cells[c].empty()) fail(ErrorCode::Format, path, fmt::format("line 1: column {} has no lead name", c + 1));
    record.leads.push_back(Lead{cells[c], {}, 1.0});
  }

  std::vector<double> times;
  std::size_t line_no = 1;
  while (next_line(line)) {
    ++line_no;
    // Blank lines at the end of a multi-column file are not samples.
    if (ncols > 1 && trim(line).empty() && trim(rest).empty()) break;
    if (!split_cells(line, cells)) fail(ErrorCode::Format, path, fmt::format("line {}: unbalanced quotes", line_no));
    if (cells.size() != ncols)
      fail(ErrorCode::Format, path,
           fmt::format("line {} has {} cells but the header has {} (ragged rows)", line_no, cells.size(), ncols));
    if (with_time) {
      double t = 0;
      if (!parse_double(cells[0], t) || !std::isfinite(t))
        fail(ErrorCode::Format, path, fmt::format("line {}: time_s '{}' is not a finite number", line_no, cells[0]));
      times.push_back(t);
    }
    for (std::size_t c = first_lead; c < ncols; ++c) {
      float v = 0;
      if (!parse_sample(cells[c], v))
        fail(ErrorCode::Format, path,
             fmt::format("line {}, column '{}': '{}' is not a number", line_no, record.leads[c - first_lead].name,
                         cells[c]));
      record.leads[c - first_lead].mv.push_back(v);
    }
  }
  if (record.num_samples() == 0) fail(ErrorCode::Format, path, "CSV file has a header row but no samples");

  if (with_time && times.size() >= 2) {
    const double span = times.back() - times.front();
    if (!(span > 0)) fail(ErrorCode::Format, path, "time_s does not increase");
    double fs = static_cast<double>(times.size() - 1) / span;
    if (std::fabs(fs - std::round(fs)) <= 1e-6 * fs) fs = std::round(fs);
    const double period = 1.0 / fs;
    for (std::size_t i = 0; i < times.size(); ++i)
      if (std::fabs(times[i] - (times.front() + static_cast<double>(i) * period)) > 0.5 * period)
        fail(ErrorCode::Format, path,
             fmt::format("line {}: time_s {} is off the uniform {} Hz sampling", i + 2, times[i], fs));
    record.fs_hz = fs;
  }
  try {
    record.validate();
  } catch (const Error &e) {
    fail(ErrorCode::Format, path, e.what());
  }
  return record;
}

void write_csv(const Record &record, const std::filesystem::path &path, bool with_time) {
  using namespace io_detail;
  if (path.empty()) throw Error(ErrorCode::InvalidArgument, "write_csv: empty path");
  try {
    record.validate();
  } catch (const Error &e) {
    fail(ErrorCode::InvalidArgument, path, e.what());
  }
  if (record.leads.empty()) fail(ErrorCode::InvalidArgument, path, "record has no leads");
  for (const Lead &lead : record.leads)
    if (lead.name.find_first_of("\r\n") != std::string::npos)
      fail(ErrorCode::InvalidArgument, path, fmt::format("lead name '{}' holds a line break", lead.name));
  const std::size_t n = record.num_samples();
  std::string out;
  out.reserve((n + 1) * record.leads.size() * 8);
  if (with_time) out += "time_s,";
  for (std::size_t c = 0; c < record.leads.size(); ++c) {
    if (c) out += ',';
    out += csv_cell(record.leads[c].name);
  }
  out += '\n';
  for (std::size_t i = 0; i < n; ++i) {
    if (with_time) {
      out += fmt::format("{}", static_cast<double>(i) / record.fs_hz);
      out += ',';
    }
    for (std::size_t c = 0; c < record.leads.size(); ++c) {
      if (c) out += ',';
      const float v = record.leads[c].mv[i];
      // Shortest text that reads back as the same float: lossless.
      if (!std::isnan(v)) fmt::format_to(std::back_inserter(out), "{}", v);
    }
    out += '\n';
  }
  write_file(path, out, "CSV file");
}

}  // namespace v1
}  // namespace ecgdig
