#pragma once
// `ecgdig digitize --report`: one JSON line per page in OUT/report.jsonl, so a
// batch can be checked (which pages had their scale assumed, which leads are
// unsure, which inputs failed) without opening every overlay.

#include <string>

#include <nlohmann/json.hpp>

#include "ecgdig/types.hpp"

namespace ecgdig::cli {

/// What was found on one digitized page and how sure each stage was.
/// `record` is the record as written (standard leads), `name` its path
/// relative to the output folder.
nlohmann::ordered_json page_report(const std::string &input, int page, const std::string &name,
                                   const Result &result, const Record &record);

/// The line for an input that could not be digitized.
nlohmann::ordered_json failure_report(const std::string &input, const std::string &error);

}  // namespace ecgdig::cli
