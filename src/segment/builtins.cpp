#include "core/builtin_stages.hpp"
#include "ecgdig/error.hpp"
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
  // The net where its weights are found (it reads degraded pages better,
  // docs/results.md), else the classical segmenter, which needs none.
  registry.add("auto", [](const StageOptions &options) {
    return unet_weights_found(options) ? make_unet_segmenter(options) : make_classical_segmenter(options);
  });
#else
  registry.add("auto", make_classical_segmenter);
  // Known by name so the user learns why it is missing, not just that it is.
  registry.add("unet", [](const StageOptions &) -> std::unique_ptr<Segmenter> {
    throw Error(ErrorCode::Unsupported,
                "segmenter 'unet' needs LibTorch: rebuild with -DECGDIG_WITH_TORCH=ON, or use "
                "--segmenter classical");
  });
#endif
}

}  // namespace detail
}  // namespace v1
}  // namespace ecgdig
