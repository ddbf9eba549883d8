#pragma once
// Small, fast training settings shared by the U-Net tests.

#include <cstdlib>
#include <filesystem>
#include <string>

#define ECGDIG_EXPERIMENTAL
#include "ecgdig/experimental/train.hpp"
#include "ecgdig/version.hpp"

namespace ecgdig::test {

/// True when the library was built with LibTorch (the "unet" segmenter exists).
inline bool have_torch() { return built_with_torch(); }

/// A fresh folder under $ECGDIG_TEST_TMP (or the system temp folder).
inline std::filesystem::path fresh_dir(const std::string &name) {
  const char *tmp = std::getenv("ECGDIG_TEST_TMP");
  const std::filesystem::path dir =
      std::filesystem::path(tmp && *tmp ? tmp : std::filesystem::temp_directory_path().string()) / name;
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

/// A tiny net (base width 4) on 128 px crops of 256 px pages: seconds per run.
inline experimental::TrainOptions tiny_train_options(const std::filesystem::path &out_dir) {
  experimental::TrainOptions o;
  o.out_dir = out_dir;
  o.steps = 20;
  o.batch = 2;
  o.base_width = 4;
  o.crop_px = 128;
  o.working_long_side_px = 256;
  o.lr = 1e-2;
  o.warmup_steps = 2;
  o.num_threads = 2;
  o.loader_threads = 2;
  o.val_pages = 1;
  o.val_every_steps = 0;
  return o;
}

}  // namespace ecgdig::test
