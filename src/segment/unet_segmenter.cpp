#include "segment/unet_segmenter.hpp"

#include <algorithm>
#include <cstdlib>
#include <optional>
#include <string>
#include <utility>

#include <fmt/format.h>
#include <opencv2/imgproc.hpp>

#include "ecgdig/error.hpp"
#include "segment/classical_segmenter.hpp"
#include "segment/unet_net.hpp"

namespace ecgdig {
inline namespace v1 {
namespace detail {

// Format 2 added the working long side.
constexpr std::int64_t kUnetFormatVersion = 2;
constexpr const char *kUnetMagic = "ecgdig-unet";

std::vector<std::int64_t> unet_widths(int base_width) {
  std::vector<std::int64_t> widths;
  for (int level = 0; level < kUnetLevels; ++level) widths.push_back(std::int64_t(base_width) << level);
  return widths;
}

UnetBlockImpl::UnetBlockImpl(std::int64_t in_channels, std::int64_t out_channels, bool separable) {
  namespace nn = torch::nn;
  nn::Sequential body;
  std::int64_t in = in_channels;
  for (int i = 0; i < 2; ++i) {
    if (separable) {
      body->push_back(nn::Conv2d(nn::Conv2dOptions(in, in, 3).padding(1).groups(in).bias(false)));
      body->push_back(nn::Conv2d(nn::Conv2dOptions(in, out_channels, 1).bias(false)));
    } else {
      body->push_back(nn::Conv2d(nn::Conv2dOptions(in, out_channels, 3).padding(1).bias(false)));
    }
    body->push_back(nn::BatchNorm2d(out_channels));
    body->push_back(nn::ReLU(nn::ReLUOptions().inplace(true)));
    in = out_channels;
  }
  body_ = register_module("body", body);
}

namespace {

// Debian's LibTorch runs a 1x1 convolution of one image on one thread by its
// reference path (it takes oneDNN only with more threads or batches of 16),
// 10-60 times slower than oneDNN (a width-8 page: 1.36 s on one thread, 0.42 s
// on two); inference calls oneDNN for them directly.
torch::Tensor convolve(torch::nn::Conv2dImpl &conv, const torch::Tensor &x) {
#if AT_MKLDNN_ENABLED()
  const auto &kernel = conv.options.kernel_size();
  if ((*kernel)[0] == 1 && (*kernel)[1] == 1 && conv.options.groups() == 1 && !torch::GradMode::is_enabled() &&
      x.device().is_cpu() && x.scalar_type() == torch::kFloat && at::globalContext().userEnabledMkldnn())
    return at::mkldnn_convolution(x, conv.weight, conv.bias.defined() ? c10::optional<torch::Tensor>(conv.bias)
                                                                      : c10::nullopt,
                                  {0, 0}, {1, 1}, {1, 1}, 1);
#endif
  return conv.forward(x);
}

}  // namespace

torch::Tensor UnetBlockImpl::forward(torch::Tensor x) {
  for (auto &layer : *body_) {
    auto *conv = layer.ptr()->as<torch::nn::Conv2dImpl>();
    x = conv ? convolve(*conv, x) : layer.forward(x);
  }
  return x;
}

UnetNetImpl::UnetNetImpl(int base_width) : base_width_(base_width) {
  const auto widths = unet_widths(base_width);
  for (int level = 0; level < kUnetLevels; ++level) {
    const std::int64_t in = level == 0 ? 3 : widths[level - 1];
    down_.push_back(register_module(fmt::format("down{}", level), UnetBlock(in, widths[level], level > 0)));
  }
  for (int level = 0; level + 1 < kUnetLevels; ++level)
    up_.push_back(register_module(fmt::format("up{}", level),
                                  UnetBlock(widths[level + 1] + widths[level], widths[level], level > 0)));
  head_ = register_module("head", torch::nn::Conv2d(torch::nn::Conv2dOptions(widths[0], kUnetClasses, 1)));
}

torch::Tensor UnetNetImpl::forward(torch::Tensor x) {
  std::vector<torch::Tensor> skips;
  for (int level = 0; level < kUnetLevels; ++level) {
    if (level > 0) x = torch::max_pool2d(x, 2);
    x = down_[level]->forward(x);
    skips.push_back(x);
  }
  for (int level = kUnetLevels - 2; level >= 0; --level) {
    x = torch::upsample_nearest2d(x, {skips[level].size(2), skips[level].size(3)});
    x = up_[level]->forward(torch::cat({x, skips[level]}, 1));
  }
  return convolve(*head_, x);
}

std::int64_t unet_parameter_count(const UnetNet &net) {
  std::int64_t count = 0;
  for (const auto &p : net->parameters()) count += p.numel();
  return count;
}

void write_unet(torch::serialize::OutputArchive &archive, const UnetNet &net, int working_long_side_px) {
  archive.write("ecgdig_magic", c10::IValue(std::string(kUnetMagic)));
  archive.write("ecgdig_version", c10::IValue(kUnetFormatVersion));
  archive.write("ecgdig_widths", torch::tensor(unet_widths(net->base_width()), torch::kInt64));
  archive.write("ecgdig_long_side", c10::IValue(std::int64_t(working_long_side_px)));
  torch::serialize::OutputArchive model(archive.compilation_unit());
  net->save(model);
  archive.write("model", model);
}

UnetWeights read_unet(torch::serialize::InputArchive &archive, const std::filesystem::path &path) {
  const auto bad = [&](const std::string &why) {
    return Error(ErrorCode::Format, fmt::format("'{}' is not an ecgdig U-Net weights file: {}", path.string(), why));
  };
  c10::IValue magic, version;
  if (!archive.try_read("ecgdig_magic", magic) || !magic.isString() || magic.toStringRef() != kUnetMagic)
    throw bad("the header has no 'ecgdig-unet' magic");
  if (!archive.try_read("ecgdig_version", version) || !version.isInt() || version.toInt() < 1 ||
      version.toInt() > kUnetFormatVersion)
    throw bad(fmt::format("format version is not 1..{}", kUnetFormatVersion));
  UnetWeights weights;
  if (version.toInt() >= 2) {
    c10::IValue long_side;
    if (!archive.try_read("ecgdig_long_side", long_side) || !long_side.isInt() ||
        long_side.toInt() < kUnetSideMultiple || long_side.toInt() > kUnetMaxLongSidePx)
      throw bad(fmt::format("the header must give the working long side ({}..{} px)", kUnetSideMultiple,
                            kUnetMaxLongSidePx));
    weights.working_long_side_px = int(long_side.toInt());
  }
  torch::Tensor widths;
  if (!archive.try_read("ecgdig_widths", widths) || widths.dim() != 1 || widths.numel() != kUnetLevels ||
      widths.scalar_type() != torch::kInt64)
    throw bad(fmt::format("the header must list {} level widths", kUnetLevels));
  const std::int64_t base_width = widths[0].item<std::int64_t>();
  if (base_width < 1 || base_width > 256 ||
      !torch::equal(widths, torch::tensor(unet_widths(int(base_width)), torch::kInt64)))
    throw bad("the level widths are not w, 2w, 4w, ... with 1 <= w <= 256");
  weights.net = UnetNet(static_cast<int>(base_width));
  try {
    torch::serialize::InputArchive model;
    if (!archive.try_read("model", model)) throw bad("there is no 'model' section");
    weights.net->load(model);
  } catch (const c10::Error &e) {
    throw bad(fmt::format("the parameters do not match the header ({})", e.what_without_backtrace()));
  }
  return weights;
}

void load_archive(torch::serialize::InputArchive &archive, const std::filesystem::path &path) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec))
    throw Error(ErrorCode::Io, fmt::format("U-Net weights file '{}' does not exist or is not a file", path.string()));
  try {
    archive.load_from(path.string());
  } catch (const c10::Error &e) {
    throw Error(ErrorCode::Format, fmt::format("'{}' is not an ecgdig U-Net weights file: it cannot be read as a "
                                               "torch archive ({})", path.string(), e.what_without_backtrace()));
  }
}

