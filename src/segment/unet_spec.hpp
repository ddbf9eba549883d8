#pragma once
// What the U-Net's code and its training samples agree on: classes, levels,
// weights file name. Torch-free, so that samples can be made without LibTorch.

namespace ecgdig {
inline namespace v1 {
namespace detail {

/// Classes in output-channel order; a label image holds these values.
enum UnetClass : int { kUnetBackground = 0, kUnetTrace = 1, kUnetGrid = 2, kUnetText = 3, kUnetClasses = 4 };

/// Levels of the encoder; the input sides must be multiples of 2^(levels-1).
constexpr int kUnetLevels = 5;
constexpr int kUnetSideMultiple = 1 << (kUnetLevels - 1);
/// Working long side of weights files that do not record theirs (format 1).
constexpr int kUnetFirstLongSidePx = 1024;
/// Largest working long side a page is resized to, in training and inference.
constexpr int kUnetMaxLongSidePx = 8192;
/// Weights file name in a models folder.
constexpr const char *kUnetWeightsFileName = "unet.pt";

}  // namespace detail
}  // namespace v1
}  // namespace ecgdig
