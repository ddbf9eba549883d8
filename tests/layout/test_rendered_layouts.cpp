// LeadLayout "template" and SignalExtractor "trace" on pages drawn by the
// renderer in every layout, speed and gain, with maps from its masks.

#include <gtest/gtest.h>

#include <algorithm>

#include <cmath>
#include <cstdint>
#include <iostream>
#include <string>

#include <opencv2/imgproc.hpp>

#include "ecgdig/lead_layout.hpp"
#include "ecgdig/metrics.hpp"
#include "ecgdig/pipeline.hpp"
#include "ecgdig/render.hpp"
#include "ecgdig/signal_extractor.hpp"
#include "evaluation_page.hpp"

namespace {

struct Case {
  const char *layout;
  double speed_mm_s;
  double limb_gain_mm_per_mv;
  double chest_gain_mm_per_mv;
  bool pulse;
  bool forced = false;  // name the layout in the options
};

std::ostream &operator<<(std::ostream &os, const Case &c) {
  return os << c.layout << " " << c.speed_mm_s << "mm/s " << c.limb_gain_mm_per_mv << "/"
            << c.chest_gain_mm_per_mv << "mm/mV" << (c.pulse ? " pulse" : "");
}

// Style of a page printed at `speed_mm_s` and the given gains, with or without pulses.
ecgdig::PageStyle page_style(const char *layout, double speed_mm_s, double limb_gain_mm_per_mv,
                             double chest_gain_mm_per_mv, bool pulse, std::uint64_t seed) {
  ecgdig::PageStyle style;
  style.layout = layout;
  style.paper_speed_mm_s = speed_mm_s;
  style.limb_gain_mm_per_mv = limb_gain_mm_per_mv;
  style.chest_gain_mm_per_mv = chest_gain_mm_per_mv;
  style.calibration_pulse = pulse;
  style.seed = seed;
  return style;
}

// A 10 s record (seed 11) printed in `style`.
ecgdig::RenderedPage render_ten_seconds(const ecgdig::PageStyle &style) {
  ecgdig::SynthOptions synth;
  synth.duration_s = 10;
  return ecgdig::render_page(ecgdig::synthesize_ecg(synth, 11), style);
}

// The upright page's size and scale, as the grid stage would measure them.
ecgdig::Geometry geometry_of(const ecgdig::RenderedPage &page) {
  ecgdig::Geometry geometry;
  geometry.rectified_size = page.bgr.size();
  geometry.px_per_mm_x = geometry.px_per_mm_y = page.px_per_mm;
  return geometry;
}

ecgdig::SegmentationMaps maps_from_masks(const ecgdig::RenderedPage &page) {
  ecgdig::SegmentationMaps maps;
  page.trace_mask.convertTo(maps.trace, CV_32F, 1.0 / 255);
  page.grid_mask.convertTo(maps.grid, CV_32F, 1.0 / 255);
  page.text_mask.convertTo(maps.text, CV_32F, 1.0 / 255);
  return maps;
}

// The layout the "template" stage finds on `maps` of `page`.
ecgdig::Layout locate_layout(const ecgdig::RenderedPage &page, const ecgdig::SegmentationMaps &maps) {
  return ecgdig::Registry<ecgdig::LeadLayout>::global().create("template", {})->locate(
      page.bgr, maps, geometry_of(page));
}

// The 3x4+1 page found on `maps`: every panel starts where the page's rows
// start, plus its time at `speed_mm_s`.
void expect_rows_start_together(const ecgdig::RenderedPage &page, const ecgdig::SegmentationMaps &maps,
                                double speed_mm_s) {
  const auto found = locate_layout(page, maps);
  ASSERT_EQ(found.name, "3x4+1");
  const double mm = page.px_per_mm;
  for (const auto &box : found.leads)
    EXPECT_NEAR(box.box_px.x - box.t_start_s * speed_mm_s * mm, page.leads.front().box_px.x, 1.5 * mm) << box.name;
}

class RenderedPage : public ::testing::TestWithParam<Case> {};

TEST_P(RenderedPage, LayoutAndSignalsAreFound) {
  const Case c = GetParam();
  const ecgdig::PageStyle style =
      page_style(c.layout, c.speed_mm_s, c.limb_gain_mm_per_mv, c.chest_gain_mm_per_mv, c.pulse, 7);
  const auto page = render_ten_seconds(style);
  const auto maps = maps_from_masks(page);
  const ecgdig::Geometry geometry = geometry_of(page);

  // Speed and gain come from the page (pulse) or, without a pulse, from the options.
  ecgdig::StageOptions options;
  if (!c.pulse) {
    options.set("paper_speed_mm_s", std::to_string(c.speed_mm_s));
    options.set("gain_mm_per_mv", std::to_string(c.limb_gain_mm_per_mv));
  }
  options.set("chest_gain_mm_per_mv", std::to_string(c.chest_gain_mm_per_mv));
  if (c.forced) options.set("layout", c.layout);
  auto layout = ecgdig::Registry<ecgdig::LeadLayout>::global()
                    .create("template", options)
                    ->locate(page.bgr, maps, geometry);
  EXPECT_EQ(layout.name, c.layout);
  EXPECT_DOUBLE_EQ(layout.paper_speed_mm_s, c.speed_mm_s);
  EXPECT_DOUBLE_EQ(layout.gain_mm_per_mv, c.limb_gain_mm_per_mv);
  ASSERT_EQ(layout.leads.size(), page.leads.size());
  for (const auto &truth : page.leads) {
    const ecgdig::LeadBox *box = nullptr;
    for (const auto &b : layout.leads)
      if (b.name == truth.name && std::abs(b.t_start_s - truth.t_start_s) < 0.1 &&
          std::abs(b.duration_s - truth.duration_s) < 0.1)
        box = &b;
    ASSERT_NE(box, nullptr) << truth.name << " at " << truth.t_start_s << " s";
    EXPECT_NEAR(box->duration_s, truth.duration_s, 0.1) << truth.name;
    // The pulse's foot is 0 mV; without one, the row's most common level stands in for it.
    EXPECT_NEAR(box->baseline_y_px, truth.baseline_y_px + 0.5, (c.pulse ? 0.5 : 4) * page.px_per_mm)
        << truth.name;
  }

  const auto record = ecgdig::Registry<ecgdig::SignalExtractor>::global().create("trace")->extract(
      maps, geometry, layout, 500);
  const auto score = ecgdig::score_record(record, page.truth);
  std::cout << c << ": mean SNR " << score.mean_snr_db << " dB\n";
  EXPECT_GE(score.mean_snr_db, 15.0);
}

INSTANTIATE_TEST_SUITE_P(
    Layouts, RenderedPage,
    ::testing::Values(Case{"3x4+1", 25, 10, 10, true}, Case{"3x4", 25, 10, 10, false},
                      Case{"3x4+3", 25, 10, 10, true}, Case{"6x2", 25, 10, 10, true},
                      Case{"6x2+1", 25, 5, 5, true}, Case{"12x1", 25, 5, 5, true},
                      Case{"3x4+1", 50, 10, 10, true}, Case{"3x4+1", 25, 20, 20, true},
                      Case{"6x2", 50, 10, 5, false}, Case{"6x1-limb", 25, 10, 10, true},
                      Case{"6x1-chest", 50, 10, 10, true}, Case{"3x4-cabrera", 25, 10, 10, true},
                      Case{"3x4-cabrera", 25, 10, 10, false, true}));

}  // namespace

