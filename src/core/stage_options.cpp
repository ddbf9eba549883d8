#include "ecgdig/stage_options.hpp"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdlib>

#include <fmt/format.h>

#include "ecgdig/error.hpp"

namespace ecgdig {
inline namespace v1 {

StageOptions &StageOptions::set(const std::string &key, const std::string &value) {
  values_[key] = value;
  return *this;
}

bool StageOptions::has(const std::string &key) const { return values_.count(key) != 0; }

std::string StageOptions::get_string(const std::string &key, const std::string &fallback) const {
  auto it = values_.find(key);
  return it == values_.end() ? fallback : it->second;
}

double StageOptions::get_double(const std::string &key, double fallback) const {
  auto it = values_.find(key);
  if (it == values_.end()) return fallback;
  const char *begin = it->second.c_str();
  char *end = nullptr;
  errno = 0;
  double value = std::strtod(begin, &end);
  if (end == begin || *end != '\0' || errno == ERANGE || !std::isfinite(value))
    throw Error(ErrorCode::InvalidArgument,
                fmt::format("option '{}': '{}' is not a number", key, it->second));
  return value;
}

int StageOptions::get_int(const std::string &key, int fallback) const {
  auto it = values_.find(key);
  if (it == values_.end()) return fallback;
  const char *begin = it->second.c_str();
  char *end = nullptr;
  errno = 0;
  long value = std::strtol(begin, &end, 10);
  if (end == begin || *end != '\0' || errno == ERANGE || value < INT32_MIN || value > INT32_MAX)
    throw Error(ErrorCode::InvalidArgument,
                fmt::format("option '{}': '{}' is not an integer", key, it->second));
  return static_cast<int>(value);
}

bool StageOptions::get_bool(const std::string &key, bool fallback) const {
  auto it = values_.find(key);
  if (it == values_.end()) return fallback;
  std::string v = it->second;
  std::transform(v.begin(), v.end(), v.begin(), [](unsigned char c) { return std::tolower(c); });
  if (v == "1" || v == "true" || v == "yes" || v == "on") return true;
  if (v == "0" || v == "false" || v == "no" || v == "off") return false;
  throw Error(ErrorCode::InvalidArgument,
              fmt::format("option '{}': '{}' is not true or false", key, it->second));
}

}  // namespace v1
}  // namespace ecgdig
