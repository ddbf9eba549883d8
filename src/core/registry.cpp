#include "ecgdig/registry.hpp"

#include <algorithm>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "core/builtin_stages.hpp"
#include "ecgdig/error.hpp"

namespace ecgdig {
inline namespace v1 {

template <class Stage>
Registry<Stage> &Registry<Stage>::global() {
  static Registry *registry = [] {
    auto *r = new Registry;  // never destroyed: stages may be built during static destruction
    detail::add_builtin_stages(*r);
    return r;
  }();
  return *registry;
}

template <class Stage>
void Registry<Stage>::add(const std::string &name, Factory factory) {
  if (name.empty() || !factory)
    throw Error(ErrorCode::InvalidArgument, "Registry::add: empty name or factory");
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = std::find_if(entries_.begin(), entries_.end(),
                         [&](const Entry &e) { return e.name == name; });
  if (it != entries_.end())
    it->factory = std::move(factory);
  else
    entries_.push_back({name, std::move(factory)});
}

template <class Stage>
std::unique_ptr<Stage> Registry<Stage>::create(const std::string &name,
                                               const StageOptions &options) const {
  Factory factory;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = std::find_if(entries_.begin(), entries_.end(),
                           [&](const Entry &e) { return e.name == name; });
    if (it != entries_.end()) factory = it->factory;
  }
  if (!factory)
    throw Error(ErrorCode::InvalidArgument,
                fmt::format("unknown stage '{}' (known: {})", name, fmt::join(names(), ", ")));
  auto stage = factory(options);
  if (!stage)
    throw Error(ErrorCode::Internal, fmt::format("the factory of stage '{}' returned nothing", name));
  return stage;
}

template <class Stage>
bool Registry<Stage>::contains(const std::string &name) const {
  std::lock_guard<std::mutex> lock(mutex_);
  return std::any_of(entries_.begin(), entries_.end(),
                     [&](const Entry &e) { return e.name == name; });
}

template <class Stage>
std::vector<std::string> Registry<Stage>::names() const {
  std::lock_guard<std::mutex> lock(mutex_);
  std::vector<std::string> out;
  for (const auto &e : entries_) out.push_back(e.name);
  std::sort(out.begin(), out.end());
  return out;
}

template class Registry<Preprocessor>;
template class Registry<Segmenter>;
template class Registry<GridDetector>;
template class Registry<LeadLayout>;
template class Registry<SignalExtractor>;

}  // namespace v1
}  // namespace ecgdig