// Paper speed and gains read from the page alone: calibration pulses (a chest
// row's pulse gives the chest gain), else the printed scale ("50 mm/s",
// "10 mm/mV (limb), 20 mm/mV (chest)"), else 25 mm/s and 10 mm/mV assumed.
struct ScaleCase {
  const char *layout;
  double speed_mm_s;
  double limb_gain_mm_per_mv;
  double chest_gain_mm_per_mv;
  bool pulse;
  bool header;  // prints the footer with the scale
  std::uint64_t seed;
  ecgdig::ScaleEvidence speed_from, gain_from, chest_from;
  double page_width_mm = 279.4;
};

std::ostream &operator<<(std::ostream &os, const ScaleCase &c) {
  return os << c.layout << " " << c.speed_mm_s << "mm/s " << c.limb_gain_mm_per_mv << "/"
            << c.chest_gain_mm_per_mv << "mm/mV" << (c.pulse ? " pulse" : "")
            << (c.header ? " footer" : "") << " seed " << c.seed;
}

class PageScale : public ::testing::TestWithParam<ScaleCase> {};

TEST_P(PageScale, SpeedAndGainsComeFromThePage) {
  const ScaleCase c = GetParam();
  ecgdig::PageStyle style =
      page_style(c.layout, c.speed_mm_s, c.limb_gain_mm_per_mv, c.chest_gain_mm_per_mv, c.pulse, c.seed);
  style.header_text = c.header;
  style.page_width_mm = c.page_width_mm;
  const auto page = render_ten_seconds(style);
  const auto layout = locate_layout(page, maps_from_masks(page));
  EXPECT_EQ(layout.name, c.layout);
  EXPECT_DOUBLE_EQ(layout.paper_speed_mm_s, c.speed_mm_s);
  EXPECT_DOUBLE_EQ(layout.gain_mm_per_mv, c.limb_gain_mm_per_mv);
  EXPECT_DOUBLE_EQ(layout.chest_gain_mm_per_mv, c.chest_gain_mm_per_mv);
  EXPECT_EQ(layout.speed_evidence, c.speed_from) << to_string(layout.speed_evidence);
  EXPECT_EQ(layout.gain_evidence, c.gain_from) << to_string(layout.gain_evidence);
  EXPECT_EQ(layout.chest_gain_evidence, c.chest_from) << to_string(layout.chest_gain_evidence);
}

