#include "ecgdig/version.hpp"

namespace ecgdig {
inline namespace v1 {

const char *version() { return ECGDIG_VERSION_STRING; }

bool built_with_torch() {
#ifdef ECGDIG_HAS_TORCH
  return true;
#else
  return false;
#endif
}

}  // namespace v1
}  // namespace ecgdig
