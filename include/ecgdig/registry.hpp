#pragma once
/// @file
/// Builds stages from a name and options, and lets users add their own.

#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "ecgdig/export.hpp"
#include "ecgdig/stage_options.hpp"

namespace ecgdig {
inline namespace v1 {

/// Name -> factory table for one stage kind (Preprocessor, Segmenter, ...).
/// Registry<Stage>::global() holds the built-in implementations and whatever
/// the application adds. Thread-safe.
template <class Stage>
class Registry {
 public:
  /// Makes a stage from options; throws Error on invalid options.
  using Factory = std::function<std::unique_ptr<Stage>(const StageOptions &)>;

  /// The process-wide registry, pre-filled with the built-in stages.
  static Registry &global();

  /// Adds or replaces the factory called `name`.
  void add(const std::string &name, Factory factory);
  /// Builds the stage called `name`; throws Error(InvalidArgument) listing
  /// the known names when there is none.
  std::unique_ptr<Stage> create(const std::string &name, const StageOptions &options = {}) const;
  /// True when a factory called `name` exists.
  bool contains(const std::string &name) const;
  /// Known names, sorted.
  std::vector<std::string> names() const;

 private:
  Registry() = default;
  struct Entry {
    std::string name;
    Factory factory;
  };
  mutable std::mutex mutex_;
  std::vector<Entry> entries_;
};

class Preprocessor;
class Segmenter;
class GridDetector;
class LeadLayout;
class SignalExtractor;
extern template class ECGDIG_API Registry<Preprocessor>;
extern template class ECGDIG_API Registry<Segmenter>;
extern template class ECGDIG_API Registry<GridDetector>;
extern template class ECGDIG_API Registry<LeadLayout>;
extern template class ECGDIG_API Registry<SignalExtractor>;

}  // namespace v1
}  // namespace ecgdig