constexpr auto kPulse = ecgdig::ScaleEvidence::CalibrationPulse;
constexpr auto kText = ecgdig::ScaleEvidence::PrintedText;
constexpr auto kRowLength = ecgdig::ScaleEvidence::PageGeometry;
constexpr auto kAssumed = ecgdig::ScaleEvidence::Assumed;

INSTANTIATE_TEST_SUITE_P(
    Evidence, PageScale,
    ::testing::Values(
        // Pulse width and height, without any text.
        ScaleCase{"3x4+1", 50, 20, 20, true, false, 7, kPulse, kPulse, kAssumed},
        ScaleCase{"6x2", 50, 5, 5, true, false, 7, kPulse, kPulse, kAssumed},
        // Split gain: chest rows start with their own pulse.
        ScaleCase{"12x1", 25, 10, 5, true, false, 7, kPulse, kPulse, kPulse},
        ScaleCase{"6x1-chest", 25, 20, 20, true, false, 7, kPulse, kPulse, kPulse},
        // No pulse: the footer tells, in a Hershey and a TrueType font.
        ScaleCase{"3x4+1", 50, 10, 10, false, true, 9, kText, kText, kText},
        ScaleCase{"6x2", 25, 5, 5, false, true, 3, kText, kText, kText},
        ScaleCase{"3x4", 50, 20, 20, false, true, 5, kText, kText, kText},
        ScaleCase{"3x4+1", 25, 10, 20, false, true, 5, kText, kText, kText},
        // Split gain on a page whose pulses are all in limb rows: the footer gives the chest gain.
        ScaleCase{"3x4+1", 25, 10, 20, true, true, 3, kPulse, kPulse, kText},
        ScaleCase{"6x2", 50, 10, 5, true, true, 5, kPulse, kPulse, kText},
        // No pulse, no text, a wide page: rows 340 mm long would show 13.6 s at 25 mm/s,
        // more than a page shows.
        ScaleCase{"3x4+1", 50, 10, 10, false, false, 7, kRowLength, kAssumed, kAssumed, 350},
        // Nothing on the page: the defaults, said to be assumed.
        ScaleCase{"3x4+1", 25, 10, 10, false, false, 7, kAssumed, kAssumed, kAssumed}));

// A portrait page is too narrow for 10 s: its four columns of 2.05 s (8.2 s)
// are read as printed, not rounded to whole seconds, which would shift every
// later panel by a tenth of a second.
TEST(RenderedPageColumns, ColumnsOfAPortraitPageKeepTheirLength) {
  ecgdig::PageStyle style = page_style("3x4+1", 25, 10, 10, false, 5);
  std::swap(style.page_width_mm, style.page_height_mm);
  const auto page = render_ten_seconds(style);
  ASSERT_NEAR(page.leads[1].t_start_s, 2.05, 1e-9) << "the renderer's columns";
  const auto found = locate_layout(page, maps_from_masks(page));
  ASSERT_EQ(found.name, "3x4+1");
  for (const auto &box : found.leads) {
    const auto truth = std::find_if(page.leads.begin(), page.leads.end(), [&](const auto &l) {
      return l.name == box.name && std::abs(l.duration_s - (box.duration_s > 3 ? 8.2 : 2.05)) < 1e-6;
    });
    ASSERT_NE(truth, page.leads.end()) << box.name << " " << box.duration_s << " s";
    EXPECT_NEAR(box.duration_s, truth->duration_s, 0.02) << box.name;
    EXPECT_NEAR(box.box_px.x, truth->box_px.x, 0.3 * page.px_per_mm) << box.name;
  }
}

