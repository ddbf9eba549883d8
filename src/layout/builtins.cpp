#include "core/builtin_stages.hpp"
#include "layout/template_layout.hpp"

namespace ecgdig {
inline namespace v1 {
namespace detail {

void add_builtin_stages(Registry<LeadLayout> &registry) {
  registry.add("template", [](const StageOptions &options) {
    return std::make_unique<TemplateLayout>(TemplateLayoutOptions::from(options));
  });
}

}  // namespace detail
}  // namespace v1
}  // namespace ecgdig
