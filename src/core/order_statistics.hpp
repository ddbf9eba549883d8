#pragma once
/// Medians of small samples (run lengths, gaps, scale estimates), shared by
/// the stages.

#include <algorithm>
#include <cstddef>
#include <vector>

namespace ecgdig {
inline namespace v1 {
namespace detail {

/// The middle value of a non-empty sample; of an even count the upper one.
template <typename T>
T median(std::vector<T> v) {
  const auto middle = v.begin() + static_cast<std::ptrdiff_t>(v.size() / 2);
  std::nth_element(v.begin(), middle, v.end());
  return *middle;
}

/// The middle value of a non-empty sample; of an even count the lower one.
template <typename T>
T lower_median(std::vector<T> v) {
  const auto middle = v.begin() + static_cast<std::ptrdiff_t>((v.size() - 1) / 2);
  std::nth_element(v.begin(), middle, v.end());
  return *middle;
}

}  // namespace detail
}  // namespace v1
}  // namespace ecgdig
