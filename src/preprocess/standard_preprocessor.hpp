#pragma once
// The "standard" preprocessor: decode layout to BGR, keep only the paper
// (photos, scans with margins), resize to the working size, flatten the paper colour.

#include <memory>

#include "ecgdig/preprocessor.hpp"
#include "ecgdig/stage_options.hpp"

namespace ecgdig {
inline namespace v1 {
namespace detail {

/// Options read: "working_long_side_px" (default 2200; 256..20000),
/// "normalize_colour" (default true) and "find_paper" (default true: crop to
/// the paper found in a surround and paint the surround white).
/// @throws Error(InvalidArgument) on out-of-range options
std::unique_ptr<Preprocessor> make_standard_preprocessor(const StageOptions &options);

}  // namespace detail
}  // namespace v1
}  // namespace ecgdig