// A 50 mm/s page whose first row's pulse is no pulse (7 mm tall, no legal
// gain): that row starts where the others do, after the pulse, not at its foot.
TEST(RenderedPageColumns, RowWithAnUnreadPulseStartsWithTheOthers) {
  const auto page = render_ten_seconds(page_style("3x4+1", 50, 10, 10, true, 5));
  auto maps = maps_from_masks(page);
  const auto &first = page.leads.front();
  const double mm = page.px_per_mm, b = first.baseline_y_px, x1 = first.box_px.x, x0 = x1 - 12 * mm;
  const cv::Rect pulse(cv::Point2d(x0 - mm, b - 12 * mm), cv::Point2d(x1, b + 0.5 * mm));
  maps.trace(pulse).setTo(0);
  maps.text(pulse).setTo(0);  // the renderer draws pulses in the text class
  const std::vector<cv::Point> step = {cv::Point2d(x0, b),           cv::Point2d(x0 + mm, b),
                                       cv::Point2d(x0 + mm, b - 7 * mm), cv::Point2d(x1 - mm, b - 7 * mm),
                                       cv::Point2d(x1 - mm, b),       cv::Point2d(x1, b)};
  cv::polylines(maps.trace, step, false, cv::Scalar(1.0), 2);
  expect_rows_start_together(page, maps, 50);
}

// A bar just left of the printed scale (a separator, the page's edge, a pen
// stroke) reads as 'l' and a gap: "l 50 mm/s" is 50 mm/s after a stray
// mark, not 150 mm/s, which no paper runs at.
TEST(PageScale, ABarBeforeThePrintedSpeedIsNoDigit) {
  ecgdig::PageStyle style = page_style("3x4+1", 50, 10, 10, false, 9);
  style.header_text = true;
  const auto page = render_ten_seconds(style);
  auto maps = maps_from_masks(page);
  // The scale is the first text of the footer line, the lowest on the page.
  cv::Mat text, labels, stats, centroids;
  cv::threshold(maps.text, text, 0.5, 255, cv::THRESH_BINARY);
  text.convertTo(text, CV_8U);
  const int n = cv::connectedComponentsWithStats(text, labels, stats, centroids);
  std::vector<cv::Rect> boxes;
  for (int i = 1; i < n; ++i)
    boxes.emplace_back(stats.at<int>(i, cv::CC_STAT_LEFT), stats.at<int>(i, cv::CC_STAT_TOP),
                       stats.at<int>(i, cv::CC_STAT_WIDTH), stats.at<int>(i, cv::CC_STAT_HEIGHT));
  int bottom = 0;
  for (const cv::Rect &box : boxes) bottom = std::max(bottom, box.br().y);
  cv::Rect first;
  for (const cv::Rect &box : boxes)
    if (bottom - box.br().y < page.px_per_mm && (first.empty() || box.x < first.x)) first = box;
  ASSERT_FALSE(first.empty());
  ASSERT_EQ(locate_layout(page, maps).paper_speed_mm_s, 50) << "without the bar";
  const double x = first.x - 1.2 * first.height;
  cv::line(maps.text, cv::Point2d(x, first.y), cv::Point2d(x, first.br().y - 1), cv::Scalar(1.0), 2);
  const auto found = locate_layout(page, maps);
  EXPECT_EQ(found.paper_speed_mm_s, 50);
  EXPECT_EQ(found.speed_evidence, kText) << to_string(found.speed_evidence);
}

