#include "core/builtin_stages.hpp"

namespace ecgdig {
inline namespace v1 {
namespace detail {

void add_builtin_stages(Registry<LeadLayout> & /*registry*/) {}

}  // namespace detail
}  // namespace v1
}  // namespace ecgdig
