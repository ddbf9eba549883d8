#include <memory>

#include "core/builtin_stages.hpp"
#include "geometry/hough_grid_detector.hpp"

namespace ecgdig {
inline namespace v1 {
namespace detail {

void add_builtin_stages(Registry<GridDetector> &registry) {
  registry.add("hough", [](const StageOptions &options) -> std::unique_ptr<GridDetector> {
    return std::make_unique<HoughGridDetector>(HoughGridOptions::from(options));
  });
}

}  // namespace detail
}  // namespace v1
}  // namespace ecgdig
