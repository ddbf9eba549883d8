// The U-Net trainer: pages rendered on the fly, Dice + focal loss, AdamW with
// warm-up and cosine decay, validation IoU, CSV log, checkpoints with exact resume.
#define ECGDIG_EXPERIMENTAL
#include "ecgdig/experimental/train.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstdint>
#include <cstdlib>
#include <exception>
#include <fstream>
#include <map>
#include <mutex>
#include <thread>

#include <fmt/format.h>

#include "ecgdig/error.hpp"
#include "segment/unet_net.hpp"
#include "train/training_samples.hpp"

namespace ecgdig {
inline namespace v1 {
namespace experimental {
namespace {

using detail::kUnetClasses;
using detail::UnetNet;

// Batches prepared ahead of the one being trained on.
constexpr int kPrefetchSteps = 4;
constexpr double kFinalLrFraction = 0.01;
constexpr double kDiceSmooth = 1.0;

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
    const detail::LabelledImage sample = detail::training_crop(o, step, i);
    images[i].copy_(detail::unet_input(sample.bgr)[0]);
    labels[i].copy_(torch::from_blob(sample.labels.data, {crop, crop}, torch::kUInt8).to(torch::kInt64));
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

ValidationIou validate(UnetNet &net, const std::vector<detail::LabelledImage> &pages, const torch::Device &device,
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
  detail::check_sample_options(o);
  const auto bad = [](const std::string &what) { return Error(ErrorCode::InvalidArgument, "train: " + what); };
  if (o.out_dir.empty()) throw bad("the output folder (out_dir) is empty");
  if (o.base_width < 1 || o.base_width > 256) throw bad(fmt::format("width must be in 1..256, got {}", o.base_width));
  if (!(o.lr > 0) || !(o.weight_decay >= 0) || !(o.focal_gamma >= 0))
    throw bad("lr must be > 0, weight decay and focal gamma >= 0");
  if (o.warmup_steps < 1) throw bad(fmt::format("warm-up steps must be >= 1, got {}", o.warmup_steps));
  if (o.num_threads < 0 || o.val_every_steps < 0 || o.checkpoint_every_steps < 0 || !(o.checkpoint_minutes > 0))
    throw bad("thread counts and intervals must be >= 0, checkpoint minutes > 0");
  if (o.device != "cpu" && o.device != "cuda") throw bad("device must be cpu or cuda, got \"" + o.device + "\"");
  if (o.device == "cuda" && !torch::cuda::is_available())
    throw Error(ErrorCode::Unsupported, "train: --device cuda was asked for, but this LibTorch has no usable CUDA");
}

std::vector<detail::LabelledImage> validation_pages(const TrainOptions &o) {
  std::vector<detail::LabelledImage> pages;
  for (int i = 0; i < o.val_pages; ++i) pages.push_back(detail::validation_page(o, i));
  return pages;
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
    const detail::UnetWeights saved = detail::read_unet(checkpoint, o.resume);
    net = saved.net;
    c10::IValue saved_step, saved_seed;
    if (!checkpoint.try_read("train_step", saved_step) || !saved_step.isInt() ||
        !checkpoint.try_read("train_seed", saved_seed) || !saved_seed.isInt())
      throw Error(ErrorCode::Format, fmt::format("train: '{}' holds weights but no training state (step, seed): "
                                                 "it is not a checkpoint", o.resume.string()));
    if (net->base_width() != o.base_width || std::uint64_t(saved_seed.toInt()) != o.seed ||
        saved.working_long_side_px != o.working_long_side_px)
      throw Error(ErrorCode::InvalidArgument,
                  fmt::format("train: checkpoint '{}' has width {}, seed {} and long side {}, the options ask for "
                              "width {}, seed {} and long side {}", o.resume.string(), net->base_width(),
                              saved_seed.toInt(), saved.working_long_side_px, o.base_width, o.seed,
                              o.working_long_side_px));
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

  const std::vector<detail::LabelledImage> validation = validation_pages(o);

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
    detail::write_unet(archive, net, o.working_long_side_px);
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
  detail::write_unet(weights, net, o.working_long_side_px);
  report.weights = o.out_dir / detail::kUnetWeightsFileName;
  save_atomically(weights, report.weights);
  report.last_step = std::max(step, report.first_step);
  report.iou = iou;
  return report;
}

ValidationIou validate_unet_weights(const std::filesystem::path &weights, const TrainOptions &options) {
  detail::check_sample_options(options);
  torch::serialize::InputArchive archive;
  detail::load_archive(archive, weights);
  detail::UnetWeights saved = detail::read_unet(archive, weights);
  if (options.num_threads > 0) torch::set_num_threads(options.num_threads);
  TrainOptions at_its_scale = options;  // the pages at the scale the net was trained at
  at_its_scale.working_long_side_px = saved.working_long_side_px;
  return validate(saved.net, validation_pages(at_its_scale), torch::kCPU, saved.working_long_side_px);
}

namespace {

// torch.save() writes a zip archive. LibTorch's in-memory reader trusts the
// archive's directory and reads past the buffer of a truncated file, so the
// end-of-directory record must be there and the directory inside the file.
bool is_complete_zip(const std::vector<char> &bytes) {
  constexpr std::size_t kEndRecord = 22;
  if (bytes.size() < kEndRecord) return false;
  const auto u32 = [&](std::size_t at) {
    std::uint32_t v = 0;
    for (int i = 3; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(bytes[at + std::size_t(i)]);
    return v;
  };
  const std::size_t lowest = bytes.size() > kEndRecord + 0xffff ? bytes.size() - kEndRecord - 0xffff : 0;
  for (std::size_t at = bytes.size() - kEndRecord + 1; at-- > lowest;) {
    if (u32(at) != 0x06054b50) continue;
    const std::uint64_t size = u32(at + 12), offset = u32(at + 16);
    return offset == 0xffffffff || offset + size <= at;  // zip64: the 64-bit record holds the numbers
  }
  return false;
}

}  // namespace

std::int64_t import_unet_state(const std::filesystem::path &state_dict, const std::filesystem::path &weights,
                               int working_long_side_px) {
  const auto bad = [&](const std::string &why) {
    return Error(ErrorCode::Format, fmt::format("train: '{}' is not a U-Net state dict: {}", state_dict.string(), why));
  };
  std::ifstream in(state_dict, std::ios::binary);
  if (!in) throw Error(ErrorCode::Io, fmt::format("train: cannot read '{}'", state_dict.string()));
  const std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (!is_complete_zip(bytes)) throw bad("it is not a complete torch.save() archive (truncated?)");
  c10::IValue value;
  try {
    value = torch::pickle_load(bytes);
  } catch (const c10::Error &e) {
    throw bad(fmt::format("it cannot be read as a torch.save() file ({})", e.what_without_backtrace()));
  }
  if (!value.isGenericDict()) throw bad("it does not hold a dict of tensors");
  std::map<std::string, torch::Tensor> tensors;
  for (const auto &entry : value.toGenericDict()) {
    if (!entry.key().isString() || !entry.value().isTensor()) throw bad("it does not hold a dict of tensors");
    tensors[entry.key().toStringRef()] = entry.value().toTensor();
  }
  const auto first = tensors.find("down0.body.0.weight");
  if (first == tensors.end() || first->second.dim() != 4) throw bad("there is no 4-D 'down0.body.0.weight'");
  const std::int64_t base_width = first->second.size(0);
  if (base_width < 1 || base_width > 256) throw bad(fmt::format("first-level width {} is not in 1..256", base_width));
  UnetNet net(static_cast<int>(base_width));
  std::size_t used = 0;
  torch::NoGradGuard no_grad;
  const auto fill = [&](const std::string &name, torch::Tensor &target) {
    const auto it = tensors.find(name);
    if (it == tensors.end()) throw bad(fmt::format("'{}' is missing", name));
    if (it->second.sizes() != target.sizes())
      throw bad(fmt::format("'{}' has shape {}, the width-{} net needs {}", name, fmt::join(it->second.sizes(), "x"),
                            base_width, fmt::join(target.sizes(), "x")));
    target.copy_(it->second.to(target.scalar_type()));
    ++used;
  };
  for (auto &p : net->named_parameters()) fill(p.key(), p.value());
  for (auto &b : net->named_buffers()) fill(b.key(), b.value());
  if (used != tensors.size()) throw bad(fmt::format("it holds {} tensors the net does not have", tensors.size() - used));
  torch::serialize::OutputArchive archive;
  detail::write_unet(archive, net, working_long_side_px);
  save_atomically(archive, weights);
  return detail::unet_parameter_count(net);
}

UnetWeightsInfo read_unet_weights(const std::filesystem::path &path) {
  torch::serialize::InputArchive archive;
  detail::load_archive(archive, path);
  const detail::UnetWeights saved = detail::read_unet(archive, path);
  const UnetNet &net = saved.net;
  UnetWeightsInfo info;
  info.base_width = net->base_width();
  info.working_long_side_px = saved.working_long_side_px;
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
