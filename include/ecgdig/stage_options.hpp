#pragma once
/// @file
/// Free-form settings handed to stages built by name.

#include <map>
#include <string>

#include "ecgdig/export.hpp"

namespace ecgdig {
inline namespace v1 {

/// Key/value settings for stages, e.g. {"working_long_side_px", "1600"}.
/// Every stage reads the keys it knows and ignores the rest, so one
/// StageOptions can be handed to the whole pipeline. Typed getters throw
/// Error(InvalidArgument) when a value does not parse.
class ECGDIG_API StageOptions {
 public:
  StageOptions() = default;
  StageOptions(std::initializer_list<std::pair<const std::string, std::string>> values)
      : values_(values) {}

  /// Sets (or replaces) a value; returns *this for chaining.
  StageOptions &set(const std::string &key, const std::string &value);
  /// True when the key was given.
  bool has(const std::string &key) const;
  /// The value, or `fallback` when the key is absent.
  std::string get_string(const std::string &key, const std::string &fallback) const;
  /// The value parsed as a number, or `fallback` when absent.
  double get_double(const std::string &key, double fallback) const;
  /// The value parsed as an integer, or `fallback` when absent.
  int get_int(const std::string &key, int fallback) const;
  /// The value parsed as true/false/1/0/yes/no/on/off, or `fallback` when absent.
  bool get_bool(const std::string &key, bool fallback) const;
  /// All values, sorted by key.
  const std::map<std::string, std::string> &values() const { return values_; }

 private:
  std::map<std::string, std::string> values_;
};

}  // namespace v1
}  // namespace ecgdig
