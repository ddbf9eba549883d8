#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <utility>

#include <unistd.h>

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "ecgdig/error.hpp"
#include "ecgdig/pipeline.hpp"
#include "ecgdig/registry.hpp"
#include "ecgdig/render.hpp"
#include "ecgdig/segmenter.hpp"
#include "../layout/evaluation_page.hpp"
#include "train/unet_test_support.hpp"

namespace ecgdig {
namespace {

using test::fresh_dir;
using test::have_torch;

TEST(UnetWithoutTorch, AskingForItNamesTheBuildOption) {
  if (have_torch()) GTEST_SKIP() << "built with LibTorch";
  try {
    Registry<Segmenter>::global().create("unet");
    FAIL() << "no error";
  } catch (const Error &e) {
    EXPECT_EQ(e.code(), ErrorCode::Unsupported);
    EXPECT_NE(std::string(e.what()).find("ECGDIG_WITH_TORCH=ON"), std::string::npos) << e.what();
  }
}

// Without LibTorch the default segmenter is the classical one.
TEST(UnetWithoutTorch, AutoIsTheClassicalSegmenter) {
  if (have_torch()) GTEST_SKIP() << "built with LibTorch";
  const cv::Mat bgr = render_page(synthesize_ecg({}, 7), random_page_style(7)).bgr;
  const auto &registry = Registry<Segmenter>::global();
  EXPECT_EQ(cv::norm(registry.create("auto")->segment(bgr).trace, registry.create("classical")->segment(bgr).trace,
                     cv::NORM_INF),
            0.0);
  EXPECT_EQ(PipelineOptions().segmenter, "auto");
}

/// Weights of a tiny net trained for a few steps, made once for the suite.
class UnetSegmenterTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (!have_torch()) return;
    // ctest runs each test in its own process, possibly in parallel: one folder per process.
    auto o = test::tiny_train_options(fresh_dir("unet_segmenter_weights_" + std::to_string(getpid())));
    o.steps = 1;
    o.batch = 1;
    o.crop_px = 64;
    o.working_long_side_px = 128;
    o.val_pages = 0;
    weights_ = new std::filesystem::path(experimental::train_unet(o).weights);
  }
  static void TearDownTestSuite() {
    if (weights_) std::filesystem::remove_all(weights_->parent_path());
    delete weights_;
    weights_ = nullptr;
  }
  void SetUp() override {
    if (!have_torch()) GTEST_SKIP() << "built without LibTorch: \"unet\" is not registered";
  }
  static std::unique_ptr<Segmenter> make(StageOptions options = {}) {
    options.set("weights", weights_->string()).set("unet_long_side_px", "256");
    if (!options.has("num_threads")) options.set("num_threads", "2");
    return Registry<Segmenter>::global().create("unet", options);
  }
  static cv::Mat page() {
    cv::Mat bgr = cv::imread(std::string(ECGDIG_TEST_DATA_DIR) + "/ptbxl/00841_hr-0.png", cv::IMREAD_COLOR);
    if (bgr.empty()) bgr = render_page(synthesize_ecg({}, 7), random_page_style(7)).bgr;
    return bgr;
  }
  static std::string message_of(const StageOptions &options, ErrorCode expected) {
    try {
      Registry<Segmenter>::global().create("unet", options);
    } catch (const Error &e) {
      EXPECT_EQ(e.code(), expected) << e.what();
      return e.what();
    }
    ADD_FAILURE() << "creating the segmenter should throw";
    return {};
  }
  static std::filesystem::path *weights_;
};
std::filesystem::path *UnetSegmenterTest::weights_ = nullptr;

