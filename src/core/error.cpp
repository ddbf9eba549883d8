#include "ecgdig/error.hpp"

namespace ecgdig {
inline namespace v1 {

const char *to_string(ErrorCode code) {
  switch (code) {
    case ErrorCode::InvalidArgument: return "invalid argument";
    case ErrorCode::Io: return "io";
    case ErrorCode::NoGrid: return "no grid";
    case ErrorCode::Format: return "format";
    case ErrorCode::NotAnEcg: return "not an ECG";
    case ErrorCode::Unsupported: return "unsupported";
    case ErrorCode::Internal: return "internal";
  }
  return "unknown";
}

Error::Error(ErrorCode code, const std::string &message) : std::runtime_error(message), code_(code) {}

}  // namespace v1
}  // namespace ecgdig
