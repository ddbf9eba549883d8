// The whole default pipeline on real and rendered pages: what a user of
// `ecgdig digitize` relies on. Floors sit a few dB under the measured scores
// (docs/results.md) so regressions show.

#include <cmath>
#include <filesystem>
#include <string>

#include <gtest/gtest.h>
#include <opencv2/imgcodecs.hpp>

#include "ecgdig/ecgdig.hpp"
#include "ecgdig/render.hpp"
#include "../layout/evaluation_page.hpp"

namespace {

namespace fs = std::filesystem;
using namespace ecgdig;

const fs::path kData = fs::path(ECGDIG_TEST_DATA_DIR) / "ptbxl";

PipelineOptions two_threads() {
  PipelineOptions options;
  options.num_threads = 2;
  return options;
}

// The record as the page shows it: the renderer reproduces ecg-image-kit's
// geometry, so its truth is the record masked to each panel's window.
Record shown_truth(const std::string &record_name) {
  Record full = read_wfdb(kData / record_name);
  return render_page(full, ecg_image_kit_page_style()).truth;
}

class EcgImageKitPage : public ::testing::TestWithParam<std::string> {};

TEST_P(EcgImageKitPage, DigitizesAllTwelveLeadsAboveFloor) {
  const std::string name = GetParam();
  std::vector<cv::Mat> pages = read_image_pages(kData / (name + "-0.png"));
  ASSERT_EQ(pages.size(), 1u);
  Result result = Pipeline(two_threads()).run(pages[0]);

  EXPECT_EQ(result.layout.name, "3x4+1");
  EXPECT_NEAR(result.geometry.px_per_mm_x, 7.874, 0.08);
  EXPECT_EQ(result.geometry.scale_source, ScaleSource::Grid);
  Record twelve = to_standard_leads(result.record);
  for (const auto &lead : twelve.leads) {
    std::size_t finite = 0;
    for (float v : lead.mv) finite += std::isfinite(v);
    EXPECT_GT(finite, 1000u) << lead.name << " was not found";
  }
  RecordScore score = score_record(result.record, shown_truth(name));
  EXPECT_GE(score.mean_snr_db, 14.0) << name;
  ASSERT_EQ(result.diagnostics.timings.size(), 5u);
}

INSTANTIATE_TEST_SUITE_P(Bundled, EcgImageKitPage,
                         ::testing::Values("00841_hr", "10504_hr", "18155_hr"));

// Rendered pages in a few looks; the renderer's truth is exact.
struct RenderedCase {
  const char *layout;
  const char *preset;
  std::uint64_t seed;
  double min_snr_db;
};

class RenderedPageCase : public ::testing::TestWithParam<RenderedCase> {};

TEST_P(RenderedPageCase, ScoresAboveFloor) {
  const RenderedCase c = GetParam();
  Record signal = synthesize_ecg({}, c.seed);
  PageStyle style;
  style.layout = c.layout;
  style.seed = c.seed;
  RenderedPage page = render_page(signal, style);
  degrade(page, degrade_preset(c.preset), c.seed);
  Result result = Pipeline(two_threads()).run(page.bgr);
  RecordScore score = score_record(result.record, page.truth);
  EXPECT_GE(score.mean_snr_db, c.min_snr_db)
      << c.layout << " " << c.preset << " found layout " << result.layout.name;
}

INSTANTIATE_TEST_SUITE_P(
    Looks, RenderedPageCase,
    ::testing::Values(RenderedCase{"3x4+1", "none", 11, 15.0}, RenderedCase{"6x2", "none", 12, 12.0},
                      RenderedCase{"3x4+1", "light", 13, 12.0},
                      RenderedCase{"3x4+1", "rotated", 14, 10.0}));

// A B/W copy of a page ruled with 5 mm lines alone, its rows showing a
// 10 mm lattice where its columns show 5 mm: the scale is the 5 mm lattice
// both axes show, not the 10 mm one (read as 5 mm it doubled the scale,
// halving every time and amplitude: 0.0 dB before).
TEST(PipelineScale, BlackAndWhiteCopyWithA10MillimetreRowLatticeKeepsItsScale) {
  const RenderedPage page = evaluation_page(6028, "bw");
  Pipeline pipeline(two_threads());
  const double working_scale =
      double(pipeline.preprocessor().prepare(page.bgr).bgr.cols) / page.bgr.cols;
  const Result result = pipeline.run(page.bgr);
  EXPECT_EQ(result.geometry.scale_source, ScaleSource::Grid);
  EXPECT_NEAR(result.geometry.px_per_mm_x / (page.px_per_mm * working_scale), 1.0, 0.01);
  EXPECT_NEAR(result.geometry.px_per_mm_y / (page.px_per_mm * working_scale), 1.0, 0.01);
  EXPECT_GE(score_record(result.record, page.truth).mean_snr_db, 5.0);
}

TEST(PipelineBadInput, PagesWithoutAnEcgAreClearErrors) {
  Pipeline pipeline(two_threads());
  cv::Mat blank(1700, 2200, CV_8UC3, cv::Scalar(255, 255, 255));
  cv::Mat noise(1700, 2200, CV_8UC3);
  cv::randu(noise, 0, 256);
  cv::Mat tiny(40, 60, CV_8UC3, cv::Scalar(0, 0, 0));
  const std::pair<const char *, const cv::Mat *> cases[] = {
      {"blank", &blank}, {"noise", &noise}, {"tiny", &tiny}};
  for (const auto &[what, image] : cases) {
    try {
      Result r = pipeline.run(*image);
      ADD_FAILURE() << "a " << what << " page was digitized as layout " << r.layout.name;
    } catch (const Error &e) {
      EXPECT_NE(e.code(), ErrorCode::Internal) << e.what();
      EXPECT_GT(std::string(e.what()).size(), 10u);
    }
  }
}

}  // namespace