torch::Tensor unet_input(const cv::Mat &bgr) {
  if (bgr.empty() || bgr.type() != CV_8UC3)
    throw Error(ErrorCode::InvalidArgument, "unet segmenter: the image must be a non-empty CV_8UC3 BGR image");
  cv::Mat contiguous = bgr.isContinuous() ? bgr : bgr.clone();
  torch::Tensor hwc = torch::from_blob(contiguous.data, {contiguous.rows, contiguous.cols, 3}, torch::kUInt8);
  return hwc.permute({2, 0, 1}).unsqueeze(0).to(torch::kFloat32).div_(127.5).sub_(1.0).contiguous(
      torch::MemoryFormat::ChannelsLast);
}

namespace {

// Probabilities of one window: replicate-padded to the side multiple, run, cut back.
torch::Tensor window_probabilities(UnetNet &net, const cv::Mat &bgr, const torch::Device &device) {
  torch::Tensor x = unet_input(bgr).to(device);
  const std::int64_t h = x.size(2), w = x.size(3);
  const std::int64_t pad_h = (kUnetSideMultiple - h % kUnetSideMultiple) % kUnetSideMultiple;
  const std::int64_t pad_w = (kUnetSideMultiple - w % kUnetSideMultiple) % kUnetSideMultiple;
  if (pad_h > 0 || pad_w > 0) x = torch::replication_pad2d(x, {0, pad_w, 0, pad_h});
  torch::Tensor probs = torch::softmax(net->forward(x), 1);
  return probs[0].slice(1, 0, h).slice(2, 0, w).to(torch::kCPU);
}

}  // namespace

