#pragma once
// Training samples of the U-Net: rendered pages at the working scale with a
// class per pixel. Torch-free, so that they can also be exported and used to
// train elsewhere.

#include <cstdint>
#include <string>

#include <opencv2/core.hpp>

#define ECGDIG_EXPERIMENTAL
#include "ecgdig/experimental/train.hpp"

namespace ecgdig {
inline namespace v1 {
namespace detail {

/// An image (CV_8UC3 BGR) and its per-pixel UnetClass (CV_8UC1).
struct LabelledImage {
  cv::Mat bgr;
  cv::Mat labels;
};

/// Whole page `index` of the fixed validation set.
LabelledImage validation_page(const experimental::TrainOptions &options, int index);
/// Crop `index` of the batch of `step`: depends only on options.seed, step and index.
LabelledImage training_crop(const experimental::TrainOptions &options, int step, int index);
/// Throws Error(InvalidArgument) for options that make no valid samples.
void check_sample_options(const experimental::TrainOptions &options);

}  // namespace detail
}  // namespace v1
}  // namespace ecgdig