/// @param one_softmax the three maps come from one softmax (the net's own maps)
void expect_probability_maps(const SegmentationMaps &maps, cv::Size size, bool one_softmax = true) {
  for (const cv::Mat *m : {&maps.trace, &maps.grid, &maps.text}) {
    ASSERT_EQ(m->size(), size);
    ASSERT_EQ(m->type(), CV_32FC1);
    double lo, hi;
    cv::minMaxLoc(*m, &lo, &hi);
    EXPECT_GE(lo, 0.0);
    EXPECT_LE(hi, 1.0);
  }
  if (!one_softmax) return;
  cv::Mat sum = maps.trace + maps.grid + maps.text;
  double hi;
  cv::minMaxLoc(sum, nullptr, &hi);
  EXPECT_LE(hi, 1.0 + 1e-5) << "background is what the three classes leave";
}

const StageOptions kNetMaps{{"unet_maps", "net"}};

TEST_F(UnetSegmenterTest, MapsHaveTheImageSizeAndAreProbabilities) {
  const cv::Mat bgr = page();
  expect_probability_maps(make(kNetMaps)->segment(bgr), bgr.size());
  expect_probability_maps(make()->segment(bgr), bgr.size(), false);
  const cv::Mat odd = bgr(cv::Rect(3, 5, 301, 177)).clone();
  expect_probability_maps(make(kNetMaps)->segment(odd), odd.size());
  expect_probability_maps(make()->segment(odd), odd.size(), false);
}

TEST_F(UnetSegmenterTest, RefinedMapsTakeTheClassicalGridAndTheClassicalOrTheNetsTraceAndText) {
  const cv::Mat bgr = page();
  const auto refined = make()->segment(bgr);
  const auto net = make(kNetMaps)->segment(bgr);
  const auto classical = Registry<Segmenter>::global().create("classical", {{"num_threads", "2"}})->segment(bgr);
  EXPECT_EQ(cv::norm(refined.grid, classical.grid, cv::NORM_INF), 0.0);
  // The trace is the classical one where the net allows it, else the net's
  // own trace, which counts only away from the classical trace kept.
  const cv::Mat classical_kept = (refined.trace == classical.trace) & (classical.trace > 0.5);
  EXPECT_GT(cv::countNonZero(classical_kept), 0);
  const cv::Mat own = (refined.trace != classical.trace) & (refined.trace > 0);
  EXPECT_EQ(cv::norm(refined.trace, net.trace, cv::NORM_INF, own), 0.0);
  cv::Mat next_to_kept;
  cv::dilate(classical_kept, next_to_kept, cv::Mat());
  EXPECT_EQ(cv::countNonZero(own & next_to_kept), 0);
  // The text is the classical or the net's, less what lies on the trace
  // (calibration pulses).
  double excess;
  cv::minMaxLoc(refined.text - cv::max(classical.text, net.text), nullptr, &excess);
  EXPECT_LE(excess, 1e-6);
  EXPECT_EQ(cv::countNonZero((refined.text > 0) & (refined.trace > 0.5)), 0);
  EXPECT_GT(cv::norm(refined.text, cv::NORM_L1), 0.0);
}

TEST_F(UnetSegmenterTest, InferenceIsDeterministic) {
  const cv::Mat bgr = page();
  const auto a = make()->segment(bgr);
  const auto segmenter = make();
  const auto b = segmenter->segment(bgr);
  const auto c = segmenter->segment(bgr);
  EXPECT_EQ(cv::norm(a.trace, b.trace, cv::NORM_INF), 0.0);
  EXPECT_EQ(cv::norm(b.trace, c.trace, cv::NORM_INF), 0.0);
  EXPECT_EQ(cv::norm(b.grid, c.grid, cv::NORM_INF), 0.0);
  EXPECT_EQ(cv::norm(b.text, c.text, cv::NORM_INF), 0.0);
}

// One torch thread takes another convolution path for the 1x1 layers than
// two (oneDNN called directly): the maps are the same.
TEST_F(UnetSegmenterTest, OneThreadGivesTheMapsOfTwo) {
  const cv::Mat bgr = page();
  for (const StageOptions &maps : {kNetMaps, StageOptions{}}) {
    StageOptions one = maps, two = maps;
    const cv::Mat on_one = make(one.set("num_threads", "1"))->segment(bgr).trace;
    const cv::Mat on_two = make(two.set("num_threads", "2"))->segment(bgr).trace;
    EXPECT_LT(cv::norm(on_one, on_two, cv::NORM_INF), 1e-4);
  }
}