torch::Tensor unet_probabilities(UnetNet &net, const cv::Mat &bgr, int tile_px, int overlap_px,
                                 const torch::Device &device) {
  if (bgr.cols <= tile_px && bgr.rows <= tile_px) return window_probabilities(net, bgr, device);
  torch::Tensor out = torch::empty({kUnetClasses, bgr.rows, bgr.cols}, torch::kFloat32);
  const int core = tile_px - 2 * overlap_px;
  for (int y0 = 0; y0 < bgr.rows; y0 += core) {
    for (int x0 = 0; x0 < bgr.cols; x0 += core) {
      const cv::Rect core_rect = cv::Rect(x0, y0, core, core) & cv::Rect(0, 0, bgr.cols, bgr.rows);
      const cv::Rect window = cv::Rect(x0 - overlap_px, y0 - overlap_px, core + 2 * overlap_px,
                                       core + 2 * overlap_px) & cv::Rect(0, 0, bgr.cols, bgr.rows);
      const torch::Tensor probs = window_probabilities(net, bgr(window), device);
      const int dy = core_rect.y - window.y, dx = core_rect.x - window.x;
      out.slice(1, core_rect.y, core_rect.br().y)
          .slice(2, core_rect.x, core_rect.br().x)
          .copy_(probs.slice(1, dy, dy + core_rect.height).slice(2, dx, dx + core_rect.width));
    }
  }
  return out;
}

std::vector<std::filesystem::path> unet_default_weights_candidates() {
  std::vector<std::filesystem::path> candidates;
  if (const char *dir = std::getenv("ECGDIG_MODELS_DIR"); dir && *dir)
    candidates.push_back(std::filesystem::path(dir) / kUnetWeightsFileName);
  candidates.push_back(std::filesystem::path(ECGDIG_INSTALL_MODELS_DIR) / kUnetWeightsFileName);
  candidates.push_back(std::filesystem::path(ECGDIG_SOURCE_MODELS_DIR) / kUnetWeightsFileName);
  return candidates;
}

namespace {

// The first of the default weights files that exists.
std::optional<std::filesystem::path> default_weights() {
  for (const auto &path : unet_default_weights_candidates()) {
    std::error_code ec;
    if (std::filesystem::is_regular_file(path, ec)) return path;
  }
  return std::nullopt;
}

}  // namespace

bool unet_weights_found(const StageOptions &options) { return options.has("weights") || default_weights(); }

