#include "core/builtin_stages.hpp"
#include "segment/classical_segmenter.hpp"
#ifdef ECGDIG_HAS_TORCH
#include "segment/unet_segmenter.hpp"
#endif

namespace ecgdig {
inline namespace v1 {
namespace detail {

void add_builtin_stages(Registry<Segmenter> &registry) {
  registry.add("classical", make_classical_segmenter);
#ifdef ECGDIG_HAS_TORCH
  registry.add("unet", make_unet_segmenter);
#endif
}

}  // namespace detail
}  // namespace v1
}  // namespace ecgdig