TEST_F(UnetSegmenterTest, TilesCoverTheWholePage) {
  const cv::Mat bgr = page();
  StageOptions tiled = kNetMaps;
  tiled.set("unet_tile_px", "96").set("unet_tile_overlap_px", "16");
  const auto whole = make(kNetMaps)->segment(bgr);
  const auto tiles = make(tiled)->segment(bgr);
  expect_probability_maps(tiles, bgr.size());
  // Tiles see less context at their borders, so maps differ a little, not a lot.
  EXPECT_LT(cv::norm(whole.trace, tiles.trace, cv::NORM_L1) / whole.trace.total(), 0.05);
}

TEST_F(UnetSegmenterTest, PagesRunAtTheScaleTheWeightsWereTrainedAt) {
  // The suite's weights were trained with pages of long side 128 px.
  EXPECT_EQ(experimental::read_unet_weights(*weights_).working_long_side_px, 128);
  const cv::Mat bgr = page();
  const StageOptions own{{"weights", weights_->string()}, {"num_threads", "2"}, {"unet_maps", "net"}};
  StageOptions at128 = own, at256 = own;
  at128.set("unet_long_side_px", "128");
  at256.set("unet_long_side_px", "256");
  const auto &registry = Registry<Segmenter>::global();
  const auto by_default = registry.create("unet", own)->segment(bgr);
  EXPECT_EQ(cv::norm(by_default.trace, registry.create("unet", at128)->segment(bgr).trace, cv::NORM_INF), 0.0);
  EXPECT_GT(cv::norm(by_default.trace, registry.create("unet", at256)->segment(bgr).trace, cv::NORM_INF), 0.0);
}

// "auto", the pipeline's default, is the net where its weights are found:
// named ones, or the shipped file (the source tree's models/ in a build).
TEST_F(UnetSegmenterTest, AutoIsTheNetWhereItsWeightsAreFound) {
  const cv::Mat bgr = page();
  const auto &registry = Registry<Segmenter>::global();
  const StageOptions options{{"weights", weights_->string()}, {"unet_long_side_px", "256"}, {"num_threads", "2"}};
  const cv::Mat by_auto = registry.create("auto", options)->segment(bgr).trace;
  EXPECT_EQ(cv::norm(by_auto, make()->segment(bgr).trace, cv::NORM_INF), 0.0);
  EXPECT_GT(cv::norm(by_auto, registry.create("classical", options)->segment(bgr).trace, cv::NORM_INF), 0.0);
  EXPECT_EQ(PipelineOptions().segmenter, "auto");
  if (std::filesystem::exists(ECGDIG_SHIPPED_WEIGHTS)) {
    const StageOptions shipped{{"weights", ECGDIG_SHIPPED_WEIGHTS}, {"num_threads", "2"}};
    EXPECT_EQ(cv::norm(registry.create("auto", {{"num_threads", "2"}})->segment(bgr).trace,
                       registry.create("unet", shipped)->segment(bgr).trace, cv::NORM_INF),
              0.0);
  }
  // Weights that are named but missing are the user's error, not a reason to fall back.
  EXPECT_THROW(registry.create("auto", {{"weights", "/nonexistent/unet.pt"}}), Error);
}

TEST_F(UnetSegmenterTest, MissingWeightsNameThePathAndTheClassicalSegmenter) {
  const std::string what = message_of({{"weights", "/nonexistent/unet.pt"}}, ErrorCode::Io);
  EXPECT_NE(what.find("/nonexistent/unet.pt"), std::string::npos) << what;
  EXPECT_NE(what.find("--segmenter classical"), std::string::npos) << what;
}