namespace {

std::filesystem::path find_weights(const StageOptions &options) {
  if (options.has("weights")) {
    std::filesystem::path path = options.get_string("weights", "");
    std::error_code ec;
    if (!std::filesystem::is_regular_file(path, ec))
      throw Error(ErrorCode::Io, fmt::format("unet segmenter: weights file '{}' (option \"weights\") does not exist; "
                                             "`--segmenter classical` works without weights", path.string()));
    return path;
  }
  if (std::optional<std::filesystem::path> path = default_weights()) return *path;
  std::string tried;
  for (const auto &path : unet_default_weights_candidates())
    tried += (tried.empty() ? "'" : ", '") + path.string() + "'";
  throw Error(ErrorCode::Io, fmt::format("unet segmenter: no weights file found (looked for {}); train one with "
                                         "`ecgdig train`, pass option \"weights\", or use `--segmenter classical`, "
                                         "which works without weights", tried));
}

// The net's maps are blurred at its working scale: its trace is too soft for
// steep strokes, thin grid lines drown in its noise, and the glyphs of a small
// footer run together in its text; the classical maps are sharp where they are
// right but lose what the net still sees (docs/model.md has the
// measurements). So "refined" maps take the grid from the classical segmenter
// at full resolution, and for trace and text take the classical map where the
// net sees that class nearby, dropping it elsewhere (noise, grid remnants), and
// the net's map where no kept classical map is near (a trace along grid lines
// as dark as itself, text in noise). The net labels calibration pulses as
// text, so text counts for the trace; the text stays off that trace.
constexpr double kGateWorkingPx = 5;       // reach of the net's class, px at its working scale
constexpr double kGateProbability = 0.25;  // the net's probability that keeps the classical map
constexpr double kOwnWorkingPx = 3;        // no net map within a disc this wide around the kept classical map

// `classical` where `gate`, dilated by `gate_disc`, reaches kGateProbability
// (0 elsewhere); `net` where no kept classical value above one half lies
// within `own_disc`; the larger of the two where both apply. With
// `fill_seams`, where the classical map has a hole that the net fills (ink
// it dropped, such as the dense base of a QRS complex), the net's map also
// fills the seam of `own_disc` left between the two, so a stroke is not cut
// there.
cv::Mat classical_where_the_net_agrees(const cv::Mat &classical, const cv::Mat &gate, const cv::Mat &net,
                                       const cv::Mat &gate_disc, const cv::Mat &own_disc, bool fill_seams) {
  cv::Mat near_gate;
  cv::dilate(gate, near_gate, gate_disc);
  cv::Mat kept = classical.clone();
  kept.setTo(0.0f, near_gate < kGateProbability);
  cv::Mat near_kept;
  cv::dilate(kept > 0.5f, near_kept, own_disc);
  cv::Mat own = net.clone();
  own.setTo(0.0f, near_kept);
  cv::Mat merged = cv::max(kept, own);
  if (!fill_seams) return merged;
  cv::Mat near_own;
  cv::dilate(own > 0.5f, near_own, own_disc);
  net.copyTo(merged, near_own & near_kept & (net > 0.5f));
  return merged;
}

class UnetSegmenter final : public Segmenter {
 public:
  explicit UnetSegmenter(const StageOptions &options)
      : tile_px_(options.get_int("unet_tile_px", 2048)), overlap_px_(options.get_int("unet_tile_overlap_px", 32)) {
    const int num_threads = options.get_int("num_threads", 0);
    const std::string maps = options.get_string("unet_maps", "refined");
    if (maps != "refined" && maps != "net")
      throw Error(ErrorCode::InvalidArgument,
                  fmt::format("unet segmenter: \"unet_maps\" must be refined or net, got '{}'", maps));
    const bool long_side_asked = options.has("unet_long_side_px");
    const int asked_long_side = options.get_int("unet_long_side_px", 0);
    if (long_side_asked && (asked_long_side < kUnetSideMultiple || asked_long_side > kUnetMaxLongSidePx))
      throw Error(ErrorCode::InvalidArgument,
                  fmt::format("unet segmenter: \"unet_long_side_px\" must be in {}..{}, got {}", kUnetSideMultiple,
                              kUnetMaxLongSidePx, asked_long_side));
    if (overlap_px_ < 0 || tile_px_ < 4 * kUnetSideMultiple || tile_px_ <= 4 * overlap_px_)
      throw Error(ErrorCode::InvalidArgument,
                  fmt::format("unet segmenter: \"unet_tile_px\" ({}) must be at least {} and more than four times "
                              "\"unet_tile_overlap_px\" ({})", tile_px_, 4 * kUnetSideMultiple, overlap_px_));
    if (num_threads < 0)
      throw Error(ErrorCode::InvalidArgument,
                  fmt::format("unet segmenter: \"num_threads\" must be >= 0, got {}", num_threads));
    if (num_threads > 0) torch::set_num_threads(num_threads);
    if (maps == "refined") classical_ = make_classical_segmenter({{"num_threads", std::to_string(num_threads)}});
    const std::filesystem::path path = find_weights(options);
    torch::serialize::InputArchive archive;
    load_archive(archive, path);
    UnetWeights weights = read_unet(archive, path);
    net_ = weights.net;
    long_side_px_ = long_side_asked ? asked_long_side : weights.working_long_side_px;
    net_->eval();
    for (auto &p : net_->parameters())
      if (p.dim() == 4) p.set_data(p.contiguous(torch::MemoryFormat::ChannelsLast));
  }

