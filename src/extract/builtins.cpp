#include "core/builtin_stages.hpp"
#include "extract/trace_extractor.hpp"

namespace ecgdig {
inline namespace v1 {
namespace detail {

void add_builtin_stages(Registry<SignalExtractor> &registry) {
  registry.add("trace", [](const StageOptions &options) {
    return std::make_unique<TraceExtractor>(TraceExtractorOptions::from(options));
  });
}

}  // namespace detail
}  // namespace v1
}  // namespace ecgdig