TEST_F(UnetSegmenterTest, DefaultWeightsComeFromTheModelsDirVariable) {
  const auto dir = fresh_dir("unet_models_dir");
  std::filesystem::copy_file(*weights_, dir / "unet.pt");
  ASSERT_EQ(setenv("ECGDIG_MODELS_DIR", dir.c_str(), 1), 0);
  StageOptions options{{"unet_long_side_px", "128"}};
  EXPECT_NO_THROW(Registry<Segmenter>::global().create("unet", options));
  unsetenv("ECGDIG_MODELS_DIR");
}

TEST_F(UnetSegmenterTest, CorruptOrForeignWeightsAreFormatErrors) {
  const auto dir = fresh_dir("unet_bad_weights");
  const auto text = dir / "text.pt";
  std::ofstream(text) << "these are not weights";
  std::string what = message_of({{"weights", text.string()}}, ErrorCode::Format);
  EXPECT_NE(what.find(text.string()), std::string::npos) << what;

  // The first half of a real weights file.
  std::ifstream in(*weights_, std::ios::binary);
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const auto truncated = dir / "truncated.pt";
  std::ofstream(truncated, std::ios::binary) << bytes.substr(0, bytes.size() / 2);
  what = message_of({{"weights", truncated.string()}}, ErrorCode::Format);
  EXPECT_NE(what.find(truncated.string()), std::string::npos) << what;
}

TEST_F(UnetSegmenterTest, BadOptionsAndImagesAreRejected) {
  EXPECT_EQ(message_of({{"weights", weights_->string()}, {"unet_long_side_px", "0"}}, ErrorCode::InvalidArgument)
                .find("unet_long_side_px") != std::string::npos,
            true);
  message_of({{"weights", weights_->string()}, {"num_threads", "-1"}}, ErrorCode::InvalidArgument);
  message_of({{"weights", weights_->string()}, {"unet_maps", "sharp"}}, ErrorCode::InvalidArgument);
  message_of({{"weights", weights_->string()}, {"unet_tile_px", "64"}, {"unet_tile_overlap_px", "32"}},
             ErrorCode::InvalidArgument);
  const auto segmenter = make();
  EXPECT_THROW(segmenter->segment(cv::Mat()), Error);
  EXPECT_THROW(segmenter->segment(cv::Mat(10, 10, CV_8UC1, cv::Scalar(0))), Error);
}

// Fraction of the drawn trace that a map holds (probability above one half),
// and fraction of what it holds that lies on the drawn trace or next to it.
std::pair<double, double> recall_and_precision(const cv::Mat &map, const cv::Mat &trace_mask) {
  const cv::Mat held = map > 0.5f;
  cv::Mat near_trace;
  cv::dilate(trace_mask, near_trace, cv::getStructuringElement(cv::MORPH_ELLIPSE, cv::Size(5, 5)));
  return {double(cv::countNonZero(held & trace_mask)) / cv::countNonZero(trace_mask),
          double(cv::countNonZero(held & near_trace)) / std::max(1, cv::countNonZero(held))};
}

// synth_4007 of the heavy set: a black 5 mm grid as dark as the black trace,
// motion blur and noise. The classical trace loses the stretches that run
// along grid lines; the refined maps take the shipped net's trace there.
TEST(ShippedUnetSegmenter, RecoversTheTraceAlongGridLinesAsDarkAsIt) {
  if (!have_torch()) GTEST_SKIP() << "built without LibTorch";
  if (!std::filesystem::exists(ECGDIG_SHIPPED_WEIGHTS)) GTEST_SKIP() << "no shipped weights";
  const RenderedPage page = evaluation_page(4007, "heavy");
  const StageOptions options{{"weights", ECGDIG_SHIPPED_WEIGHTS}, {"num_threads", "2"}};
  const auto [refined_recall, refined_precision] = recall_and_precision(
      Registry<Segmenter>::global().create("unet", options)->segment(page.bgr).trace, page.trace_mask);
  const auto [classical_recall, classical_precision] = recall_and_precision(
      Registry<Segmenter>::global().create("classical", options)->segment(page.bgr).trace, page.trace_mask);
  RecordProperty("recall",
                 "classical " + std::to_string(classical_recall) + ", refined " + std::to_string(refined_recall));
  RecordProperty("precision",
                 "classical " + std::to_string(classical_precision) + ", refined " + std::to_string(refined_precision));
  EXPECT_GE(refined_recall, classical_recall + 0.15);
  EXPECT_GE(refined_precision, classical_precision) << "what it adds lies on the trace";
}

