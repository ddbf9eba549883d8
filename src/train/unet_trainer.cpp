// The U-Net trainer: pages rendered on the fly, Dice + focal loss, AdamW with
// warm-up and cosine decay, validation IoU, CSV log, checkpoints with exact resume.
#define ECGDIG_EXPERIMENTAL
#include "ecgdig/experimental/train.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstdlib>
#include <exception>
#include <fstream>
#include <map>
#include <mutex>
#include <random>
#include <thread>

#include <fmt/format.h>
#include <opencv2/imgproc.hpp>

#include "ecgdig/error.hpp"
#include "ecgdig/render.hpp"
#include "segment/unet_net.hpp"

namespace ecgdig {
inline namespace v1 {
namespace experimental {
namespace {

using detail::kUnetClasses;
using detail::UnetNet;

// Validation pages use seeds far from the training seeds' stream.
constexpr std::uint64_t kValidationSeedBase = 0x7a11da7e00000000ull;
constexpr const char *kValidationPreset = "heavy";
// A downscaled mask pixel belongs to its class when the class covers this much of it,
// so that one-pixel traces stay connected at the working scale.
constexpr double kMaskCoverage = 0.3;
// Batches prepared ahead of the one being trained on.
constexpr int kPrefetchSteps = 4;
constexpr double kFinalLrFraction = 0.01;
constexpr double kDiceSmooth = 1.0;

// splitmix64: independent seeds from (run seed, step, index).
std::uint64_t mix(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

std::uint64_t sample_seed(std::uint64_t seed, int step, int index) {
  return mix(mix(mix(seed) + std::uint64_t(step)) + std::uint64_t(index));
}

/// A page at the working scale with its per-pixel class (CV_8UC1).
struct LabelledPage {
  cv::Mat bgr;
  cv::Mat labels;
};

LabelledPage render_labelled_page(std::uint64_t seed, const std::string &preset, int long_side_px) {
  std::mt19937_64 rng(seed);
  PageStyle style = random_page_style(seed);
  // Drawing at 1-2x the working resolution is much cheaper than at the style's
  // DPI and still leaves the final downscale to blur lines as scans do.
  const double long_mm = std::max(style.page_width_mm, style.page_height_mm);
  const double working_dpi = long_side_px / (long_mm / 25.4);
  style.dpi = std::clamp(working_dpi * std::uniform_real_distribution<double>(1.0, 2.0)(rng), 72.0, 600.0);
  RenderedPage page = render_page(synthesize_ecg(SynthOptions{}, seed), style);
  if (preset != "none") degrade(page, degrade_preset(preset), seed);
  const double scale = double(long_side_px) / std::max(page.bgr.cols, page.bgr.rows);
  const cv::Size size(std::max(1, int(std::lround(page.bgr.cols * scale))),
                      std::max(1, int(std::lround(page.bgr.rows * scale))));
  const int interpolation = scale < 1 ? cv::INTER_AREA : cv::INTER_LINEAR;
  LabelledPage out;
  cv::resize(page.bgr, out.bgr, size, 0, 0, interpolation);
  out.labels = cv::Mat(size, CV_8UC1, cv::Scalar(detail::kUnetBackground));
  // Later classes win: grid under text under trace.
  const std::pair<const cv::Mat *, int> layers[] = {
      {&page.grid_mask, detail::kUnetGrid}, {&page.text_mask, detail::kUnetText}, {&page.trace_mask, detail::kUnetTrace}};
  for (const auto &[mask, cls] : layers) {
    cv::Mat small;
    cv::resize(*mask, small, size, 0, 0, interpolation);
    out.labels.setTo(cls, small > 255 * kMaskCoverage);
  }
  return out;
}

/// Batch of one step: images N x 3 x C x C float, labels N x C x C int64 (CPU).
struct Batch {
  torch::Tensor images;
  torch::Tensor labels;
};

Batch make_batch(const TrainOptions &o, int step) {
  const int crop = o.crop_px;
  torch::Tensor images = torch::empty({o.batch, 3, crop, crop}, torch::kFloat32);
  torch::Tensor labels = torch::empty({o.batch, crop, crop}, torch::kInt64);
  for (int i = 0; i < o.batch; ++i) {
    const std::uint64_t seed = sample_seed(o.seed, step, i);
    const std::string &preset = o.presets[seed % o.presets.size()];
    LabelledPage page = render_labelled_page(seed, preset, o.working_long_side_px);
    // Pages narrower than a crop are padded with white paper and background labels.
    const int pad_x = std::max(0, crop - page.bgr.cols), pad_y = std::max(0, crop - page.bgr.rows);
    if (pad_x > 0 || pad_y > 0) {
      cv::copyMakeBorder(page.bgr, page.bgr, 0, pad_y, 0, pad_x, cv::BORDER_CONSTANT, cv::Scalar::all(255));
      cv::copyMakeBorder(page.labels, page.labels, 0, pad_y, 0, pad_x, cv::BORDER_CONSTANT,
                         cv::Scalar(detail::kUnetBackground));
    }
    std::mt19937_64 rng(mix(seed));
    const int x0 = std::uniform_int_distribution<int>(0, page.bgr.cols - crop)(rng);
    const int y0 = std::uniform_int_distribution<int>(0, page.bgr.rows - crop)(rng);
    const cv::Rect roi(x0, y0, crop, crop);
    images[i].copy_(detail::unet_input(page.bgr(roi).clone())[0]);
    cv::Mat label_crop = page.labels(roi).clone();
    labels[i].copy_(torch::from_blob(label_crop.data, {crop, crop}, torch::kUInt8).to(torch::kInt64));
  }
  return {images.contiguous(torch::MemoryFormat::ChannelsLast), labels};
}

/// Loader threads render the batches of steps [first, last) ahead of training.
/// Batch contents depend only on the step, never on which thread made it.
class BatchLoader {
 public:
  BatchLoader(const TrainOptions &options, int first, int last) : options_(options), next_(first), last_(last), consumer_step_(first) {
    for (int t = 0; t < std::max(1, options.loader_threads); ++t) threads_.emplace_back([this] { run(); });
  }
  ~BatchLoader() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stop_ = true;
    }
    changed_.notify_all();
    for (auto &t : threads_) t.join();
  }

  Batch take(int step) {
    std::unique_lock<std::mutex> lock(mutex_);
    consumer_step_ = step;
    changed_.notify_all();
    changed_.wait(lock, [&] { return ready_.count(step) > 0 || error_; });
    if (error_) std::rethrow_exception(error_);
    Batch batch = std::move(ready_[step]);
    ready_.erase(step);
    changed_.notify_all();
    return batch;
  }

 private:
  void run() {
    for (;;) {
      int step;
      {
        std::unique_lock<std::mutex> lock(mutex_);
        changed_.wait(lock, [&] { return stop_ || (next_ < last_ && next_ < consumer_step_ + kPrefetchSteps); });
        if (stop_) return;
        step = next_++;
      }
      try {
        Batch batch = make_batch(options_, step);
        std::lock_guard<std::mutex> lock(mutex_);
        ready_[step] = std::move(batch);
      } catch (...) {
        std::lock_guard<std::mutex> lock(mutex_);
        if (!error_) error_ = std::current_exception();
      }
      changed_.notify_all();
    }
  }

  const TrainOptions &options_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::map<int, Batch> ready_;
  std::exception_ptr error_;
  int next_;
  int last_;
  int consumer_step_;
  bool stop_ = false;
  std::vector<std::thread> threads_;
};

/// Class-balanced soft Dice (every class weighs the same, whatever its area)
/// plus focal loss.
torch::Tensor segmentation_loss(const torch::Tensor &logits, const torch::Tensor &labels, double gamma) {
  const torch::Tensor log_probs = torch::log_softmax(logits, 1);
  const torch::Tensor probs = log_probs.exp();
  const torch::Tensor one_hot = torch::one_hot(labels, kUnetClasses).permute({0, 3, 1, 2}).to(probs.dtype());
  const std::vector<std::int64_t> dims{0, 2, 3};
  const torch::Tensor intersection = (probs * one_hot).sum(dims);
  const torch::Tensor total = probs.sum(dims) + one_hot.sum(dims);
  const torch::Tensor dice = (2 * intersection + kDiceSmooth) / (total + kDiceSmooth);
  const torch::Tensor log_pt = log_probs.gather(1, labels.unsqueeze(1));
  const torch::Tensor focal = -(torch::pow(1 - log_pt.exp(), gamma) * log_pt).mean();
  return (1 - dice.mean()) + focal;
}

double learning_rate(const TrainOptions &o, int step) {
  if (step < o.warmup_steps) return o.lr * (step + 1) / o.warmup_steps;
  const double span = std::max(1, o.steps - o.warmup_steps);
  const double t = std::min(1.0, (step - o.warmup_steps) / span);
  return o.lr * (kFinalLrFraction + (1 - kFinalLrFraction) * 0.5 * (1 + std::cos(M_PI * t)));
}

ValidationIou validate(UnetNet &net, const std::vector<LabelledPage> &pages, const torch::Device &device,
                       int tile_px) {
  net->eval();
  double inter[kUnetClasses] = {}, uni[kUnetClasses] = {};
  {
    torch::NoGradGuard no_grad;
    for (const auto &page : pages) {
      const torch::Tensor predicted = detail::unet_probabilities(net, page.bgr, tile_px, 32, device).argmax(0);
      cv::Mat labels = page.labels.clone();
      const torch::Tensor truth = torch::from_blob(labels.data, {labels.rows, labels.cols}, torch::kUInt8)
                                      .to(torch::kInt64);
      for (int c = 1; c < kUnetClasses; ++c) {
        const torch::Tensor p = predicted == c, t = truth == c;
        inter[c] += (p & t).sum().item<double>();
        uni[c] += (p | t).sum().item<double>();
      }
    }
  }
  net->train();
  const auto iou = [&](int c) { return uni[c] > 0 ? inter[c] / uni[c] : 0.0; };
  return {iou(detail::kUnetTrace), iou(detail::kUnetGrid), iou(detail::kUnetText)};
}

void check_options(const TrainOptions &o) {
  const auto bad = [](const std::string &what) { return Error(ErrorCode::InvalidArgument, "train: " + what); };
  if (o.out_dir.empty()) throw bad("the output folder (out_dir) is empty");
  if (o.steps < 1) throw bad(fmt::format("steps must be >= 1, got {}", o.steps));
  if (o.batch < 1 || o.batch > 1024) throw bad(fmt::format("batch must be in 1..1024, got {}", o.batch));
  if (o.base_width < 1 || o.base_width > 256) throw bad(fmt::format("width must be in 1..256, got {}", o.base_width));
  if (o.crop_px < detail::kUnetSideMultiple || o.crop_px % detail::kUnetSideMultiple != 0)
    throw bad(fmt::format("crop must be a positive multiple of {}, got {}", detail::kUnetSideMultiple, o.crop_px));
  if (o.working_long_side_px < o.crop_px || o.working_long_side_px > 8192)
    throw bad(fmt::format("working long side must be in crop ({})..8192, got {}", o.crop_px, o.working_long_side_px));
  if (!(o.lr > 0) || !(o.weight_decay >= 0) || !(o.focal_gamma >= 0))
    throw bad("lr must be > 0, weight decay and focal gamma >= 0");
  if (o.warmup_steps < 1) throw bad(fmt::format("warm-up steps must be >= 1, got {}", o.warmup_steps));
  if (o.num_threads < 0 || o.loader_threads < 0 || o.val_pages < 0 || o.val_every_steps < 0 ||
      o.checkpoint_every_steps < 0 || !(o.checkpoint_minutes > 0))
    throw bad("thread counts, validation pages and intervals must be >= 0, checkpoint minutes > 0");
  if (o.presets.empty()) throw bad("the list of degradation presets is empty");
  const auto known = degrade_preset_names();
  for (const auto &p : o.presets)
    if (std::find(known.begin(), known.end(), p) == known.end()) throw bad("unknown degradation preset \"" + p + "\"");
  if (o.device != "cpu" && o.device != "cuda") throw bad("device must be cpu or cuda, got \"" + o.device + "\"");
  if (o.device == "cuda" && !torch::cuda::is_available())
    throw Error(ErrorCode::Unsupported, "train: --device cuda was asked for, but this LibTorch has no usable CUDA");
}

void save_atomically(torch::serialize::OutputArchive &archive, const std::filesystem::path &path) {
  const std::filesystem::path tmp = path.string() + ".tmp";
  try {
    archive.save_to(tmp.string());
  } catch (const c10::Error &e) {
    throw Error(ErrorCode::Io, fmt::format("train: cannot write '{}' ({})", tmp.string(), e.what_without_backtrace()));
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) throw Error(ErrorCode::Io, fmt::format("train: cannot rename '{}' to '{}': {}", tmp.string(), path.string(),
                                                 ec.message()));
}

}  // namespace

TrainReport train_unet(const TrainOptions &o, const std::function<void(const TrainProgress &)> &progress) {
  check_options(o);
  const auto start = std::chrono::steady_clock::now();
  const auto wall_s = [&] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(); };
  if (o.num_threads > 0) torch::set_num_threads(o.num_threads);
  const torch::Device device(o.device == "cuda" ? torch::kCUDA : torch::kCPU);
  std::error_code ec;
  std::filesystem::create_directories(o.out_dir, ec);
  if (!std::filesystem::is_directory(o.out_dir))
    throw Error(ErrorCode::Io, fmt::format("train: cannot create the output folder '{}'", o.out_dir.string()));

  int step = 0;
  double wall_offset_s = 0;  // training time of the run before its checkpoint
  UnetNet net{nullptr};
  torch::serialize::InputArchive checkpoint;
  if (!o.resume.empty()) {
    detail::load_archive(checkpoint, o.resume);
    net = detail::read_unet(checkpoint, o.resume);
    c10::IValue saved_step, saved_seed;
    if (!checkpoint.try_read("train_step", saved_step) || !saved_step.isInt() ||
        !checkpoint.try_read("train_seed", saved_seed) || !saved_seed.isInt())
      throw Error(ErrorCode::Format, fmt::format("train: '{}' holds weights but no training state (step, seed): "
                                                 "it is not a checkpoint", o.resume.string()));
    if (net->base_width() != o.base_width || std::uint64_t(saved_seed.toInt()) != o.seed)
      throw Error(ErrorCode::InvalidArgument,
                  fmt::format("train: checkpoint '{}' has width {} and seed {}, the options ask for width {} and "
                              "seed {}", o.resume.string(), net->base_width(), saved_seed.toInt(), o.base_width,
                              o.seed));
    step = int(saved_step.toInt());
    c10::IValue saved_wall_s;
    if (checkpoint.try_read("train_wall_s", saved_wall_s) && saved_wall_s.isDouble())
      wall_offset_s = saved_wall_s.toDouble();
  } else {
    torch::manual_seed(o.seed);
    net = UnetNet(o.base_width);
  }
  net->to(device);
  for (auto &p : net->parameters())
    if (p.dim() == 4) p.set_data(p.contiguous(torch::MemoryFormat::ChannelsLast));
  net->train();
  torch::optim::AdamW optimizer(net->parameters(), torch::optim::AdamWOptions(o.lr).weight_decay(o.weight_decay));
  if (!o.resume.empty()) {
    torch::serialize::InputArchive state;
    try {
      if (!checkpoint.try_read("optimizer", state)) throw c10::Error("no optimizer section", "");
      optimizer.load(state);
    } catch (const c10::Error &e) {
      throw Error(ErrorCode::Format, fmt::format("train: the optimizer state in '{}' is unreadable ({})",
                                                 o.resume.string(), e.what_without_backtrace()));
    }
  }

  std::vector<LabelledPage> validation;
  for (int i = 0; i < o.val_pages; ++i)
    validation.push_back(render_labelled_page(kValidationSeedBase + std::uint64_t(i), kValidationPreset,
                                              o.working_long_side_px));

  // A resumed run keeps the rows up to its checkpoint and drops those of the
  // steps it will redo.
  const std::filesystem::path log_path = o.out_dir / "train_log.csv";
  std::string kept_rows = "step,loss,lr,iou_trace,iou_grid,iou_text,wall_s\n";
  if (!o.resume.empty()) {
    std::ifstream old_log(log_path);
    std::string line;
    if (std::getline(old_log, line))
      while (std::getline(old_log, line))
        if (std::atol(line.c_str()) <= step) kept_rows += line + '\n';
  }
  std::ofstream log(log_path, std::ios::trunc);
  if (!log) throw Error(ErrorCode::Io, fmt::format("train: cannot write '{}'", log_path.string()));
  log << kept_rows;

  const auto write_checkpoint = [&](int done) {
    torch::serialize::OutputArchive archive;
    detail::write_unet(archive, net);
    torch::serialize::OutputArchive state(archive.compilation_unit());
    optimizer.save(state);
    archive.write("optimizer", state);
    archive.write("train_step", c10::IValue(std::int64_t(done)));
    archive.write("train_seed", c10::IValue(std::int64_t(o.seed)));
    archive.write("train_wall_s", c10::IValue(wall_offset_s + wall_s()));
    save_atomically(archive, o.out_dir / "checkpoint.pt");
  };

  TrainReport report;
  report.first_step = step;
  report.parameter_count = detail::unet_parameter_count(net);
  ValidationIou iou;
  double last_checkpoint_s = 0;
  {
    BatchLoader loader(o, step, o.steps);
    for (; step < o.steps; ++step) {
      const Batch batch = loader.take(step);
      const double lr = learning_rate(o, step);
      for (auto &group : optimizer.param_groups())
        static_cast<torch::optim::AdamWOptions &>(group.options()).lr(lr);
      optimizer.zero_grad();
      const torch::Tensor loss =
          segmentation_loss(net->forward(batch.images.to(device)), batch.labels.to(device), o.focal_gamma);
      loss.backward();
      optimizer.step();
      const double loss_value = loss.item<double>();
      if (!std::isfinite(loss_value))
        throw Error(ErrorCode::Internal, fmt::format("train: the loss is not finite at step {} (lower --lr)", step));
      report.losses.push_back(loss_value);

      const int done = step + 1;
      TrainProgress p;
      p.step = done;
      p.steps = o.steps;
      p.loss = loss_value;
      p.lr = lr;
      p.validated = done == o.steps || (o.val_every_steps > 0 && done % o.val_every_steps == 0);
      if (p.validated) iou = validate(net, validation, device, o.working_long_side_px);
      p.iou = iou;
      p.wall_s = wall_offset_s + wall_s();
      log << done << ',' << loss_value << ',' << lr << ',';
      if (p.validated) log << iou.trace << ',' << iou.grid << ',' << iou.text;
      else log << ",,";
      log << ',' << p.wall_s << '\n';
      log.flush();
      if (done == o.steps || (o.checkpoint_every_steps > 0 && done % o.checkpoint_every_steps == 0) ||
          wall_s() - last_checkpoint_s >= o.checkpoint_minutes * 60) {
        write_checkpoint(done);
        last_checkpoint_s = wall_s();
      }
      if (progress) progress(p);
    }
  }
  if (report.first_step >= o.steps) iou = validate(net, validation, device, o.working_long_side_px);

  torch::serialize::OutputArchive weights;
  detail::write_unet(weights, net);
  report.weights = o.out_dir / detail::kUnetWeightsFileName;
  save_atomically(weights, report.weights);
  report.last_step = std::max(step, report.first_step);
  report.iou = iou;
  return report;
}

UnetWeightsInfo read_unet_weights(const std::filesystem::path &path) {
  torch::serialize::InputArchive archive;
  detail::load_archive(archive, path);
  const UnetNet net = detail::read_unet(archive, path);
  UnetWeightsInfo info;
  info.base_width = net->base_width();
  info.parameter_count = detail::unet_parameter_count(net);
  const auto append = [&](const torch::Tensor &t) {
    const torch::Tensor flat = t.detach().to(torch::kCPU, torch::kFloat32).contiguous().view(-1);
    info.values.insert(info.values.end(), flat.data_ptr<float>(), flat.data_ptr<float>() + flat.numel());
  };
  for (const auto &p : net->named_parameters()) append(p.value());
  for (const auto &b : net->named_buffers()) append(b.value());
  return info;
}

}  // namespace experimental
}  // namespace v1
}  // namespace ecgdig
