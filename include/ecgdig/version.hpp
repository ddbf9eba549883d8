#pragma once
/// @file
/// Library version. CMake reads the project version from this file.

#include "ecgdig/export.hpp"

#define ECGDIG_VERSION_MAJOR 0
#define ECGDIG_VERSION_MINOR 1
#define ECGDIG_VERSION_PATCH 0
#define ECGDIG_VERSION_STRING "0.1.0"

namespace ecgdig {
inline namespace v1 {
/// Version of the library actually loaded (may differ from the header's).
ECGDIG_API const char *version();
/// True when this build has the LibTorch U-Net segmenter ("unet") and trainer.
ECGDIG_API bool built_with_torch();
}  // namespace v1
}  // namespace ecgdig