// Share of the drawn trace's steep strokes (vertical runs of its mask at
// least `min_px` tall) that `map` (probability above one half) holds over
// their whole height without a break.
double unbroken_stroke_share(const cv::Mat &map, const cv::Mat &trace_mask, int min_px) {
  const cv::Mat held = map > 0.5f;
  int strokes = 0, unbroken = 0;
  for (int x = 0; x < trace_mask.cols; ++x)
    for (int y = 0; y < trace_mask.rows; ++y) {
      if (!trace_mask.at<std::uint8_t>(y, x)) continue;
      const int top = y;
      while (y < trace_mask.rows && trace_mask.at<std::uint8_t>(y, x)) ++y;
      if (y - top < min_px) continue;
      ++strokes;
      unbroken += cv::countNonZero(held.col(x).rowRange(top, y)) == y - top;
    }
  return double(unbroken) / std::max(1, strokes);
}

// synth_5026 of the photo set: blurred, so the base of each QRS complex is
// a dense blot that the classical segmenter drops as clutter. The net sees
// the trace there; the refined map takes it without leaving a seam between
// the net's part and the classical part, so each stroke stays whole (0.55 of
// the steep strokes with the seams, 0.77 without; classical 0.55).
TEST(ShippedUnetSegmenter, KeepsStrokesWholeWhereTheClassicalMapHasHoles) {
  if (!have_torch()) GTEST_SKIP() << "built without LibTorch";
  if (!std::filesystem::exists(ECGDIG_SHIPPED_WEIGHTS)) GTEST_SKIP() << "no shipped weights";
  const RenderedPage page = evaluation_page(5026, "photo");
  const StageOptions options{{"weights", ECGDIG_SHIPPED_WEIGHTS}, {"num_threads", "2"}};
  const int min_px = static_cast<int>(std::lround(2 * page.px_per_mm));
  const double refined = unbroken_stroke_share(
      Registry<Segmenter>::global().create("unet", options)->segment(page.bgr).trace, page.trace_mask, min_px);
  const double classical = unbroken_stroke_share(
      Registry<Segmenter>::global().create("classical", options)->segment(page.bgr).trace, page.trace_mask, min_px);
  RecordProperty("unbroken", "classical " + std::to_string(classical) + ", refined " + std::to_string(refined));
  EXPECT_GE(refined, classical + 0.15) << "classical " << classical << ", refined " << refined;
}

// synth_1058 of the clean set: 3x4 at 50 mm/s and 20 mm/mV without a
// calibration pulse; the scale is printed in a serif footer crossed by a red
// grid line, whose glyphs run together in the net's text map at its working
// scale. The classical glyphs inside the net's text keep it readable.
TEST(ShippedUnetSegmenter, KeepsThePrintedScaleOfAFooterOnTheGridReadable) {
  if (!have_torch()) GTEST_SKIP() << "built without LibTorch";
  if (!std::filesystem::exists(ECGDIG_SHIPPED_WEIGHTS)) GTEST_SKIP() << "no shipped weights";
  PipelineOptions options;
  options.segmenter = "unet";
  options.num_threads = 2;
  options.stage_options.set("weights", ECGDIG_SHIPPED_WEIGHTS);
  const Layout layout = Pipeline(options).run(evaluation_page(1058, "none").bgr).layout;
  EXPECT_EQ(layout.speed_evidence, ScaleEvidence::PrintedText);
  EXPECT_EQ(layout.paper_speed_mm_s, 50);
  EXPECT_EQ(layout.gain_evidence, ScaleEvidence::PrintedText);
  EXPECT_EQ(layout.gain_mm_per_mv, 20);
}

}  // namespace
}  // namespace ecgdig