  SegmentationMaps segment(const cv::Mat &bgr) const override {
    if (bgr.empty() || bgr.type() != CV_8UC3)
      throw Error(ErrorCode::InvalidArgument, "unet segmenter: the image must be a non-empty CV_8UC3 BGR image");
    const double scale = double(long_side_px_) / std::max(bgr.cols, bgr.rows);
    const cv::Size working(std::max(1, int(std::lround(bgr.cols * scale))),
                           std::max(1, int(std::lround(bgr.rows * scale))));
    cv::Mat resized;
    cv::resize(bgr, resized, working, 0, 0, scale < 1 ? cv::INTER_AREA : cv::INTER_LINEAR);
    torch::Tensor probs;
    {
      torch::InferenceMode guard;
      probs = unet_probabilities(net_, resized, tile_px_, overlap_px_, torch::kCPU).contiguous();
    }
    const auto map_of = [&](int cls) {
      cv::Mat map(working, CV_32FC1, probs[cls].data_ptr<float>());
      cv::Mat full;
      cv::resize(map, full, bgr.size(), 0, 0, cv::INTER_LINEAR);
      return full;
    };
    SegmentationMaps net{map_of(kUnetTrace), map_of(kUnetGrid), map_of(kUnetText)};
    if (!classical_) return net;
    // Odd kernel sizes at full resolution for lengths at the working scale.
    const auto diameter_of = [&](double working_px) { return 2 * int(working_px / scale / 2) + 1; };
    const auto disc_of = [&](double working_px) {
      const int diameter = diameter_of(working_px);
      return cv::getStructuringElement(cv::MORPH_ELLIPSE, cv::Size(diameter, diameter));
    };
    const cv::Mat gate_disc = disc_of(kGateWorkingPx);
    const cv::Mat own_disc = disc_of(kOwnWorkingPx);
    SegmentationMaps refined = classical_->segment(bgr);
    refined.trace = classical_where_the_net_agrees(refined.trace, net.trace + net.text, net.trace, gate_disc, own_disc,
                                                   true);
    // Pulses are trace to the later stages, which measure their strokes to half
    // a pixel: no text on them or on the net's blur around them.
    const int kernel = diameter_of(kGateWorkingPx);
    cv::Mat trace_zone;
    cv::dilate(refined.trace, trace_zone, cv::getStructuringElement(cv::MORPH_RECT, cv::Size(kernel, kernel)));
    cv::Mat off_trace;
    cv::subtract(1.0, trace_zone, off_trace);
    cv::min(classical_where_the_net_agrees(refined.text, net.text, net.text, gate_disc, own_disc, false), off_trace,
            refined.text);
    return refined;
  }

 private:
  int long_side_px_ = kUnetFirstLongSidePx;  // set from the weights or the option
  int tile_px_;
  int overlap_px_;
  mutable UnetNet net_{nullptr};
  std::unique_ptr<Segmenter> classical_;  // set for refined maps
};

}  // namespace

std::unique_ptr<Segmenter> make_unet_segmenter(const StageOptions &options) {
  return std::make_unique<UnetSegmenter>(options);
}

}  // namespace detail
}  // namespace v1
}  // namespace ecgdig