// Footers as random page styles print them, each once misread: a comma
// glued to the next value ("(limb),20 mm/mV"), "(limb)" read as "(11mb)", a
// font whose 'm' reads as 'n' ("25 nn/s 5 nn/nV"), a bracket read as a
// letter, bold digits joined into
// one glyph ("25", "/mV") on a lightly degraded copy, "(limb)" read as
// "(t?nb)" on a black-and-white copy (its chest gain differs); the whole
// pipeline, as a user runs it.
TEST(PageScale, FootersOfRandomStylesAreRead) {
  for (auto [seed, preset] : {std::pair<std::uint64_t, const char *>{1007, "none"}, {1022, "none"},
                              {1028, "none"}, {1036, "none"}, {2015, "light"}, {6004, "bw"}}) {
    const auto page = evaluation_page(seed, preset);
    const ecgdig::PageStyle &style = page.style;
    const ecgdig::Layout layout = ecgdig::Pipeline().run(page.bgr).layout;
    EXPECT_DOUBLE_EQ(layout.paper_speed_mm_s, style.paper_speed_mm_s) << "seed " << seed;
    EXPECT_DOUBLE_EQ(layout.gain_mm_per_mv, style.limb_gain_mm_per_mv) << "seed " << seed;
    EXPECT_DOUBLE_EQ(layout.chest_gain_mm_per_mv, style.chest_gain_mm_per_mv) << "seed " << seed;
  }
}

// Tall QRS complexes leave their row's band; where they do, the band is empty
// for a moment, which is no gap between panels (this record's V leads reach
// 3 mV on a page with 25 mm rows).
TEST(RenderedPageColumns, TallWavesLeavingTheRowAreNoPanelBoundary) {
  ecgdig::PageStyle style;
  style.layout = "6x2+1";
  style.seed = 12003;
  const auto page = ecgdig::render_page(ecgdig::synthesize_ecg({}, 12003), style);
  const auto found = locate_layout(page, maps_from_masks(page));
  EXPECT_EQ(found.name, "6x2+1");
}

// A bar across the baseline at one quarter of every row (a pen tick, a
// steep wave) besides the real boundary at the middle: a 6x2 row shows two
// panels, not four.
TEST(RenderedPageColumns, OneStrayBarMakesNoFourPanelRow) {
  ecgdig::PageStyle style;
  style.layout = "6x2";
  style.seed = 7;
  const auto page = render_ten_seconds(style);
  auto maps = maps_from_masks(page);
  for (const auto &lead : page.leads) {
    if (lead.t_start_s > 0) continue;
    const double x = lead.box_px.x + lead.box_px.width / 2, half_height = 4 * page.px_per_mm;
    cv::rectangle(maps.trace, cv::Point2d(x, lead.baseline_y_px - half_height),
                  cv::Point2d(x + 0.5 * page.px_per_mm, lead.baseline_y_px + half_height), cv::Scalar(1.0), cv::FILLED);
  }
  const auto found = locate_layout(page, maps);
  EXPECT_EQ(found.name, "6x2");
}

// A 6x2+1 page printing neither names nor separators shows no panel
// boundary; a letter-sized mark beside the rhythm strip's middle (grid lines
// crossing, taken for a letter) looks like a name starting a second panel
// there on that row alone. It is stray: the page stays 6x2+1, not 6x1.
TEST(RenderedPageColumns, AMarkOnOneRowAloneIsNoPanelBoundary) {
  ecgdig::PageStyle style = page_style("6x2+1", 25, 10, 10, true, 5);
  style.lead_labels = false;
  style.separators = false;
  const auto page = render_ten_seconds(style);
  auto maps = maps_from_masks(page);
  const auto &strip = page.leads.back();
  ASSERT_GT(strip.box_px.width, 1.5 * page.leads.front().box_px.width) << "the rhythm strip";
  const double ppmm = page.px_per_mm, x = strip.box_px.x + strip.box_px.width / 2 + ppmm,
               y = strip.baseline_y_px + 5 * ppmm;
  cv::line(maps.text, cv::Point2d(x, y - ppmm), cv::Point2d(x, y + ppmm), cv::Scalar(1.0), 2);
  cv::line(maps.text, cv::Point2d(x - ppmm, y), cv::Point2d(x + ppmm, y), cv::Scalar(1.0), 2);
  const auto found = locate_layout(page, maps);
  EXPECT_EQ(found.name, "6x2+1");
}

