// Lead names told from the traces: on a page with no lead name to read, the
// limb leads' fixed relations (II = I + III, aVR + aVL + aVF = 0) pick, of
// the layouts with the same panels, the one the page was printed in.

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "ecgdig/metrics.hpp"
#include "ecgdig/pipeline.hpp"
#include "ecgdig/registry.hpp"
#include "ecgdig/render.hpp"

namespace {


// The stages before the layout as exact as the renderer knows them: the page
// as drawn, its masks as maps, its scale.
class PassThrough : public ecgdig::Preprocessor {
 public:
  ecgdig::PreparedImage prepare(const cv::Mat &image) const override { return {image.clone()}; }
};

class MasksAsMaps : public ecgdig::Segmenter {
 public:
  explicit MasksAsMaps(const ecgdig::RenderedPage &page) : page_(page) {}
  ecgdig::SegmentationMaps segment(const cv::Mat &) const override {
    ecgdig::SegmentationMaps maps;
    page_.trace_mask.convertTo(maps.trace, CV_32F, 1.0 / 255);
    page_.grid_mask.convertTo(maps.grid, CV_32F, 1.0 / 255);
    page_.text_mask.convertTo(maps.text, CV_32F, 1.0 / 255);
    return maps;
  }

 private:
  const ecgdig::RenderedPage &page_;
};

class KnownScale : public ecgdig::GridDetector {
 public:
  explicit KnownScale(double px_per_mm) : px_per_mm_(px_per_mm) {}
  ecgdig::Geometry detect(const cv::Mat &bgr, const ecgdig::SegmentationMaps &) const override {
    ecgdig::Geometry geometry;
    geometry.rectified_size = bgr.size();
    geometry.px_per_mm_x = geometry.px_per_mm_y = px_per_mm_;
    geometry.confidence = 1;
    return geometry;
  }

 private:
  double px_per_mm_;
};

ecgdig::Result digitize(const ecgdig::RenderedPage &page, const ecgdig::StageOptions &options = {}) {
  const ecgdig::Pipeline pipeline(std::make_unique<PassThrough>(), std::make_unique<MasksAsMaps>(page),
                                  std::make_unique<KnownScale>(page.px_per_mm),
                                  ecgdig::Registry<ecgdig::LeadLayout>::global().create("template", options),
                                  ecgdig::Registry<ecgdig::SignalExtractor>::global().create("trace", options));
  return pipeline.run(page.bgr);
}

ecgdig::RenderedPage ten_seconds_printed(const char *layout, bool lead_labels) {
  ecgdig::SynthOptions synth;
  synth.duration_s = 10;
  ecgdig::PageStyle style;
  style.layout = layout;
  style.lead_labels = lead_labels;
  style.seed = 7;
  return ecgdig::render_page(ecgdig::synthesize_ecg(synth, 11), style);
}

class UnnamedPage : public ::testing::TestWithParam<const char *> {};

TEST_P(UnnamedPage, LayoutIsToldByTheLimbLeads) {
  const auto page = ten_seconds_printed(GetParam(), false);
  const ecgdig::Result result = digitize(page);
  EXPECT_EQ(result.layout.name, GetParam());
  EXPECT_EQ(result.layout.name_evidence, ecgdig::NameEvidence::LeadRelations)
      << to_string(result.layout.name_evidence);
  EXPECT_GE(ecgdig::score_record(result.record, page.truth).mean_snr_db, 15.0);
}

// Cabrera and 6x1-chest print their panels as 3x4 and 6x1-limb do, which
// the layout stage takes a page with no names for.
INSTANTIATE_TEST_SUITE_P(Layouts, UnnamedPage, ::testing::Values("3x4-cabrera", "3x4", "6x1-chest", "6x1-limb"));

TEST(NamedPage, PrintedNamesAreTakenAsRead) {
  const ecgdig::Result result = digitize(ten_seconds_printed("3x4-cabrera", true));
  EXPECT_EQ(result.layout.name, "3x4-cabrera");
  EXPECT_EQ(result.layout.name_evidence, ecgdig::NameEvidence::PrintedNames)
      << to_string(result.layout.name_evidence);
}

TEST(NamedPage, LayoutGivenByTheCallerIsKept) {
  ecgdig::StageOptions options;
  options.set("layout", "3x4");
  // Printed in Cabrera but declared 3x4: the caller's word stands, relations or not.
  const ecgdig::Result result = digitize(ten_seconds_printed("3x4-cabrera", false), options);
  EXPECT_EQ(result.layout.name, "3x4");
  EXPECT_EQ(result.layout.name_evidence, ecgdig::NameEvidence::Option);
}

TEST(UnnamedPage, LayoutWithoutAnotherNamingIsReportedAssumed) {
  const ecgdig::Result result = digitize(ten_seconds_printed("6x2", false));
  EXPECT_EQ(result.layout.name, "6x2");
  EXPECT_EQ(result.layout.name_evidence, ecgdig::NameEvidence::Assumed);
  bool warned = false;
  for (const auto &w : result.diagnostics.warnings) warned = warned || w.find("lead names") != std::string::npos;
  EXPECT_TRUE(warned);
}

}  // namespace
