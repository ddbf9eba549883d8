#pragma once
// The U-Net behind the "unet" segmenter and its weights file. Torch is
// included here, so only unet_segmenter.cpp and src/train/unet_trainer.cpp
// may include this header.

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include <opencv2/core.hpp>
#include <torch/torch.h>

#include "segment/unet_spec.hpp"

namespace ecgdig {
inline namespace v1 {
namespace detail {

/// Channel widths of the levels for a first-level width `base_width` (w, 2w, 4w, 8w, 16w).
std::vector<std::int64_t> unet_widths(int base_width);

/// Two 3x3 convolutions with batch norm and ReLU; depthwise-separable ones
/// (3x3 per channel, then 1x1) on the coarse levels, where they save most.
class UnetBlockImpl : public torch::nn::Module {
 public:
  UnetBlockImpl(std::int64_t in_channels, std::int64_t out_channels, bool separable);
  torch::Tensor forward(torch::Tensor x);

 private:
  torch::nn::Sequential body_{nullptr};
};
TORCH_MODULE(UnetBlock);

/// Encoder of kUnetLevels blocks with 2x max pooling, decoder with nearest
/// upsampling and skip concatenation, 1x1 head to kUnetClasses logits.
class UnetNetImpl : public torch::nn::Module {
 public:
  explicit UnetNetImpl(int base_width);
  /// @param x N x 3 x H x W, H and W multiples of kUnetSideMultiple
  /// @return N x kUnetClasses x H x W logits
  torch::Tensor forward(torch::Tensor x);
  int base_width() const { return base_width_; }

 private:
  int base_width_;
  std::vector<UnetBlock> down_;
  std::vector<UnetBlock> up_;
  torch::nn::Conv2d head_{nullptr};
};
TORCH_MODULE(UnetNet);

/// Learnable values of the net.
std::int64_t unet_parameter_count(const UnetNet &net);

/// A net and the working scale it was trained at.
struct UnetWeights {
  UnetNet net{nullptr};
  int working_long_side_px = kUnetFirstLongSidePx;
};

/// Writes the header (magic, version, widths, working long side) and the net's
/// parameters and buffers into `archive`.
void write_unet(torch::serialize::OutputArchive &archive, const UnetNet &net, int working_long_side_px);
/// Reads what write_unet() wrote (format 1, which had no working long side,
/// means kUnetFirstLongSidePx); `path` only names the file in errors.
/// @throws Error(Format) when the archive is not an ecgdig U-Net
UnetWeights read_unet(torch::serialize::InputArchive &archive, const std::filesystem::path &path);
/// Opens an archive file. @throws Error(Io) when missing, Error(Format) when unreadable
void load_archive(torch::serialize::InputArchive &archive, const std::filesystem::path &path);

/// CV_8UC3 BGR image -> 1 x 3 x H x W float tensor scaled to about [-1, 1].
torch::Tensor unet_input(const cv::Mat &bgr);
/// Logits of an image of any size: reflect-padded to the side multiple and
/// cut into tiles of at most `tile_px` with `overlap_px` context on each side.
/// @return kUnetClasses x H x W softmax probabilities (float, CPU)
torch::Tensor unet_probabilities(UnetNet &net, const cv::Mat &bgr, int tile_px, int overlap_px,
                                 const torch::Device &device);

}  // namespace detail
}  // namespace v1
}  // namespace ecgdig
