// ecgdig train: train the "unet" segmenter on pages rendered on the fly; or
// export those pages, import weights trained elsewhere, validate weights.

#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>

#define ECGDIG_EXPERIMENTAL
#include "commands.hpp"
#include "ecgdig/error.hpp"
#include "ecgdig/experimental/train.hpp"

namespace ecgdig::cli {
namespace {

struct TrainCommandOptions {
  experimental::TrainOptions train;
  std::string out, resume, import_state, validate;
  bool export_samples = false;
  int first_step = 0;
  bool quiet = false;
};

void print_iou(const char *what, const experimental::ValidationIou &iou) {
  std::printf("%s: validation IoU trace %.3f grid %.3f text %.3f\n", what, iou.trace, iou.grid, iou.text);
}

void run_train(TrainCommandOptions &o) {
  o.train.out_dir = o.out;
  o.train.resume = o.resume;
  if (o.export_samples) {
    const experimental::ExportReport report = experimental::export_training_samples(o.train, o.first_step);
    std::printf("ecgdig: wrote %d training crops to %s and %d validation pages to %s\n", report.crops,
                report.train_dir.string().c_str(), report.validation_pages, report.val_dir.string().c_str());
    return;
  }
  if (!o.import_state.empty()) {
    if (o.out.empty()) throw Error(ErrorCode::InvalidArgument, "train: --import-state needs -o/--out");
    const std::filesystem::path weights = std::filesystem::path(o.out) / "unet.pt";
    std::error_code ec;
    std::filesystem::create_directories(o.out, ec);
    const std::int64_t parameters = experimental::import_unet_state(o.import_state, weights, o.train.working_long_side_px);
    std::printf("ecgdig: imported %s (%lld parameters) into %s\n", o.import_state.c_str(),
                static_cast<long long>(parameters), weights.string().c_str());
    if (o.train.val_pages > 0) print_iou("ecgdig", experimental::validate_unet_weights(weights, o.train));
    return;
  }
  if (!o.validate.empty()) {
    print_iou(o.validate.c_str(), experimental::validate_unet_weights(o.validate, o.train));
    return;
  }
  const experimental::TrainReport report = experimental::train_unet(o.train, [&](const experimental::TrainProgress &p) {
    if (o.quiet && !p.validated) return;
    std::fprintf(stderr, "\rstep %d/%d  loss %.4f  lr %.2e  %.0f s", p.step, p.steps, p.loss, p.lr, p.wall_s);
    if (p.validated)
      std::fprintf(stderr, "  IoU trace %.3f grid %.3f text %.3f\n", p.iou.trace, p.iou.grid, p.iou.text);
    std::fflush(stderr);
  });
  std::printf("ecgdig: trained steps %d..%d (%lld parameters); validation IoU trace %.3f grid %.3f text %.3f; "
              "weights %s\n",
              report.first_step, report.last_step, static_cast<long long>(report.parameter_count), report.iou.trace,
              report.iou.grid, report.iou.text, report.weights.string().c_str());
}

}  // namespace

void add_train_command(CLI::App &app, int & /*exit_code*/) {
  auto o = std::make_shared<TrainCommandOptions>();
  auto &t = o->train;
  CLI::App *cmd = app.add_subcommand(
      "train",
      "Train the unet segmenter on synthetic pages rendered on the fly; writes OUT/train_log.csv, "
      "OUT/checkpoint.pt and OUT/unet.pt (use it with --segmenter unet and option weights=OUT/unet.pt).");
  cmd->add_option("-o,--out", o->out, "output folder (not needed with --validate)");
  cmd->add_option("--resume", o->resume, "continue from this checkpoint (same --width and --seed)");
  cmd->add_option("--steps", t.steps, "optimizer steps in total")->capture_default_str();
  cmd->add_option("--batch", t.batch, "crops per step")->capture_default_str();
  cmd->add_option("--width", t.base_width, "channels of the first U-Net level (w, 2w, ... 16w)")->capture_default_str();
  cmd->add_option("--crop", t.crop_px, "crop side in px at the working scale (multiple of 16)")->capture_default_str();
  cmd->add_option("--long-side", t.working_long_side_px, "working scale: long side of a page in px")
      ->capture_default_str();
  cmd->add_option("--lr", t.lr, "peak learning rate (AdamW)")->capture_default_str();
  cmd->add_option("--weight-decay", t.weight_decay, "AdamW weight decay")->capture_default_str();
  cmd->add_option("--warmup", t.warmup_steps, "linear warm-up steps before the cosine decay")->capture_default_str();
  cmd->add_option("--seed", t.seed, "seed of the initial weights and of all pages")->capture_default_str();
  cmd->add_option("--device", t.device, "cpu or cuda")->check(CLI::IsMember({"cpu", "cuda"}))->capture_default_str();
  cmd->add_option("--threads", t.num_threads, "torch threads (0 = all cores)")->capture_default_str();
  cmd->add_option("--loader-threads", t.loader_threads, "threads rendering pages")->capture_default_str();
  cmd->add_option("--presets", t.presets, "degradation presets drawn for training pages")->capture_default_str();
  cmd->add_option("--val-pages", t.val_pages, "fixed validation pages (heavy preset)")->capture_default_str();
  cmd->add_option("--val-every", t.val_every_steps, "steps between validations (0 = at the end)")
      ->capture_default_str();
  cmd->add_option("--checkpoint-minutes", t.checkpoint_minutes, "minutes between checkpoints")->capture_default_str();
  cmd->add_option("--checkpoint-every", t.checkpoint_every_steps, "also checkpoint every this many steps (0 = off)")
      ->capture_default_str();
  cmd->add_flag("-q,--quiet", o->quiet, "print only validation lines");
  auto *export_flag = cmd->add_flag(
      "--export-samples", o->export_samples,
      "instead of training, write the crops of steps --first-step..--steps (JPEG + label PNG) and the "
      "validation pages under OUT/train and OUT/val, for training with other tools");
  cmd->add_option("--first-step", o->first_step, "first step exported by --export-samples")->capture_default_str();
  auto *import_option = cmd->add_option(
      "--import-state", o->import_state,
      "instead of training, turn a PyTorch state dict of the same net (scripts/train_unet.py) into OUT/unet.pt "
      "and validate it");
  auto *validate_option = cmd->add_option("--validate", o->validate,
                                          "instead of training, print the validation IoU of this weights file");
  export_flag->excludes(import_option, validate_option);
  import_option->excludes(validate_option);
  // Failures throw ecgdig::Error, which main() turns into exit status 1.
  cmd->callback([o] { run_train(*o); });
}

}  // namespace ecgdig::cli
