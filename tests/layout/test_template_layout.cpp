// LeadLayout "template" on the ecg-image-kit pages and on drawn pages.

#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include <opencv2/imgproc.hpp>

#include "ecgdig/error.hpp"
#include "ecgdig/lead_layout.hpp"
#include "ptbxl_page.hpp"

namespace {

using ecgdig::ErrorCode;
using ecgdig::Layout;
using ecgdig::LeadBox;
using ecgdig::ScaleEvidence;

Layout locate(const ptbxl_page::Page &page, const ecgdig::StageOptions &options = {}) {
  auto layout = ecgdig::Registry<ecgdig::LeadLayout>::global().create("template", options);
  return layout->locate(page.bgr, page.maps, page.geometry);
}

const LeadBox *find_box(const Layout &layout, const std::string &name, double t_start_s) {
  for (const auto &box : layout.leads)
    if (box.name == name && std::abs(box.t_start_s - t_start_s) < 0.05) return &box;
  return nullptr;
}

// Every 3x4 panel where the data README puts it: row baseline, column start, 2.5 s.
void expect_3x4_panels(const Layout &layout, int skip_row = -1) {
  for (int r = 0; r < 3; ++r) {
    if (r == skip_row) continue;
    for (int c = 0; c < 4; ++c) {
      const char *name = ptbxl_page::kRows[r][c];
      const LeadBox *box = find_box(layout, name, 2.5 * c);
      ASSERT_NE(box, nullptr) << name << " at " << 2.5 * c << " s";
      EXPECT_NEAR(box->duration_s, 2.5, 0.01) << name;
      EXPECT_NEAR(box->box_px.x, ptbxl_page::kFirstSampleX + c * ptbxl_page::kColumnPx, 3.0)
          << name;
      // The row's 0 mV line: the page's baseline up to the lead's small DC offset.
      EXPECT_NEAR(box->baseline_y_px, ptbxl_page::kBaselinesPx[r], 10.0) << name;
      EXPECT_LT(box->box_px.y, box->baseline_y_px);
      EXPECT_GT(box->box_px.br().y, box->baseline_y_px);
    }
  }
}

class EcgImageKitPage : public ::testing::TestWithParam<const char *> {};

TEST_P(EcgImageKitPage, FindsTheThreeByFourPlusRhythmLayout) {
  const auto page = ptbxl_page::load(GetParam());
  ASSERT_FALSE(page.bgr.empty());
  const Layout layout = locate(page);
  EXPECT_EQ(layout.name, "3x4+1");
  EXPECT_EQ(layout.leads.size(), 13u);
  EXPECT_DOUBLE_EQ(layout.paper_speed_mm_s, 25);
  EXPECT_DOUBLE_EQ(layout.gain_mm_per_mv, 10);
  EXPECT_GT(layout.confidence, 0.9);
  expect_3x4_panels(layout);
  const LeadBox *rhythm = find_box(layout, "II", 0.0);
  ASSERT_NE(rhythm, nullptr);
  // Both II panels start at 0 s; the rhythm strip is the 10 s one.
  for (const auto &box : layout.leads)
    if (box.name == "II" && box.duration_s > 5) rhythm = &box;
  EXPECT_NEAR(rhythm->duration_s, 10.0, 0.01);
  EXPECT_NEAR(rhythm->baseline_y_px, ptbxl_page::kBaselinesPx[3], 10.0);
}

INSTANTIATE_TEST_SUITE_P(Pages, EcgImageKitPage, ::testing::Values("00841", "10504", "18155"));

TEST(TemplateLayout, ForcedLayoutIsUsed) {
  const auto page = ptbxl_page::load("10504");
  const Layout forced = locate(page, {{"layout", "3x4"}});
  EXPECT_EQ(forced.name, "3x4");
  EXPECT_EQ(forced.leads.size(), 12u);
  expect_3x4_panels(forced);
  // Forcing a layout that does not fit is obeyed but scores lower.
  const Layout wrong = locate(page, {{"layout", "6x2"}});
  EXPECT_EQ(wrong.name, "6x2");
  EXPECT_LT(wrong.confidence, locate(page).confidence);
}

TEST(TemplateLayout, SpeedAndGainOptionsOverride) {
  const auto page = ptbxl_page::load("00841");
  const Layout layout = locate(page, {{"paper_speed_mm_s", "50"}, {"gain_mm_per_mv", "20"}});
  EXPECT_DOUBLE_EQ(layout.paper_speed_mm_s, 50);
  EXPECT_DOUBLE_EQ(layout.gain_mm_per_mv, 20);
  EXPECT_DOUBLE_EQ(layout.chest_gain_mm_per_mv, 20);
  // The same 250 mm row is 5 s at 50 mm/s.
  for (const auto &box : layout.leads) EXPECT_LE(box.t_start_s + box.duration_s, 5.01) << box.name;
}

TEST(TemplateLayout, RejectsBadOptions) {
  auto &registry = ecgdig::Registry<ecgdig::LeadLayout>::global();
  EXPECT_THROW(registry.create("template", {{"layout", "5x5"}}), ecgdig::Error);
  EXPECT_THROW(registry.create("template", {{"gain_mm_per_mv", "-10"}}), ecgdig::Error);
  EXPECT_THROW(registry.create("template", {{"paper_speed_mm_s", "fast"}}), ecgdig::Error);
}

TEST(TemplateLayout, BlankPageIsNotAnEcg) {
  auto page = ptbxl_page::load("18155");
  page.maps.trace.setTo(0);
  try {
    locate(page);
    FAIL() << "a blank trace map gave a layout";
  } catch (const ecgdig::Error &e) {
    EXPECT_EQ(e.code(), ErrorCode::NotAnEcg);
  }
}

TEST(TemplateLayout, TinyOrMistypedMapsAreErrors) {
  ptbxl_page::Page page;
  page.geometry.px_per_mm_x = page.geometry.px_per_mm_y = ptbxl_page::kPxPerMm;
  for (cv::Size size : {cv::Size(1, 1), cv::Size(5, 3), cv::Size(300, 2)}) {
    page.maps.trace = cv::Mat::ones(size, CV_32F);
    try {
      locate(page);
      FAIL() << "a " << size << " map gave a layout";
    } catch (const ecgdig::Error &e) {
      EXPECT_EQ(e.code(), ErrorCode::NotAnEcg) << size;
    }
  }
  page.maps.trace = cv::Mat::zeros(100, 100, CV_8U);
  EXPECT_THROW(locate(page), ecgdig::Error);
  page.maps = {};
  EXPECT_THROW(locate(page), ecgdig::Error);
}

TEST(TemplateLayout, MissingScaleIsAnError) {
  auto page = ptbxl_page::load("18155");
  page.geometry.px_per_mm_x = 0;
  try {
    locate(page);
    FAIL() << "no scale gave a layout";
  } catch (const ecgdig::Error &e) {
    EXPECT_EQ(e.code(), ErrorCode::InvalidArgument);
  }
}

TEST(TemplateLayout, ErasedRowKeepsTheOthersInPlace) {
  auto page = ptbxl_page::load("10504");
  const double intact = locate(page).confidence;
  const int b = static_cast<int>(ptbxl_page::kBaselinesPx[1]);
  page.maps.trace.rowRange(b - 130, b + 130).setTo(0);
  const Layout layout = locate(page);
  EXPECT_EQ(layout.name, "3x4+1");
  expect_3x4_panels(layout, 1);
  EXPECT_LT(layout.confidence, intact);
}

TEST(TemplateLayout, TraceBrokenAtEveryGridLineIsStillFound) {
  auto page = ptbxl_page::load("10504");
  // Segmenters often drop the trace where it crosses a grid line: a gap every millimetre.
  for (double x = 0; x < page.maps.trace.cols; x += ptbxl_page::kPxPerMm)
    page.maps.trace.col(static_cast<int>(x)).setTo(0);
  const Layout layout = locate(page);
  EXPECT_EQ(layout.name, "3x4+1");
  expect_3x4_panels(layout);
}

TEST(TemplateLayout, StrayRowBesideARealOneAddsNoEmptyRows) {
  // A stroke of ink 10 mm under the first row (a scribble, an underline) is
  // taken for a row; it must not make every gap look like a missing row.
  auto page = ptbxl_page::load("10504");
  const double y = ptbxl_page::kBaselinesPx[0] + 10 * ptbxl_page::kPxPerMm;
  for (int x = 300; x < 1500; ++x)
    page.maps.trace.at<float>(static_cast<int>(y + 4 * std::sin(x / 40.0)), x) = 1.0f;
  const Layout layout = locate(page);
  EXPECT_EQ(layout.name, "3x4+1");
  expect_3x4_panels(layout);
}

TEST(TemplateLayout, ErasedTopRowIsPlacedByTheLeadNames) {
  auto page = ptbxl_page::load("18155");
  const int b = static_cast<int>(ptbxl_page::kBaselinesPx[0]);
  page.maps.trace.rowRange(b - 140, b + 140).setTo(0);
  const Layout layout = locate(page);
  // Three rows remain; the names II, aVL, III... say they are rows 2-4 of 3x4+1, not a 3x4.
  EXPECT_EQ(layout.name, "3x4+1");
  expect_3x4_panels(layout, 0);
}

// A drawn page: four rows, each a 1 mV calibration pulse then a trace with
// spikes, at the given speed and gain; 10 px per mm.
ptbxl_page::Page pulse_page(double speed_mm_s, double gain_mm_per_mv) {
  const double ppmm = 10;
  ptbxl_page::Page page;
  page.bgr = cv::Mat(2000, 2800, CV_8UC3, cv::Scalar(255, 255, 255));
  for (int r = 0; r < 4; ++r) {
    const double b = 500 + 400 * r, x0 = 100, pulse_w = 0.2 * speed_mm_s * ppmm,
                 h = gain_mm_per_mv * ppmm;
    const cv::Point2d pulse[] = {{x0, b}, {x0, b - h}, {x0 + pulse_w, b - h}, {x0 + pulse_w, b}};
    for (int i = 0; i < 3; ++i) cv::line(page.bgr, pulse[i], pulse[i + 1], cv::Scalar(0, 0, 0), 2);
    cv::Point2d prev(x0 + pulse_w, b);
    for (double x = prev.x + 1; x < x0 + pulse_w + 2500; x += 1) {
      const double phase = std::fmod(x - x0, 200.0);
      const double y =
          b - (phase > 90 && phase < 100 ? 0.8 * h * (1 - std::abs(phase - 95) / 5) : 0);
      cv::line(page.bgr, prev, cv::Point2d(x, y), cv::Scalar(0, 0, 0), 2);
      prev = cv::Point2d(x, y);
    }
  }
  page.maps = ptbxl_page::dark_pixel_maps(page.bgr);
  page.geometry.rectified_size = page.bgr.size();
  page.geometry.px_per_mm_x = page.geometry.px_per_mm_y = ppmm;
  return page;
}

TEST(TemplateLayout, CalibrationPulseGivesGainSpeedAndBaseline) {
  for (auto [speed, gain] : {std::pair<double, double>{25, 10}, {25, 5}, {50, 20}}) {
    const auto page = pulse_page(speed, gain);
    const Layout layout = locate(page);
    EXPECT_DOUBLE_EQ(layout.gain_mm_per_mv, gain) << speed << " mm/s " << gain << " mm/mV";
    EXPECT_DOUBLE_EQ(layout.paper_speed_mm_s, speed) << speed << " mm/s " << gain << " mm/mV";
    ASSERT_FALSE(layout.leads.empty());
    const LeadBox &first = layout.leads.front();
    // The signal starts at the falling edge of the pulse; the pulse bottom is 0 mV.
    EXPECT_NEAR(first.box_px.x, 100 + 0.2 * speed * 10, 2.0);
    EXPECT_NEAR(first.baseline_y_px, 500.5, 1.5);
  }
}

TEST(TemplateLayout, CalibrationPulseIsReadThroughGridRemnants) {
  // Segmenters leave a trace broken where grid lines cross it and dots of
  // trace where two grid lines cross; neither may hide the pulse.
  for (auto [speed, gain] : {std::pair<double, double>{25, 10}, {50, 20}}) {
    auto page = pulse_page(speed, gain);
    cv::Mat &trace = page.maps.trace;
    for (int y = 25; y < trace.rows; y += 50) trace.rowRange(y, y + 2).setTo(0);
    for (int y = 15; y < trace.rows; y += 50)
      for (int x = 50; x < 400; x += 50) trace.at<float>(y, x) = 1.0f;
    for (int r = 0; r < 4; ++r)
      trace.at<float>(static_cast<int>(500 + 400 * r - gain * 10 - 20), 100) = 1.0f;
    const Layout layout = locate(page);
    EXPECT_DOUBLE_EQ(layout.gain_mm_per_mv, gain) << speed << " mm/s " << gain << " mm/mV";
    EXPECT_DOUBLE_EQ(layout.paper_speed_mm_s, speed) << speed << " mm/s " << gain << " mm/mV";
    EXPECT_EQ(layout.gain_evidence, ScaleEvidence::CalibrationPulse);
    // Each row's baseline is its pulse's bottom line.
    for (const LeadBox &box : layout.leads)
      EXPECT_NEAR(std::remainder(box.baseline_y_px - 500.5, 400.0), 0.0, 1.5) << box.name;
  }
}

// Cuts `cut_px` rows out of the trace every 5 mm, where horizontal grid lines
// crossed it, and returns the grid map those lines leave: the cut rows but
// `margin_px` on each side.
cv::Mat cut_by_grid_lines(cv::Mat &trace, int cut_px, int margin_px) {
  cv::Mat grid = cv::Mat::zeros(trace.size(), CV_32F);
  for (int y = 20; y + cut_px < trace.rows; y += 50) {
    trace.rowRange(y, y + cut_px).setTo(0);
    grid.rowRange(y + margin_px, y + cut_px - margin_px).setTo(1.0);
  }
  return grid;
}

TEST(TemplateLayout, PulseEdgesCutByGridLinesAreBridgedWhereTheGridIs) {
  // Grid lines 0.8 mm thick took the pulse's pixels where they cross its
  // edges: more than a stray gap may be, so the pulse is read only where the
  // grid map shows what took them.
  for (auto [speed, gain] : {std::pair<double, double>{25, 10}, {50, 20}}) {
    auto page = pulse_page(speed, gain);
    const cv::Mat grid = cut_by_grid_lines(page.maps.trace, 8, 0);
    EXPECT_NE(locate(page).gain_evidence, ScaleEvidence::CalibrationPulse) << "without the grid map";
    page.maps.grid = grid;
    const Layout layout = locate(page);
    EXPECT_EQ(layout.gain_evidence, ScaleEvidence::CalibrationPulse) << speed << " mm/s " << gain << " mm/mV";
    EXPECT_DOUBLE_EQ(layout.gain_mm_per_mv, gain) << speed << " mm/s " << gain << " mm/mV";
    EXPECT_DOUBLE_EQ(layout.paper_speed_mm_s, speed) << speed << " mm/s " << gain << " mm/mV";
  }
}

TEST(TemplateLayout, PulseEdgesCutByGridLinesAreBridgedWithTheLinesSides) {
  // Carried onto the rectified page (a turn, the paper's bend), the gap a
  // grid line cut in the pulse's edges widens by a pixel or two on each side
  // where neither map reaches 0.5: 1.2 mm gaps of which 0.8 mm is grid (a
  // B/W copy, synth_6010, lost all four pulses so).
  for (auto [speed, gain] : {std::pair<double, double>{25, 10}, {50, 20}}) {
    auto page = pulse_page(speed, gain);
    page.maps.grid = cut_by_grid_lines(page.maps.trace, 12, 2);
    const Layout layout = locate(page);
    EXPECT_EQ(layout.gain_evidence, ScaleEvidence::CalibrationPulse) << speed << " mm/s " << gain << " mm/mV";
    EXPECT_DOUBLE_EQ(layout.gain_mm_per_mv, gain) << speed << " mm/s " << gain << " mm/mV";
    EXPECT_DOUBLE_EQ(layout.paper_speed_mm_s, speed) << speed << " mm/s " << gain << " mm/mV";
  }
}

TEST(TemplateLayout, BlurredPulsesWithWornCornersGiveTheirGain) {
  // A blurred page draws the pulse 0.6 mm thick with its top-left corner
  // worn away and its rising edge ragged: the first column of the edge starts
  // below the top line and stops 2 mm short of the baseline. The height is
  // read from the top line and the edge's lowest point, not from that column.
  for (auto [speed, gain] : {std::pair<double, double>{25, 5}, {50, 10}}) {
    auto page = pulse_page(speed, gain);
    cv::Mat &trace = page.maps.trace;
    cv::dilate(trace, trace, cv::getStructuringElement(cv::MORPH_RECT, cv::Size(5, 5)));
    for (int r = 0; r < 4; ++r) {
      const int b = 500 + 400 * r, top = b - static_cast<int>(gain * 10);
      trace(cv::Rect(96, top - 4, 6, 9)).setTo(0);  // the worn corner
      trace(cv::Rect(96, b - 20, 2, 25)).setTo(0);  // the ragged foot of the edge's first columns
    }
    const Layout layout = locate(page);
    EXPECT_EQ(layout.gain_evidence, ScaleEvidence::CalibrationPulse) << speed << " mm/s " << gain << " mm/mV";
    EXPECT_DOUBLE_EQ(layout.gain_mm_per_mv, gain) << speed << " mm/s " << gain << " mm/mV";
    EXPECT_DOUBLE_EQ(layout.paper_speed_mm_s, speed) << speed << " mm/s " << gain << " mm/mV";
    for (const LeadBox &box : layout.leads)
      EXPECT_NEAR(std::remainder(box.baseline_y_px - 500.5, 400.0), 0.0, 2.0) << box.name;
  }
}

TEST(TemplateLayout, PulseEdgeCrossedByACreaseKeepsItsFoot) {
  // A crease runs down through one column of each rising edge and 1 mm on
  // below the baseline: the edge's foot is where its other columns end.
  for (double gain : {5.0, 10.0}) {
    auto page = pulse_page(25, gain);
    for (int r = 0; r < 4; ++r) {
      const int b = 500 + 400 * r;
      cv::line(page.maps.trace, cv::Point(100, b - static_cast<int>(gain * 10)), cv::Point(100, b + 10),
               cv::Scalar(1.0), 1);
    }
    const Layout layout = locate(page);
    EXPECT_EQ(layout.gain_evidence, ScaleEvidence::CalibrationPulse) << gain << " mm/mV";
    EXPECT_DOUBLE_EQ(layout.gain_mm_per_mv, gain);
    for (const LeadBox &box : layout.leads)
      EXPECT_NEAR(std::remainder(box.baseline_y_px - 500.5, 400.0), 0.0, 1.5) << box.name;
  }
}

TEST(TemplateLayout, WanderingTraceBetweenTwoStrokesIsNoPulse) {
  // No pulses; each row starts with a 5 mm stroke up, 9 mm of trace that
  // wanders 1.5 mm up and down (a T wave and a U wave), and a 5 mm stroke
  // down: a pulse's outline, but for its top, which the pulse draws straight.
  auto page = pulse_page(25, 10);
  cv::Mat &trace = page.maps.trace;
  trace.colRange(0, 170).setTo(0);
  for (int r = 0; r < 4; ++r) {
    const int b = 500 + 400 * r;
    cv::line(trace, cv::Point(100, b), cv::Point(100, b - 50), cv::Scalar(1.0), 2);
    cv::Point prev(100, b - 50);
    for (int x = 101; x <= 190; ++x) {
      const cv::Point next(x, b - 50 - static_cast<int>(std::lround(15 * std::sin(2 * CV_PI * (x - 100) / 90.0))));
      cv::line(trace, prev, next, cv::Scalar(1.0), 2);
      prev = next;
    }
    cv::line(trace, prev, cv::Point(190, b), cv::Scalar(1.0), 2);
    cv::line(trace, cv::Point(190, b), cv::Point(200, b), cv::Scalar(1.0), 2);
  }
  const Layout layout = locate(page);
  EXPECT_NE(layout.gain_evidence, ScaleEvidence::CalibrationPulse);
}

TEST(TemplateLayout, StepAwayFromTheBaselineIsNoPulse) {
  // The rows' pulses replaced by 1 mV steps floating 5 mm above the baselines
  // (another row's pulse, a boxed letter): they give neither gain nor baseline.
  auto page = pulse_page(25, 10);
  cv::Mat &trace = page.maps.trace;
  trace.colRange(0, 160).setTo(0);
  for (int r = 0; r < 4; ++r) {
    const int b = 500 + 400 * r - 50;
    cv::rectangle(trace, cv::Rect(100, b - 100, 50, 100), cv::Scalar(1.0), 2);
  }
  const Layout layout = locate(page);
  EXPECT_NE(layout.gain_evidence, ScaleEvidence::CalibrationPulse);
  for (const LeadBox &box : layout.leads)
    EXPECT_NEAR(std::remainder(box.baseline_y_px - 500.5, 400.0), 0.0, 1.5) << box.name;
}

}  // namespace
