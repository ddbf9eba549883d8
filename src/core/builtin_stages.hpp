#pragma once
// Each stage folder lists its own built-in implementations (src/<stage>/builtins.cpp);
// Registry<Stage>::global() calls the matching overload once.

#include "ecgdig/grid_detector.hpp"
#include "ecgdig/lead_layout.hpp"
#include "ecgdig/preprocessor.hpp"
#include "ecgdig/registry.hpp"
#include "ecgdig/segmenter.hpp"
#include "ecgdig/signal_extractor.hpp"

namespace ecgdig {
inline namespace v1 {
namespace detail {

void add_builtin_stages(Registry<Preprocessor> &registry);
void add_builtin_stages(Registry<Segmenter> &registry);
void add_builtin_stages(Registry<GridDetector> &registry);
void add_builtin_stages(Registry<LeadLayout> &registry);
void add_builtin_stages(Registry<SignalExtractor> &registry);

}  // namespace detail
}  // namespace v1
}  // namespace ecgdig
