#include "train/training_samples.hpp"

#include <algorithm>
#include <atomic>
#include <exception>
#include <mutex>
#include <random>
#include <thread>
#include <vector>

#include <fmt/format.h>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "ecgdig/error.hpp"
#include "ecgdig/render.hpp"
#include "segment/unet_spec.hpp"

namespace ecgdig {
inline namespace v1 {
namespace detail {
namespace {

// Validation pages use seeds far from the training seeds' stream.
constexpr std::uint64_t kValidationSeedBase = 0x7a11da7e00000000ull;
constexpr const char *kValidationPreset = "heavy";
// A downscaled mask pixel belongs to its class when the class covers this much of it,
// so that one-pixel traces stay connected at the working scale.
constexpr double kMaskCoverage = 0.3;
// Exported crops are JPEG at this quality: a tenth of PNG's size, and scans
// and photos arrive as JPEG anyway.
constexpr int kExportJpegQuality = 92;

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

LabelledImage render_labelled_page(std::uint64_t seed, const std::string &preset, int long_side_px) {
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
  LabelledImage out;
  cv::resize(page.bgr, out.bgr, size, 0, 0, interpolation);
  out.labels = cv::Mat(size, CV_8UC1, cv::Scalar(kUnetBackground));
  // Later classes win: grid under text under trace.
  const std::pair<const cv::Mat *, int> layers[] = {
      {&page.grid_mask, kUnetGrid}, {&page.text_mask, kUnetText}, {&page.trace_mask, kUnetTrace}};
  for (const auto &[mask, cls] : layers) {
    cv::Mat small;
    cv::resize(*mask, small, size, 0, 0, interpolation);
    out.labels.setTo(cls, small > 255 * kMaskCoverage);
  }
  return out;
}

}  // namespace

LabelledImage validation_page(const experimental::TrainOptions &o, int index) {
  return render_labelled_page(kValidationSeedBase + std::uint64_t(index), kValidationPreset, o.working_long_side_px);
}

LabelledImage training_crop(const experimental::TrainOptions &o, int step, int index) {
  const int crop = o.crop_px;
  const std::uint64_t seed = sample_seed(o.seed, step, index);
  const std::string &preset = o.presets[seed % o.presets.size()];
  LabelledImage page = render_labelled_page(seed, preset, o.working_long_side_px);
  // Pages narrower than a crop are padded with white paper and background labels.
  const int pad_x = std::max(0, crop - page.bgr.cols), pad_y = std::max(0, crop - page.bgr.rows);
  if (pad_x > 0 || pad_y > 0) {
    cv::copyMakeBorder(page.bgr, page.bgr, 0, pad_y, 0, pad_x, cv::BORDER_CONSTANT, cv::Scalar::all(255));
    cv::copyMakeBorder(page.labels, page.labels, 0, pad_y, 0, pad_x, cv::BORDER_CONSTANT, cv::Scalar(kUnetBackground));
  }
  std::mt19937_64 rng(mix(seed));
  const int x0 = std::uniform_int_distribution<int>(0, page.bgr.cols - crop)(rng);
  const int y0 = std::uniform_int_distribution<int>(0, page.bgr.rows - crop)(rng);
  const cv::Rect roi(x0, y0, crop, crop);
  return {page.bgr(roi).clone(), page.labels(roi).clone()};
}

void check_sample_options(const experimental::TrainOptions &o) {
  const auto bad = [](const std::string &what) { return Error(ErrorCode::InvalidArgument, "train: " + what); };
  if (o.steps < 1) throw bad(fmt::format("steps must be >= 1, got {}", o.steps));
  if (o.batch < 1 || o.batch > 1024) throw bad(fmt::format("batch must be in 1..1024, got {}", o.batch));
  if (o.crop_px < kUnetSideMultiple || o.crop_px % kUnetSideMultiple != 0)
    throw bad(fmt::format("crop must be a positive multiple of {}, got {}", kUnetSideMultiple, o.crop_px));
  if (o.working_long_side_px < o.crop_px || o.working_long_side_px > kUnetMaxLongSidePx)
    throw bad(fmt::format("working long side must be in crop ({})..{}, got {}", o.crop_px, kUnetMaxLongSidePx,
                          o.working_long_side_px));
  if (o.loader_threads < 0 || o.val_pages < 0) throw bad("loader threads and validation pages must be >= 0");
  if (o.presets.empty()) throw bad("the list of degradation presets is empty");
  const auto known = degrade_preset_names();
  for (const auto &p : o.presets)
    if (std::find(known.begin(), known.end(), p) == known.end()) throw bad("unknown degradation preset \"" + p + "\"");
}

}  // namespace detail

namespace experimental {

ExportReport export_training_samples(const TrainOptions &o, int first_step) {
  detail::check_sample_options(o);
  if (o.out_dir.empty()) throw Error(ErrorCode::InvalidArgument, "train: the output folder (out_dir) is empty");
  if (first_step < 0 || first_step >= o.steps)
    throw Error(ErrorCode::InvalidArgument,
                fmt::format("train: the first exported step must be in 0..{}, got {}", o.steps - 1, first_step));
  const std::filesystem::path train_dir = o.out_dir / "train", val_dir = o.out_dir / "val";
  std::error_code ec;
  std::filesystem::create_directories(train_dir, ec);
  std::filesystem::create_directories(val_dir, ec);
  if (!std::filesystem::is_directory(train_dir) || !std::filesystem::is_directory(val_dir))
    throw Error(ErrorCode::Io, fmt::format("train: cannot create '{}' and '{}'", train_dir.string(), val_dir.string()));
  const auto write = [](const std::filesystem::path &path, const cv::Mat &image, const std::vector<int> &params) {
    bool ok = false;
    try {
      ok = cv::imwrite(path.string(), image, params);
    } catch (const cv::Exception &) {
    }
    if (!ok) throw Error(ErrorCode::Io, fmt::format("train: cannot write '{}'", path.string()));
  };
  const std::vector<int> jpeg{cv::IMWRITE_JPEG_QUALITY, detail::kExportJpegQuality};

  // Jobs: validation pages first (negative numbers), then steps x batch crops.
  const int val_jobs = o.val_pages, total = val_jobs + (o.steps - first_step) * o.batch;
  std::atomic<int> next{0};
  std::exception_ptr error;
  std::mutex error_mutex;
  const auto run = [&] {
    for (int job; (job = next++) < total;) {
      try {
        if (job < val_jobs) {
          const detail::LabelledImage page = detail::validation_page(o, job);
          const std::string stem = fmt::format("{:03d}", job);
          write(val_dir / (stem + ".png"), page.bgr, {});
          write(val_dir / (stem + "_labels.png"), page.labels, {});
        } else {
          const int step = first_step + (job - val_jobs) / o.batch, index = (job - val_jobs) % o.batch;
          const detail::LabelledImage crop = detail::training_crop(o, step, index);
          const std::string stem = fmt::format("{:06d}_{:03d}", step, index);
          write(train_dir / (stem + ".jpg"), crop.bgr, jpeg);
          write(train_dir / (stem + "_labels.png"), crop.labels, {});
        }
      } catch (...) {
        std::lock_guard<std::mutex> lock(error_mutex);
        if (!error) error = std::current_exception();
        next = total;
      }
    }
  };
  std::vector<std::thread> threads;
  for (int t = 0; t < std::max(1, o.loader_threads); ++t) threads.emplace_back(run);
  for (auto &t : threads) t.join();
  if (error) std::rethrow_exception(error);
  return {total - val_jobs, val_jobs, train_dir, val_dir};
}

}  // namespace experimental
}  // namespace v1
}  // namespace ecgdig
