#pragma once
/// @file
/// Training of the "unet" segmenter on rendered pages. Experimental: the
/// declarations may change in any release and are not ABI-stable. Define
/// ECGDIG_EXPERIMENTAL before including this header to opt in.

#ifndef ECGDIG_EXPERIMENTAL
#error "ecgdig/experimental/train.hpp is not ABI-stable: define ECGDIG_EXPERIMENTAL to use it"
#endif

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "ecgdig/export.hpp"

namespace ecgdig {
inline namespace v1 {
namespace experimental {

/// Settings of one training run. Pages are rendered on the fly from
/// synthesize_ecg(), random_page_style() and degrade_preset(), so the batch of
/// step s depends only on `seed` and s: a resumed run sees the same data.
struct TrainOptions {
  std::filesystem::path out_dir;    ///< receives train_log.csv, checkpoint.pt and unet.pt
  std::filesystem::path resume;     ///< checkpoint to continue from; empty = start afresh
  int steps = 20000;                ///< optimizer steps in total (a resumed run stops here too)
  int batch = 8;                    ///< crops per step
  int base_width = 16;              ///< channels of the first level (widths w, 2w, 4w, 8w, 16w)
  int crop_px = 384;                ///< square crop side at the working scale
  int working_long_side_px = 1024;  ///< pages are resized so that their long side is this
  double lr = 2e-3;                 ///< peak learning rate of AdamW
  double weight_decay = 1e-4;       ///< AdamW decoupled weight decay
  int warmup_steps = 500;           ///< linear warm-up, then cosine decay to 1% of lr
  double focal_gamma = 2.0;         ///< focusing exponent of the focal term
  std::uint64_t seed = 1;           ///< drives initial weights and all data
  std::string device = "cpu";       ///< "cpu" or "cuda"
  int num_threads = 0;              ///< torch intra-op threads; 0 = torch's default
  int loader_threads = 2;           ///< threads rendering training pages
  /// Degradation presets drawn uniformly for training pages (see degrade_preset_names()).
  std::vector<std::string> presets{"none", "light", "heavy", "photo", "bw", "rotated", "crease"};
  int val_pages = 8;                ///< fixed validation pages ("heavy" preset, fixed seeds)
  int val_every_steps = 500;        ///< validation interval; 0 = only at the end
  double checkpoint_minutes = 10;   ///< wall time between checkpoints (one is always written at the end)
  int checkpoint_every_steps = 0;   ///< also checkpoint every this many steps; 0 = off
};

/// Intersection over union of the arg-max classes on the validation pages.
struct ValidationIou {
  double trace = 0;
  double grid = 0;
  double text = 0;
};

/// Progress of a run, given to the callback after every step.
struct TrainProgress {
  int step = 0;            ///< steps done so far
  int steps = 0;           ///< steps of the whole run
  double loss = 0;         ///< loss of this step's batch
  double lr = 0;           ///< learning rate used for this step
  double wall_s = 0;       ///< training seconds, including those before a resumed checkpoint
  bool validated = false;  ///< `iou` was measured at this step
  ValidationIou iou;       ///< last validation result
};

/// What a finished run did.
struct TrainReport {
  int first_step = 0;             ///< 0, or the step the checkpoint was at
  int last_step = 0;              ///< steps done at the end
  std::vector<double> losses;     ///< loss of every step run by this call
  ValidationIou iou;              ///< validation at the end
  std::int64_t parameter_count = 0;
  std::filesystem::path weights;  ///< out_dir/unet.pt, loadable by the "unet" segmenter
};

/// Trains the U-Net. Writes out_dir/train_log.csv (step, loss, lr, IoU trace,
/// grid, text, wall time), checkpoints to out_dir/checkpoint.pt (model,
/// optimizer, step, seed) and the final weights to out_dir/unet.pt.
/// @param progress called after every step on the calling thread; may be empty
/// @throws Error(Unsupported) when the library was built without ECGDIG_WITH_TORCH
/// or CUDA was asked for and is missing, Error(InvalidArgument) on bad options,
/// Error(Io)/Error(Format) when out_dir or the checkpoint cannot be used.
ECGDIG_API TrainReport train_unet(const TrainOptions &options,
                                  const std::function<void(const TrainProgress &)> &progress = {});

/// What a weights file holds.
struct UnetWeightsInfo {
  int base_width = 0;               ///< channels of the first level
  int working_long_side_px = 0;     ///< scale the net was trained at: a page's long side in px
  std::int64_t parameter_count = 0; ///< learnable values
  std::vector<float> values;        ///< all parameters and buffers, flattened in a fixed order
};

/// Reads a weights or checkpoint file written by train_unet().
/// @throws Error(Io) when it cannot be read, Error(Format) when it is not one,
/// Error(Unsupported) without ECGDIG_WITH_TORCH
ECGDIG_API UnetWeightsInfo read_unet_weights(const std::filesystem::path &path);

/// Validation IoU of a weights file on the fixed validation pages of
/// `options` (val_pages, num_threads), on the CPU, at the working scale the
/// weights file records.
/// @throws as read_unet_weights()
ECGDIG_API ValidationIou validate_unet_weights(const std::filesystem::path &weights, const TrainOptions &options);

/// What export_training_samples() wrote.
struct ExportReport {
  int crops = 0;                    ///< training crops written
  int validation_pages = 0;         ///< whole validation pages written
  std::filesystem::path train_dir;  ///< out_dir/train: SSSSSS_III.jpg + SSSSSS_III_labels.png
  std::filesystem::path val_dir;    ///< out_dir/val: NNN.png + NNN_labels.png
};

/// Writes the samples train_unet() would train on, for training with other
/// tools (e.g. PyTorch on a GPU, see scripts/train_unet.py): the crops of steps
/// [first_step, options.steps) as BGR JPEG (quality 92) with a label PNG
/// beside each (0 background, 1 trace, 2 grid, 3 text), and the validation
/// pages as PNG. Works without LibTorch.
/// @throws Error(InvalidArgument) on bad options, Error(Io) when a file cannot be written
ECGDIG_API ExportReport export_training_samples(const TrainOptions &options, int first_step = 0);

/// Turns a PyTorch state dict (`torch.save(model.state_dict(), path)` of the
/// same net, as scripts/train_unet.py writes it) into a weights file for the
/// "unet" segmenter. The width is read from the tensors' shapes; the working
/// long side the net was trained at is recorded in the file and used by the
/// segmenter.
/// @return the parameter count
/// @throws Error(Io) when a file cannot be read or written, Error(Format) when
/// the tensors do not make a U-Net, Error(Unsupported) without ECGDIG_WITH_TORCH
ECGDIG_API std::int64_t import_unet_state(const std::filesystem::path &state_dict,
                                          const std::filesystem::path &weights, int working_long_side_px);

}  // namespace experimental
}  // namespace v1
}  // namespace ecgdig
