#include "core/builtin_stages.hpp"
#include "preprocess/standard_preprocessor.hpp"

namespace ecgdig {
inline namespace v1 {
namespace detail {

void add_builtin_stages(Registry<Preprocessor> &registry) {
  registry.add("standard", make_standard_preprocessor);
}

}  // namespace detail
}  // namespace v1
}  // namespace ecgdig
