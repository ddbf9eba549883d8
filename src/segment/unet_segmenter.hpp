#pragma once
// The "unet" segmenter: a small U-Net (LibTorch) trained on rendered pages.
// Registered only when the library is built with ECGDIG_WITH_TORCH.

#include <filesystem>
#include <memory>
#include <vector>

#include "ecgdig/segmenter.hpp"
#include "ecgdig/stage_options.hpp"

namespace ecgdig {
inline namespace v1 {
namespace detail {

/// Options read:
///  - "weights": weights file; default: unet.pt in $ECGDIG_MODELS_DIR, then in
///    the installed share/ecgdig/models, then in the source tree's models/
///  - "unet_long_side_px" (the scale the weights were trained at): the page is
///    resized to this long side
///  - "unet_tile_px" (2048) and "unet_tile_overlap_px" (32): larger pages run in
///    overlapping tiles to bound memory
///  - "unet_maps" (refined): "refined" takes the grid from the classical
///    segmenter, its trace only near the net's trace and text, and the net's
///    text away from that trace; "net" returns the net's own three maps
///  - "num_threads" (0 = torch's default): torch intra-op threads (process-wide)
/// @throws Error(Io) when no weights file is found, Error(Format) when it is
/// not a U-Net weights file, Error(InvalidArgument) on bad options
std::unique_ptr<Segmenter> make_unet_segmenter(const StageOptions &options);

/// The default weights files, in search order.
std::vector<std::filesystem::path> unet_default_weights_candidates();

/// Whether the options name a weights file or one of the default files exists.
bool unet_weights_found(const StageOptions &options);

}  // namespace detail
}  // namespace v1
}  // namespace ecgdig