// A header line taken for a trace row above the first row, farther from it
// than the rows are from each other, on a page that marks no boundaries and
// prints no names: the template's evenly spaced rows are the page's rows.
TEST(RenderedPageColumns, AHeaderLineTakenForARowIsLeftOut) {
  ecgdig::PageStyle style = page_style("3x4+1", 25, 10, 10, false, 9);
  style.lead_labels = false;
  style.separators = false;
  auto page = render_ten_seconds(style);
  const auto &first = page.leads.front();
  double spacing = page.bgr.rows;
  for (const auto &lead : page.leads)
    if (lead.baseline_y_px > first.baseline_y_px + 1)
      spacing = std::min(spacing, lead.baseline_y_px - first.baseline_y_px);
  // Room above the rows for the header line: the page drawn lower on the sheet.
  const int pad = static_cast<int>(spacing);
  cv::copyMakeBorder(page.bgr, page.bgr, pad, 0, 0, 0, cv::BORDER_CONSTANT, cv::Scalar::all(255));
  for (cv::Mat *mask : {&page.trace_mask, &page.grid_mask, &page.text_mask})
    cv::copyMakeBorder(*mask, *mask, pad, 0, 0, 0, cv::BORDER_CONSTANT, cv::Scalar(0));
  auto maps = maps_from_masks(page);
  const double baseline = first.baseline_y_px + pad, header_y = baseline - 1.2 * spacing;
  for (double x = first.box_px.x; x + 3 < page.leads.back().box_px.br().x; x += 3)
    cv::line(maps.trace, cv::Point2d(x, header_y + std::sin(x / 7)),
             cv::Point2d(x + 3, header_y + std::sin((x + 3) / 7)), cv::Scalar(1.0), 2);
  const auto found = locate_layout(page, maps);
  ASSERT_EQ(found.name, "3x4+1");
  EXPECT_NEAR(found.leads.front().baseline_y_px, baseline, 2 * page.px_per_mm);
}

// A page scanned at 600 dpi and brought to the working size draws its panel
// separators two pixels wide, thinner than a 200 dpi page's; with no lead
// names printed they alone tell a 3x4+3 page from a 6x1 or 6x2 one (found on
// 3 of 12 such lightly degraded pages when a separator had to be three
// pixels wide).
TEST(RenderedPageColumns, ThinSeparatorsOfAHighResolutionPageAreBoundaries) {
  for (const std::uint64_t seed : {2, 4, 6, 8}) {
    ecgdig::PageStyle style = page_style("3x4+3", 25, 10, 10, false, seed);
    style.dpi = 600;
    style.lead_labels = false;
    ecgdig::SynthOptions synth;
    synth.duration_s = 10;
    auto page = ecgdig::render_page(ecgdig::synthesize_ecg(synth, seed), style);
    ecgdig::degrade(page, ecgdig::degrade_preset("light"), seed);
    EXPECT_EQ(ecgdig::Pipeline().run(page.bgr).layout.name, "3x4+3") << "seed " << seed;
  }
}

// Grid lines cut the first row's trace every 5 mm over its first panel into
// pieces too short to count as trace: the row still starts with the others,
// where its trace does, not at its first long piece.
TEST(RenderedPageColumns, RowCutByGridLinesStartsWithTheOthers) {
  const auto page = render_ten_seconds(page_style("3x4+1", 25, 10, 10, false, 5));
  auto maps = maps_from_masks(page);
  const auto &first = page.leads.front();
  const double mm = page.px_per_mm;
  const cv::Rect band(cv::Point2d(first.box_px.x, first.baseline_y_px - 15 * mm),
                      cv::Point2d(first.box_px.x + first.box_px.width, first.baseline_y_px + 15 * mm));
  for (double x = band.x + 2 * mm; x < band.x + band.width; x += 5 * mm)
    maps.trace(cv::Rect(static_cast<int>(x), band.y, 2, band.height) & cv::Rect(0, 0, maps.trace.cols, maps.trace.rows))
        .setTo(0);
  expect_rows_start_together(page, maps, 25);
}

// Black-and-white copies of random page styles whose later lead names merge
// with the trace, so that only a few names and separators are seen, while
// the strokes of steep waves read as "I" and leave marks at the quarters of
// a rhythm strip: the layout is still the one printed (each was read as
// another: 6x2, 3x4, 3x4, 3x4-cabrera, 6x1-chest).
TEST(RenderedPageColumns, LayoutsOfBlackAndWhiteCopiesAreRead) {
  for (const std::uint64_t seed : {6000, 6010, 6030, 6054, 6056}) {
    const auto page = evaluation_page(seed, "bw");
    EXPECT_EQ(ecgdig::Pipeline().run(page.bgr).layout.name, page.style.layout) << "seed " << seed;
  }
}
