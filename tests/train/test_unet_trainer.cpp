#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <fstream>
#include <numeric>
#include <string>

#include <opencv2/imgcodecs.hpp>

#include "ecgdig/error.hpp"
#include "train/unet_test_support.hpp"

namespace ecgdig {
namespace {

using experimental::export_training_samples;
using experimental::import_unet_state;
using experimental::read_unet_weights;
using experimental::validate_unet_weights;
using experimental::train_unet;
using experimental::TrainOptions;
using test::fresh_dir;
using test::have_torch;
using test::tiny_train_options;

template <class F>
ErrorCode code_of(F &&f) {
  try {
    f();
  } catch (const Error &e) {
    return e.code();
  }
  return ErrorCode::Internal;
}

double mean(const std::vector<double> &v, std::size_t first, std::size_t count) {
  return std::accumulate(v.begin() + first, v.begin() + first + count, 0.0) / count;
}

TEST(UnetTrainer, WithoutTorchSaysWhichBuildOptionIsMissing) {
  if (have_torch()) GTEST_SKIP() << "built with LibTorch";
  try {
    train_unet(tiny_train_options(fresh_dir("unet_no_torch")));
    FAIL() << "train_unet should throw";
  } catch (const Error &e) {
    EXPECT_EQ(e.code(), ErrorCode::Unsupported);
    EXPECT_NE(std::string(e.what()).find("ECGDIG_WITH_TORCH"), std::string::npos) << e.what();
  }
}

TEST(UnetTrainer, LossDecreasesAndFilesAreWritten) {
  if (!have_torch()) GTEST_SKIP() << "built without LibTorch";
  const auto dir = fresh_dir("unet_train_loss");
  const auto report = train_unet(tiny_train_options(dir));
  ASSERT_EQ(report.losses.size(), 20u);
  EXPECT_EQ(report.first_step, 0);
  EXPECT_EQ(report.last_step, 20);
  for (double loss : report.losses) EXPECT_TRUE(std::isfinite(loss));
  EXPECT_LT(mean(report.losses, 15, 5), 0.9 * mean(report.losses, 0, 5));
  for (double iou : {report.iou.trace, report.iou.grid, report.iou.text}) {
    EXPECT_GE(iou, 0.0);
    EXPECT_LE(iou, 1.0);
  }
  // One CSV line per step after the header; the last one carries the validation.
  std::ifstream log(dir / "train_log.csv");
  std::string line, last;
  int lines = 0;
  std::getline(log, line);
  EXPECT_EQ(line, "step,loss,lr,iou_trace,iou_grid,iou_text,wall_s");
  while (std::getline(log, line)) ++lines, last = line;
  EXPECT_EQ(lines, 20);
  EXPECT_EQ(last.rfind("20,", 0), 0u) << last;
  EXPECT_EQ(std::count(last.begin(), last.end(), ','), 6);
  EXPECT_EQ(last.find(",,"), std::string::npos) << "the last step is validated: " << last;

  ASSERT_TRUE(std::filesystem::exists(dir / "checkpoint.pt"));
  ASSERT_EQ(report.weights, dir / "unet.pt");
  const auto info = read_unet_weights(report.weights);
  EXPECT_EQ(info.base_width, 4);
  EXPECT_EQ(info.parameter_count, report.parameter_count);
  EXPECT_GT(info.parameter_count, 1000);
}

TEST(UnetTrainer, ResumeReproducesAnUninterruptedRun) {
  if (!have_torch()) GTEST_SKIP() << "built without LibTorch";
  TrainOptions whole = tiny_train_options(fresh_dir("unet_train_whole"));
  whole.steps = 10;
  whole.val_pages = 0;
  const auto uninterrupted = read_unet_weights(train_unet(whole).weights);

  // The same run, stopped after step 5 (as a crash would), then resumed.
  TrainOptions first = whole;
  first.out_dir = fresh_dir("unet_train_resumed");
  first.checkpoint_every_steps = 5;
  struct Stop {};
  EXPECT_THROW(train_unet(first,
                          [](const experimental::TrainProgress &p) {
                            if (p.step == 5) throw Stop{};
                          }),
               Stop);
  TrainOptions second = first;
  second.resume = first.out_dir / "checkpoint.pt";
  const auto report = train_unet(second);
  EXPECT_EQ(report.first_step, 5);
  EXPECT_EQ(report.losses.size(), 5u);
  const auto resumed = read_unet_weights(report.weights);

  ASSERT_EQ(resumed.values.size(), uninterrupted.values.size());
  double max_diff = 0;
  for (std::size_t i = 0; i < resumed.values.size(); ++i)
    max_diff = std::max(max_diff, double(std::abs(resumed.values[i] - uninterrupted.values[i])));
  EXPECT_LE(max_diff, 1e-6);
  // The CSV continues where the checkpoint was: one row per step, in order.
  std::ifstream log(first.out_dir / "train_log.csv");
  std::string line;
  std::getline(log, line);
  int expected_step = 1;
  while (std::getline(log, line)) EXPECT_EQ(std::atoi(line.c_str()), expected_step++) << line;
  EXPECT_EQ(expected_step, 11);
}

TEST(UnetTrainer, DefaultWidthStaysWithinTheParameterBudget) {
  if (!have_torch()) GTEST_SKIP() << "built without LibTorch";
  TrainOptions o = tiny_train_options(fresh_dir("unet_train_budget"));
  o.base_width = TrainOptions{}.base_width;
  o.steps = 1;
  o.batch = 1;
  o.crop_px = 64;
  o.val_pages = 0;
  const auto report = train_unet(o);
  EXPECT_LE(report.parameter_count, 3'000'000);
  EXPECT_GT(report.parameter_count, 100'000);
}

TEST(UnetTrainer, BadOptionsAndCheckpointsGiveClearErrors) {
  if (!have_torch()) GTEST_SKIP() << "built without LibTorch";
  const auto dir = fresh_dir("unet_train_bad");
  const auto with = [&](auto change) {
    TrainOptions o = tiny_train_options(dir);
    change(o);
    return code_of([&] { train_unet(o); });
  };
  EXPECT_EQ(with([](TrainOptions &o) { o.steps = 0; }), ErrorCode::InvalidArgument);
  EXPECT_EQ(with([](TrainOptions &o) { o.crop_px = 100; }), ErrorCode::InvalidArgument);
  EXPECT_EQ(with([](TrainOptions &o) { o.working_long_side_px = 64; }), ErrorCode::InvalidArgument);
  EXPECT_EQ(with([](TrainOptions &o) { o.presets = {"sepia"}; }), ErrorCode::InvalidArgument);
  EXPECT_EQ(with([](TrainOptions &o) { o.device = "tpu"; }), ErrorCode::InvalidArgument);
  EXPECT_EQ(with([](TrainOptions &o) { o.resume = "/nonexistent/checkpoint.pt"; }), ErrorCode::Io);

  const auto garbage = dir / "garbage.pt";
  std::ofstream(garbage) << "not a checkpoint";
  EXPECT_EQ(with([&](TrainOptions &o) { o.resume = garbage; }), ErrorCode::Format);
  EXPECT_EQ(code_of([&] { read_unet_weights(garbage); }), ErrorCode::Format);

  // Final weights hold no optimizer state: they cannot be resumed from.
  TrainOptions o = tiny_train_options(dir / "weights_only");
  o.steps = 1;
  o.batch = 1;
  o.val_pages = 0;
  const auto weights = train_unet(o).weights;
  EXPECT_EQ(with([&](TrainOptions &t) { t.resume = weights; }), ErrorCode::Format);
  // A checkpoint of another width or seed is refused rather than mixed in.
  EXPECT_EQ(with([&](TrainOptions &t) {
              t.resume = o.out_dir / "checkpoint.pt";
              t.base_width = 8;
            }),
            ErrorCode::InvalidArgument);
}

TEST(UnetTrainer, CommandLineTrainsAndRejectsBadArguments) {
  if (std::string(ECGDIG_CLI).empty()) GTEST_SKIP() << "the CLI is not built";
  const auto dir = fresh_dir("unet_train_cli");
  const std::string cli = ECGDIG_CLI;
  const std::string tiny = " --width 4 --batch 1 --crop 64 --long-side 128 --val-pages 1 --warmup 1 --threads 2 -q";
  const int status = std::system((cli + " train -o " + (dir / "run").string() + " --steps 2" + tiny + " > " +
                                  (dir / "out.txt").string() + " 2>&1").c_str());
  if (have_torch()) {
    EXPECT_EQ(status, 0);
    EXPECT_TRUE(std::filesystem::exists(dir / "run" / "unet.pt"));
  } else {
    EXPECT_NE(status, 0);
  }
  EXPECT_NE(std::system((cli + " train -o " + (dir / "bad").string() + " --steps 0" + tiny + " 2> " +
                         (dir / "err.txt").string()).c_str()),
            0);
}

std::string file_bytes(const std::filesystem::path &path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// Exported samples are what another trainer learns from: images with one
// class per pixel, the same for the same seed and steps.
TEST(TrainingSamples, ExportWritesImagesWithLabelsAndIsRepeatable) {
  TrainOptions o = tiny_train_options(fresh_dir("unet_export"));
  o.steps = 3;
  const auto report = export_training_samples(o, 1);
  EXPECT_EQ(report.crops, 2 * o.batch);
  EXPECT_EQ(report.validation_pages, 1);
  int traced = 0;
  for (int step = 1; step < 3; ++step) {
    for (int i = 0; i < o.batch; ++i) {
      const std::string stem = "00000" + std::to_string(step) + "_00" + std::to_string(i);
      const cv::Mat image = cv::imread((report.train_dir / (stem + ".jpg")).string(), cv::IMREAD_UNCHANGED);
      const cv::Mat labels = cv::imread((report.train_dir / (stem + "_labels.png")).string(), cv::IMREAD_UNCHANGED);
      ASSERT_EQ(image.type(), CV_8UC3) << stem;
      ASSERT_EQ(labels.type(), CV_8UC1) << stem;
      EXPECT_EQ(image.size(), cv::Size(o.crop_px, o.crop_px));
      EXPECT_EQ(labels.size(), image.size());
      double max_label = 0;
      cv::minMaxLoc(labels, nullptr, &max_label);
      EXPECT_LE(max_label, 3);
      traced += cv::countNonZero(labels == 1) > 0;
    }
  }
  EXPECT_GT(traced, 0) << "no crop holds any trace";
  const cv::Mat page = cv::imread((report.val_dir / "000.png").string(), cv::IMREAD_UNCHANGED);
  EXPECT_EQ(std::max(page.cols, page.rows), o.working_long_side_px);
  EXPECT_TRUE(std::filesystem::exists(report.val_dir / "000_labels.png"));

  TrainOptions again = o;
  again.out_dir = fresh_dir("unet_export_again");
  const auto second = export_training_samples(again, 1);
  EXPECT_EQ(file_bytes(report.train_dir / "000002_001_labels.png"),
            file_bytes(second.train_dir / "000002_001_labels.png"));
  EXPECT_EQ(file_bytes(report.train_dir / "000002_001.jpg"), file_bytes(second.train_dir / "000002_001.jpg"));
  EXPECT_EQ(code_of([&] { export_training_samples(o, 3); }), ErrorCode::InvalidArgument);
}

// tests/data/unet/state_dict_width4.pt: torch.save() of scripts/train_unet.py's
// UNet(4) state dict with set batch-norm statistics (see tests/data/README.md).
const std::filesystem::path kStateDict = std::filesystem::path(ECGDIG_TEST_DATA_DIR) / "unet" / "state_dict_width4.pt";

TEST(UnetImport, PythonStateDictBecomesWeightsWithTheSameValues) {
  if (!have_torch()) GTEST_SKIP() << "built without LibTorch";
  const auto dir = fresh_dir("unet_import");
  TrainOptions o = tiny_train_options(dir);
  EXPECT_EQ(import_unet_state(kStateDict, dir / "unet.pt", o.working_long_side_px), 18756);
  const auto info = read_unet_weights(dir / "unet.pt");
  EXPECT_EQ(info.base_width, 4);
  EXPECT_EQ(info.working_long_side_px, o.working_long_side_px);
  // Sums over every parameter and buffer, computed in Python from the file.
  double sum = 0, squares = 0;
  for (float v : info.values) sum += v, squares += double(v) * v;
  EXPECT_NEAR(sum, 937.8113519829731, 1e-3);
  EXPECT_NEAR(squares, 2266.0028746955504, 1e-3);

  const auto iou = validate_unet_weights(dir / "unet.pt", o);
  for (double v : {iou.trace, iou.grid, iou.text}) {
    EXPECT_GE(v, 0.0);
    EXPECT_LE(v, 1.0);
  }
}

TEST(UnetImport, BrokenStateDictsAreFormatErrors) {
  if (!have_torch()) GTEST_SKIP() << "built without LibTorch";
  const auto dir = fresh_dir("unet_import_bad");
  const std::string bytes = file_bytes(kStateDict);
  std::ofstream(dir / "truncated.pt", std::ios::binary) << bytes.substr(0, bytes.size() / 2);
  std::ofstream(dir / "text.pt") << "not a torch file";
  EXPECT_EQ(code_of([&] { import_unet_state(dir / "truncated.pt", dir / "unet.pt", 1024); }), ErrorCode::Format);
  EXPECT_EQ(code_of([&] { import_unet_state(dir / "text.pt", dir / "unet.pt", 1024); }), ErrorCode::Format);
  EXPECT_EQ(code_of([&] { import_unet_state(dir / "missing.pt", dir / "unet.pt", 1024); }), ErrorCode::Io);
  // A weights file (not a state dict) is refused too.
  ASSERT_EQ(import_unet_state(kStateDict, dir / "unet.pt", 1024), 18756);
  EXPECT_EQ(code_of([&] { import_unet_state(dir / "unet.pt", dir / "again.pt", 1024); }), ErrorCode::Format);
  EXPECT_FALSE(std::filesystem::exists(dir / "again.pt"));
}

// The shipped weights still segment heavy-preset validation pages (a floor
// well under models/README.md's numbers, which are on 8 pages).
TEST(ShippedWeights, ReachTheirValidationFloor) {
  if (!have_torch()) GTEST_SKIP() << "built without LibTorch";
  if (!std::filesystem::exists(ECGDIG_SHIPPED_WEIGHTS)) GTEST_SKIP() << "no shipped weights";
  TrainOptions o;
  o.val_pages = 2;
  o.num_threads = 2;
  const auto iou = validate_unet_weights(ECGDIG_SHIPPED_WEIGHTS, o);
  EXPECT_GE(iou.trace, 0.70);
  EXPECT_GE(iou.grid, 0.35);
  EXPECT_GE(iou.text, 0.60);
}

}  // namespace
}  // namespace ecgdig
