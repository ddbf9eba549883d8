#include "ecgdig/version.hpp"

namespace ecgdig {
inline namespace v1 {

const char *version() { return ECGDIG_VERSION_STRING; }

}  // namespace v1
}  // namespace ecgdig
