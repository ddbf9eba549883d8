#pragma once
/// @file
/// Symbol export macro: everything not marked ECGDIG_API is hidden.

#if defined(_WIN32)
#  if defined(ECGDIG_BUILDING)
#    define ECGDIG_API __declspec(dllexport)
#  else
#    define ECGDIG_API __declspec(dllimport)
#  endif
#else
#  define ECGDIG_API __attribute__((visibility("default")))
#endif
