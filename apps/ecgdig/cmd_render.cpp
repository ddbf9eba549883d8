// ecgdig render: draw synthetic or recorded ECGs as pages, with masks and truth.

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <optional>
#include <string>

#include "commands.hpp"
#include "ecgdig/error.hpp"
#include "ecgdig/render.hpp"
#include "record_input.hpp"

namespace ecgdig::cli {
namespace {

struct RenderOptions {
  std::string record;
  bool synthetic = false;
  std::string layout = "3x4+1";
  std::string preset = "none";
  std::string geometry = "standard";
  std::uint64_t seed = 0;
  std::optional<double> dpi, speed_mm_s, gain_mm_per_mv, chest_gain_mm_per_mv;
  int count = 1;
  std::string out;
};

std::string joined(const std::vector<std::string> &names) {
  std::string s;
  for (const auto &n : names) s += (s.empty() ? "" : ", ") + n;
  return s;
}

/// The page style of page `index`: random, or the named layout with the defaults.
PageStyle style_for(const RenderOptions &o, std::uint64_t seed) {
  PageStyle style;
  if (o.geometry == "ecg-image-kit") {
    style = ecg_image_kit_page_style(true);
    if (o.layout != "random") style.layout = o.layout;
  } else if (o.layout == "random") {
    style = random_page_style(seed);
  } else {
    style.layout = o.layout;
  }
  style.seed = o.layout == "random" ? style.seed : seed;
  if (o.dpi) style.dpi = *o.dpi;
  if (o.speed_mm_s) style.paper_speed_mm_s = *o.speed_mm_s;
  if (o.gain_mm_per_mv) style.limb_gain_mm_per_mv = style.chest_gain_mm_per_mv = *o.gain_mm_per_mv;
  if (o.chest_gain_mm_per_mv) style.chest_gain_mm_per_mv = *o.chest_gain_mm_per_mv;
  return style;
}

void run_render(const RenderOptions &o) {
  const auto layouts = page_layout_names();
  if (o.layout != "random" && std::find(layouts.begin(), layouts.end(), o.layout) == layouts.end())
    throw Error(ErrorCode::InvalidArgument,
                "render: unknown --layout \"" + o.layout + "\" (use random, " + joined(layouts) + ")");
  const auto presets = degrade_preset_names();
  if (std::find(presets.begin(), presets.end(), o.preset) == presets.end())
    throw Error(ErrorCode::InvalidArgument,
                "render: unknown --preset \"" + o.preset + "\" (use " + joined(presets) + ")");
  if (o.count < 1 || o.count > 1000000)
    throw Error(ErrorCode::InvalidArgument, "render: --count must be in 1..1000000, got " + std::to_string(o.count));
  const DegradeOptions degradation = degrade_preset(o.preset);
  std::optional<Record> source;
  if (!o.record.empty()) source = load_record(o.record, kDefaultCsvFsHz);

  for (int i = 0; i < o.count; ++i) {
    const std::uint64_t seed = o.seed + std::uint64_t(i);
    const Record record = source ? *source : synthesize_ecg(SynthOptions{}, seed);
    const PageStyle style = style_for(o, seed);
    RenderedPage page = render_page(record, style);
    if (o.preset != "none") degrade(page, degradation, seed);
    const std::string stem = (source ? record.name : std::string("synth")) + "_" + std::to_string(seed);
    save_rendered_page(page, o.out, stem);
    std::printf("ecgdig: wrote %s/%s.png (%s, %dx%d px, %g dpi)\n", o.out.c_str(), stem.c_str(), page.layout.c_str(),
                page.bgr.cols, page.bgr.rows, style.dpi);
  }
}

}  // namespace

void add_render_command(CLI::App &app, int & /*exit_code*/) {
  auto o = std::make_shared<RenderOptions>();
  CLI::App *cmd = app.add_subcommand(
      "render",
      "Draw ECG pages with exact truth: STEM.png, STEM_{trace,grid,text}.png masks, STEM.json "
      "(panels, paths, scale) and the truth record STEM.hea/.dat.");
  auto *rec = cmd->add_option("--record", o->record, "record to draw: WFDB base name or .hea, .csv, .json");
  auto *syn = cmd->add_flag("--synthetic", o->synthetic, "draw synthetic ECGs (the default)");
  rec->excludes(syn);
  cmd->add_option("--layout", o->layout, "page layout, or \"random\" for a random page style")->capture_default_str();
  cmd->add_option("--preset", o->preset, "degradation preset (none, light, heavy, photo, ...)")->capture_default_str();
  cmd->add_option("--geometry", o->geometry, "panel placement: standard or ecg-image-kit")
      ->check(CLI::IsMember({"standard", "ecg-image-kit"}))
      ->capture_default_str();
  cmd->add_option("--seed", o->seed, "seed of the first page; page i uses seed + i")->capture_default_str();
  cmd->add_option("--dpi", o->dpi, "resolution, 72..600 (default 200, or the random style's)");
  cmd->add_option("--speed", o->speed_mm_s, "paper speed in mm/s (25 or 50)");
  cmd->add_option("--gain", o->gain_mm_per_mv, "gain of all leads in mm/mV (5, 10 or 20)");
  cmd->add_option("--chest-gain", o->chest_gain_mm_per_mv, "gain of V1-V6 in mm/mV, when it differs");
  cmd->add_option("--count", o->count, "number of pages")->capture_default_str();
  cmd->add_option("-o,--out", o->out, "output folder")->required();
  // Failures throw ecgdig::Error, which main() turns into exit status 1.
  cmd->callback([o] { run_render(*o); });
}

}  // namespace ecgdig::cli
