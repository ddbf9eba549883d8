#pragma once
// The "classical" segmenter: trace, grid and text from colour, darkness and shape.

#include <memory>

#include "ecgdig/segmenter.hpp"
#include "ecgdig/stage_options.hpp"

namespace ecgdig {
inline namespace v1 {
namespace detail {

/// Options read: "num_threads" (0 = OpenCV's default; otherwise at most this
/// many row stripes run at once in the per-pixel passes).
/// @throws Error(InvalidArgument) on a negative thread count
std::unique_ptr<Segmenter> make_classical_segmenter(const StageOptions &options);

}  // namespace detail
}  // namespace v1
}  // namespace ecgdig
