// ecgdig train: train the "unet" segmenter on pages rendered on the fly.

#include <cstdio>
#include <memory>
#include <string>

#define ECGDIG_EXPERIMENTAL
#include "commands.hpp"
#include "ecgdig/experimental/train.hpp"

namespace ecgdig::cli {
namespace {

struct TrainCommandOptions {
  experimental::TrainOptions train;
  std::string out, resume;
  bool quiet = false;
};

void run_train(TrainCommandOptions &o) {
  o.train.out_dir = o.out;
  o.train.resume = o.resume;
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
  cmd->add_option("-o,--out", o->out, "output folder")->required();
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
  // Failures throw ecgdig::Error, which main() turns into exit status 1.
  cmd->callback([o] { run_train(*o); });
}

}  // namespace ecgdig::cli
