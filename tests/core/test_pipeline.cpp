#include "ecgdig/pipeline.hpp"

#include <cmath>

#include <gtest/gtest.h>
#include <opencv2/imgproc.hpp>

#include "core/minimal_stages.hpp"
#include "ecgdig/error.hpp"

using namespace ecgdig;
using namespace test_stages;

namespace {
// A white page with a black line 10 mm (= 1 mV at 10 mm/mV, 10 px/mm) above the middle.
cv::Mat page_with_step() {
  cv::Mat img(200, 500, CV_8UC3, cv::Scalar(255, 255, 255));
  cv::line(img, {0, 100}, {249, 100}, cv::Scalar(0, 0, 0), 1);
  cv::line(img, {250, 0}, {499, 0}, cv::Scalar(0, 0, 0), 1);
  return img;
}
}  // namespace

TEST(Pipeline, ChainsUserStagesAndTimesEach) {
  Pipeline p(std::make_unique<PassPreprocessor>(), std::make_unique<DarkSegmenter>(),
             std::make_unique<FixedScaleGrid>(), std::make_unique<WholePageLayout>(),
             std::make_unique<ArgmaxExtractor>());
  Result r = p.run(page_with_step());
  ASSERT_EQ(r.record.leads.size(), 1u);
  const auto &mv = r.record.leads[0].mv;
  ASSERT_EQ(mv.size(), 1000u);  // 500 px / 10 px/mm / 25 mm/s = 2 s at 500 Hz
  EXPECT_NEAR(mv[100], 0.0f, 1e-6);
  EXPECT_NEAR(mv[900], 1.0f, 1e-6);
  ASSERT_EQ(r.diagnostics.timings.size(), 5u);
  EXPECT_EQ(r.diagnostics.timings[0].stage, "preprocess");
  EXPECT_EQ(r.diagnostics.timings[4].stage, "extract");
  // The fixed-scale detector says it assumed its scale, the layout its speed,
  // gain and lead names; the pipeline tells the user all three.
  ASSERT_EQ(r.diagnostics.warnings.size(), 3u);
  EXPECT_NE(r.diagnostics.warnings[0].find("assumed"), std::string::npos);
  EXPECT_NE(r.diagnostics.warnings[1].find("25 mm/s (assumed)"), std::string::npos);
  EXPECT_NE(r.diagnostics.warnings[2].find("lead names: none read"), std::string::npos);
  EXPECT_EQ(r.rectified_bgr.size(), cv::Size(500, 200));
}

TEST(Pipeline, ErrorsNameTheFailingStage) {
  Pipeline p(std::make_unique<PassPreprocessor>(), std::make_unique<DarkSegmenter>(),
             std::make_unique<FailingGrid>(), std::make_unique<WholePageLayout>(),
             std::make_unique<ArgmaxExtractor>());
  try {
    p.run(page_with_step());
    FAIL() << "no error";
  } catch (const Error &e) {
    EXPECT_EQ(e.code(), ErrorCode::NoGrid);
    EXPECT_EQ(std::string(e.what()), "grid: nothing periodic");
  }
  EXPECT_THROW(p.run(cv::Mat()), Error);
}

TEST(Pipeline, RejectsMissingStagesAndBadOptions) {
  EXPECT_THROW(Pipeline(nullptr, std::make_unique<DarkSegmenter>(), std::make_unique<FixedScaleGrid>(),
                        std::make_unique<WholePageLayout>(), std::make_unique<ArgmaxExtractor>()),
               Error);
  PipelineOptions bad;
  bad.output_fs_hz = -1;
  EXPECT_THROW(Pipeline(std::make_unique<PassPreprocessor>(), std::make_unique<DarkSegmenter>(),
                        std::make_unique<FixedScaleGrid>(), std::make_unique<WholePageLayout>(),
                        std::make_unique<ArgmaxExtractor>(), bad),
               Error);
  PipelineOptions unknown;
  unknown.segmenter = "no-such-segmenter";
  EXPECT_THROW(Pipeline{unknown}, Error);
}

TEST(Pipeline, NoScaleAndNoFittingLayoutIsNotAnEcg) {
  Pipeline p(std::make_unique<PassPreprocessor>(), std::make_unique<DarkSegmenter>(),
             std::make_unique<FixedScaleGrid>(), std::make_unique<WholePageLayout>(0.05),
             std::make_unique<ArgmaxExtractor>());
  try {
    p.run(page_with_step());
    FAIL() << "no error";
  } catch (const Error &e) {
    EXPECT_EQ(e.code(), ErrorCode::NotAnEcg);
    EXPECT_NE(std::string(e.what()).find("does not look like an ECG"), std::string::npos);
  }
}
