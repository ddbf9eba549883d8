// JSON records: {"name": ..., "fs_hz": ..., "leads": [{"name": "I", "mv": [...]}, ...]};
// NaN is written as null.
#include <cfloat>
#include <cmath>
#include <iterator>
#include <limits>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "ecgdig/io.hpp"
#include "io/io_internal.hpp"

namespace ecgdig {
inline namespace v1 {
namespace io_detail {
namespace {

constexpr std::uintmax_t kMaxJsonBytes = std::uintmax_t(2) << 30;
constexpr int kMaxDepth = 64;

using nlohmann::json;

const char *type_name(const json &j) { return j.type_name(); }

std::string json_string(const std::string &s, const fs::path &path, const char *what) {
  try {
    return json(s).dump();
  } catch (const json::exception &) {
    fail(ErrorCode::InvalidArgument, path, fmt::format("{} '{}' is not valid UTF-8", what, s));
  }
}

}  // namespace
}  // namespace io_detail

Record read_json(const std::filesystem::path &path) {
  using namespace io_detail;
  const std::string text = read_text_file(path, "JSON file", kMaxJsonBytes);
  json root;
  try {
    // Refuse absurd nesting before it is built (the shape below is 4 deep).
    json::parser_callback_t limit = [&path](int depth, json::parse_event_t, json &) {
      if (depth > kMaxDepth) fail(ErrorCode::Format, path, fmt::format("JSON nests deeper than {} levels", kMaxDepth));
      return true;
    };
    root = json::parse(text, limit);
  } catch (const json::exception &e) {
    fail(ErrorCode::Format, path, fmt::format("not valid JSON: {}", e.what()));
  }
  auto bad = [&path](const std::string &what) { fail(ErrorCode::Format, path, "JSON record: " + what); };
  if (!root.is_object()) bad(fmt::format("the top level is {}, expected an object", type_name(root)));

  Record record;
  record.name = path.stem().u8string();
  if (auto it = root.find("name"); it != root.end()) {
    if (!it->is_string()) bad(fmt::format("\"name\" is {}, expected a string", type_name(*it)));
    record.name = it->get<std::string>();
  }
  auto fs = root.find("fs_hz");
  if (fs == root.end()) bad("\"fs_hz\" is missing");
  if (!fs->is_number()) bad(fmt::format("\"fs_hz\" is {}, expected a number", type_name(*fs)));
  record.fs_hz = fs->get<double>();
  if (!(record.fs_hz > 0) || !std::isfinite(record.fs_hz)) bad(fmt::format("\"fs_hz\" {} is not positive", record.fs_hz));

  auto leads = root.find("leads");
  if (leads == root.end()) bad("\"leads\" is missing");
  if (!leads->is_array()) bad(fmt::format("\"leads\" is {}, expected an array", type_name(*leads)));
  if (leads->empty()) bad("\"leads\" is empty");
  const float nan = std::numeric_limits<float>::quiet_NaN();
  for (std::size_t k = 0; k < leads->size(); ++k) {
    const json &l = (*leads)[k];
    if (!l.is_object()) bad(fmt::format("leads[{}] is {}, expected an object", k, type_name(l)));
    auto name = l.find("name");
    if (name == l.end() || !name->is_string()) bad(fmt::format("leads[{}] has no string \"name\"", k));
    auto mv = l.find("mv");
    if (mv == l.end() || !mv->is_array()) bad(fmt::format("leads[{}] has no array \"mv\"", k));
    Lead lead;
    lead.name = name->get<std::string>();
    lead.mv.reserve(mv->size());
    for (std::size_t i = 0; i < mv->size(); ++i) {
      const json &v = (*mv)[i];
      if (v.is_null()) {
        lead.mv.push_back(nan);
      } else if (v.is_number()) {
        const double d = v.get<double>();
        if (!std::isfinite(d) || std::fabs(d) > FLT_MAX)
          bad(fmt::format("leads[{}].mv[{}] = {} is out of range", k, i, d));
        lead.mv.push_back(static_cast<float>(d));
      } else {
        bad(fmt::format("leads[{}].mv[{}] is {}, expected a number or null", k, i, type_name(v)));
      }
    }
    record.leads.push_back(std::move(lead));
  }
  try {
    record.validate();
  } catch (const Error &e) {
    fail(ErrorCode::Format, path, e.what());
  }
  return record;
}

void write_json(const Record &record, const std::filesystem::path &path) {
  using namespace io_detail;
  if (path.empty()) throw Error(ErrorCode::InvalidArgument, "write_json: empty path");
  try {
    record.validate();
  } catch (const Error &e) {
    fail(ErrorCode::InvalidArgument, path, e.what());
  }
  std::string out;
  out.reserve(64 + record.leads.size() * (record.num_samples() * 8 + 32));
  out += fmt::format("{{\"name\": {}, \"fs_hz\": {}, \"leads\": [", json_string(record.name, path, "record name"),
                     record.fs_hz);
  for (std::size_t k = 0; k < record.leads.size(); ++k) {
    const Lead &lead = record.leads[k];
    out += k ? ",\n  " : "\n  ";
    out += fmt::format("{{\"name\": {}, \"mv\": [", json_string(lead.name, path, "lead name"));
    for (std::size_t i = 0; i < lead.mv.size(); ++i) {
      if (i) out += ',';
      const float v = lead.mv[i];
      // Shortest text that reads back as the same float; JSON has no NaN or infinity.
      if (std::isfinite(v))
        fmt::format_to(std::back_inserter(out), "{}", v);
      else
        out += "null";
    }
    out += "]}";
  }
  out += "\n]}\n";
  write_file(path, out, "JSON file");
}

}  // namespace v1
}  // namespace ecgdig
