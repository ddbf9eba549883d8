#include "core/builtin_stages.hpp"
#include "segment/classical_segmenter.hpp"

namespace ecgdig {
inline namespace v1 {
namespace detail {

void add_builtin_stages(Registry<Segmenter> &registry) {
  registry.add("classical", make_classical_segmenter);
}

}  // namespace detail
}  // namespace v1
}  // namespace ecgdig
