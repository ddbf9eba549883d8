#pragma once
/// @file
/// The one exception type the library throws.

#include <stdexcept>
#include <string>

#include "ecgdig/export.hpp"

namespace ecgdig {
inline namespace v1 {

/// Why an operation failed. The values equal the C API's ecgdig_status codes
/// and are never renumbered.
enum class ErrorCode : int {
  InvalidArgument = -1,  ///< a parameter or option is out of range or unknown
  Io = -2,               ///< a file could not be opened, read or written
  NoGrid = -3,           ///< no usable grid or scale was found on the page
  Format = -4,           ///< a file exists but its content is malformed
  NotAnEcg = -5,         ///< the image holds nothing that looks like ECG traces
  Unsupported = -6,      ///< valid input that this build cannot handle
  Internal = -99,        ///< a bug; please report it
};

/// Short stable name of a code, e.g. "io".
ECGDIG_API const char *to_string(ErrorCode code);

/// Thrown by every fallible library call. what() is a full sentence that
/// names the file or parameter concerned.
class ECGDIG_API Error : public std::runtime_error {
 public:
  Error(ErrorCode code, const std::string &message);
  /// The category of the failure.
  ErrorCode code() const noexcept { return code_; }

 private:
  ErrorCode code_;
};

}  // namespace v1
}  // namespace ecgdig
