// SignalExtractor "trace" on the ecg-image-kit pages and on drawn traces.

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <iostream>
#include <limits>
#include <string>

#include <opencv2/imgproc.hpp>

#include "../layout/ptbxl_page.hpp"
#include "ecgdig/error.hpp"
#include "ecgdig/io.hpp"
#include "ecgdig/lead_layout.hpp"
#include "ecgdig/metrics.hpp"
#include "ecgdig/render.hpp"
#include "ecgdig/signal_extractor.hpp"

namespace {

using ecgdig::Layout;
using ecgdig::Record;

std::unique_ptr<ecgdig::SignalExtractor> make_extractor() {
  return ecgdig::Registry<ecgdig::SignalExtractor>::global().create("trace");
}

Layout locate(const ptbxl_page::Page &page) {
  return ecgdig::Registry<ecgdig::LeadLayout>::global()
      .create("template")
      ->locate(page.bgr, page.maps, page.geometry);
}

// The layout the data README gives for these pages.
Layout known_layout() {
  Layout layout;
  layout.name = "3x4+1";
  const double band = 283.3;
  for (int r = 0; r < 3; ++r)
    for (int c = 0; c < 4; ++c)
      layout.leads.push_back(
          {ptbxl_page::kRows[r][c],
           cv::Rect2d(ptbxl_page::kFirstSampleX + c * ptbxl_page::kColumnPx,
                      ptbxl_page::kBaselinesPx[r] - band / 2, ptbxl_page::kColumnPx, band),
           ptbxl_page::kBaselinesPx[r], 2.5 * c, 2.5});
  layout.leads.push_back({"II",
                          cv::Rect2d(ptbxl_page::kFirstSampleX, ptbxl_page::kBaselinesPx[3] - 130,
                                     4 * ptbxl_page::kColumnPx, 260),
                          ptbxl_page::kBaselinesPx[3], 0.0, 10.0});
  return layout;
}

Record shown_truth(const std::string &id) {
  return ptbxl_page::shown_truth(ecgdig::read_wfdb(ptbxl_page::data_path(id + "_hr")));
}

class EcgImageKitPage : public ::testing::TestWithParam<const char *> {};

TEST_P(EcgImageKitPage, DetectedLayoutReachesFifteenDecibels) {
  const auto page = ptbxl_page::load(GetParam());
  const auto start = std::chrono::steady_clock::now();
  Layout layout = locate(page);
  const auto located = std::chrono::steady_clock::now();
  const Record record = make_extractor()->extract(page.maps, page.geometry, layout, 500);
  const auto done = std::chrono::steady_clock::now();
  record.validate();
  const auto score = ecgdig::score_record(record, shown_truth(GetParam()));
  std::cout << "page " << GetParam() << ": mean SNR " << score.mean_snr_db << " dB, r "
            << score.mean_pearson_r << ", layout "
            << std::chrono::duration<double, std::milli>(located - start).count() << " ms, extract "
            << std::chrono::duration<double, std::milli>(done - located).count() << " ms\n ";
  for (const auto &lead : score.leads) std::cout << " " << lead.name << " " << lead.snr_db;
  std::cout << "\n";
  EXPECT_GE(score.mean_snr_db, 15.0);
  for (const auto &lead : score.leads) {
    EXPECT_FALSE(lead.missing) << lead.name;
    EXPECT_GT(lead.coverage, 0.95) << lead.name;
    EXPECT_GT(lead.snr_db, 5.0) << lead.name;
  }
}

TEST_P(EcgImageKitPage, KnownLayoutReachesFifteenDecibels) {
  const auto page = ptbxl_page::load(GetParam());
  Layout layout = known_layout();
  const Record record = make_extractor()->extract(page.maps, page.geometry, layout, 500);
  EXPECT_GE(ecgdig::score_record(record, shown_truth(GetParam())).mean_snr_db, 15.0);
}

INSTANTIATE_TEST_SUITE_P(Pages, EcgImageKitPage, ::testing::Values("00841", "10504", "18155"));

TEST(TraceExtractor, TraceBrokenAtEveryGridLineKeepsItsQuality) {
  auto page = ptbxl_page::load("10504");
  // Segmenters often drop the trace where it crosses a grid line: a gap every millimetre.
  for (double x = 0; x < page.maps.trace.cols; x += ptbxl_page::kPxPerMm)
    page.maps.trace.col(static_cast<int>(x)).setTo(0);
  Layout layout = locate(page);
  const Record record = make_extractor()->extract(page.maps, page.geometry, layout, 500);
  const auto score = ecgdig::score_record(record, shown_truth("10504"));
  std::cout << "page 10504 with a gap every mm: mean SNR " << score.mean_snr_db << " dB\n";
  EXPECT_GE(score.mean_snr_db, 15.0);
}

TEST(TraceExtractor, RecordHasStandardLeadsAndNaNOutsidePanels) {
  const auto page = ptbxl_page::load("10504");
  Layout layout = known_layout();
  const Record record = make_extractor()->extract(page.maps, page.geometry, layout, 500);
  ASSERT_EQ(record.leads.size(), 12u);
  for (std::size_t i = 0; i < 12; ++i) EXPECT_EQ(record.leads[i].name, ecgdig::kStandardLeads[i]);
  EXPECT_EQ(record.num_samples(), 5000u);
  EXPECT_DOUBLE_EQ(record.fs_hz, 500);
  // V1 is shown from 5 to 7.5 s only.
  const auto &v1 = record.find("V1")->mv;
  for (std::size_t k : {0u, 2400u, 3800u, 4999u}) EXPECT_TRUE(std::isnan(v1[k])) << k;
  for (std::size_t k = 2510; k < 3740; ++k) ASSERT_TRUE(std::isfinite(v1[k])) << k;
  // II has a rhythm strip: finite everywhere.
  for (float v : record.find("II")->mv) ASSERT_TRUE(std::isfinite(v));
  for (const auto &lead : record.leads) EXPECT_GT(lead.confidence, 0.95) << lead.name;
}

TEST(TraceExtractor, OutputRateIsHonoured) {
  const auto page = ptbxl_page::load("10504");
  Layout layout = known_layout();
  const Record record = make_extractor()->extract(page.maps, page.geometry, layout, 250);
  EXPECT_EQ(record.num_samples(), 2500u);
  EXPECT_DOUBLE_EQ(record.fs_hz, 250);
}

TEST(TraceExtractor, ErasedRowGivesEmptyLeadsWithNoConfidence) {
  auto page = ptbxl_page::load("18155");
  const int b = static_cast<int>(ptbxl_page::kBaselinesPx[0]);
  page.maps.trace.rowRange(b - 140, b + 140).setTo(0);
  Layout layout = locate(page);
  const Record record = make_extractor()->extract(page.maps, page.geometry, layout, 500);
  const auto score = ecgdig::score_record(record, shown_truth("18155"));
  for (const auto &lead : score.leads) {
    const bool erased =
        lead.name == "I" || lead.name == "aVR" || lead.name == "V1" || lead.name == "V4";
    if (!erased) EXPECT_GT(lead.snr_db, 5.0) << lead.name;
  }
  for (const char *name : {"aVL", "III", "V6"})
    EXPECT_GT(record.find(name)->confidence, 0.9) << name;
  // The erased leads are still in the record, empty and without confidence.
  ASSERT_EQ(record.leads.size(), 12u);
  for (const char *name : {"I", "aVR", "V1", "V4"}) {
    const auto *lead = record.find(name);
    ASSERT_NE(lead, nullptr) << name;
    EXPECT_LT(lead->confidence, 0.2) << name;
    EXPECT_TRUE(std::all_of(lead->mv.begin(), lead->mv.end(), [](float v) {
      return std::isnan(v);
    })) << name;
  }
}

// Two rows 12 mm apart; each trace has a 2 mV spike that crosses the other
// trace and passes the other row's baseline.
TEST(TraceExtractor, TracesCrossingRowsAreNotSwapped) {
  const double ppmm = 10, b0 = 300, b1 = 420, gain = 10;
  cv::Mat bgr(700, 1400, CV_8UC3, cv::Scalar(255, 255, 255));
  const auto upper = [&](double x) {
    return std::abs(x - 400) < 10 ? -2.0 * (1 - std::abs(x - 400) / 10) : 0.1;
  };
  const auto lower = [&](double x) {
    return std::abs(x - 900) < 10 ? 2.0 * (1 - std::abs(x - 900) / 10) : -0.1;
  };
  const auto point = [&](double x, double baseline, double mv) {
    return cv::Point(cvRound(x), cvRound(baseline - mv * gain * ppmm));
  };
  for (double x = 101; x < 1300; x += 1) {
    cv::line(bgr, point(x - 1, b0, upper(x - 1)), point(x, b0, upper(x)), {0, 0, 0}, 2);
    cv::line(bgr, point(x - 1, b1, lower(x - 1)), point(x, b1, lower(x)), {0, 0, 0}, 2);
  }
  ptbxl_page::Page page;
  page.maps = ptbxl_page::dark_pixel_maps(bgr);
  page.geometry.px_per_mm_x = page.geometry.px_per_mm_y = ppmm;
  // cv::line puts point (x, y) at the centre of pixel (x, y): continuous (x + 0.5, y + 0.5).
  Layout layout;
  const double px_per_s = 25 * ppmm;
  layout.leads.push_back(
      {"I", cv::Rect2d(100.5, b0 - 60, 1200, 120), b0 + 0.5, 0.0, 1200 / px_per_s});
  layout.leads.push_back(
      {"II", cv::Rect2d(100.5, b1 - 60, 1200, 120), b1 + 0.5, 0.0, 1200 / px_per_s});
  const Record record = make_extractor()->extract(page.maps, page.geometry, layout, 500);
  const auto &i = record.find("I")->mv, &ii = record.find("II")->mv;
  const auto at = [&](const std::vector<float> &v, double x) {
    return v[std::size_t((x - 100) / px_per_s * 500)];
  };
  EXPECT_LT(at(i, 400), -1.6);  // the upper spike reaches below the lower baseline
  EXPECT_NEAR(at(ii, 400), -0.1, 0.05);
  EXPECT_GT(at(ii, 900), 1.6);  // the lower spike reaches above the upper baseline
  EXPECT_NEAR(at(i, 900), 0.1, 0.05);
  // Away from the steep flanks, where half a pixel of drawing is 0.1 mV.
  double worst = 0;
  for (double x = 110; x < 1290; x += 2) {
    if (std::abs(x - 400) < 12 || std::abs(x - 900) < 12) continue;
    worst = std::max(worst, double(std::abs(at(i, x) - upper(x))));
    worst = std::max(worst, double(std::abs(at(ii, x) - lower(x))));
  }
  EXPECT_LT(worst, 0.25);
}

// A lead name printed at the panel's start, its letters touching the trace
// where a deep complex falls: the trace follows the complex, not the letters
// (which stay near the baseline and so look the cheaper path).
TEST(TraceExtractor, LeadNameTouchingADeepComplexIsNotFollowed) {
  const double ppmm = 8, b = 400, gain = 10;
  const auto mv_at = [](double x) {
    const double d = (x - 130) / 4;  // a narrow S wave 3.5 mV deep, then a slow return
    return -3.5 * std::exp(-0.5 * d * d) - (x > 130 ? 0.8 * std::exp(-(x - 130) / 15) : 0);
  };
  cv::Mat bgr(800, 600, CV_8UC3, cv::Scalar(255, 255, 255));
  const auto point = [&](double x) { return cv::Point(cvRound(x), cvRound(b - mv_at(x) * gain * ppmm)); };
  for (double x = 51; x < 550; x += 1) cv::line(bgr, point(x - 1), point(x), {0, 0, 0}, 3);
  // "V2" standing on the baseline across the complex, as a renderer or a machine prints it.
  cv::putText(bgr, "V2", cv::Point(100, cvRound(b) + 2), cv::FONT_HERSHEY_SIMPLEX, 1.3, {0, 0, 0}, 3);
  ptbxl_page::Page page;
  page.maps = ptbxl_page::dark_pixel_maps(bgr);
  page.geometry.px_per_mm_x = page.geometry.px_per_mm_y = ppmm;
  Layout layout;
  const double px_per_s = 25 * ppmm;
  layout.leads.push_back({"V2", cv::Rect2d(50.5, b - 200, 500, 400), b + 0.5, 0.0, 500 / px_per_s});
  const Record record = make_extractor()->extract(page.maps, page.geometry, layout, 500);
  const auto &v2 = record.find("V2")->mv;
  float deepest = 0;
  for (double x = 120; x < 140; x += 0.5)
    deepest = std::min(deepest, v2[std::size_t((x - 50) / px_per_s * 500)]);
  EXPECT_LT(deepest, -3.0) << "the S wave was left for the letters";
  const auto at = [&](double x) { return v2[std::size_t((x - 50) / px_per_s * 500)]; };
  EXPECT_NEAR(at(140), mv_at(140.5), 0.3);
}

// Rows of a 3x4 page: 0 (I, aVR, V1, V4), 1 (II, aVL, V2, V5), 2 (III, aVF, V3, V6).
int row_of(const std::string &lead) {
  for (int r = 0; r < 3; ++r)
    for (const char *name : ptbxl_page::kRows[r])
      if (lead == name) return r;
  return -1;
}

// Every lead has a slow wave and narrow complexes of `mv` millivolts: down
// in row 0, up in rows 1 and 2, each row's at other times and none on a
// panel's edge, so on a 3x4 page they run through the neighbouring row's
// trace and past its baseline.
Record tall_complexes(double mv) {
  Record record;
  record.name = "tall";
  record.fs_hz = 500;
  for (const char *name : ecgdig::kStandardLeads) {
    const int row = row_of(name);
    ecgdig::Lead lead{name, std::vector<float>(5000), 1.0};
    for (std::size_t n = 0; n < lead.mv.size(); ++n) {
      const double t = n / 500.0;
      double v = 0.2 * std::sin(2 * M_PI * 1.3 * t + row);
      for (double beat = 0.2 + 0.25 * row; beat < 10; beat += 0.9) {
        if (std::abs(std::remainder(beat, 2.5)) < 0.1) continue;
        const double d = (t - beat) / 0.012;
        v += (row == 0 ? -mv : mv) * std::exp(-0.5 * d * d);
      }
      lead.mv[n] = static_cast<float>(v);
    }
    record.leads.push_back(std::move(lead));
  }
  return record;
}

// The drawn page's panels as a layout; the renderer puts pixel centres at
// integer coordinates, the layout's pixel i spans [i, i + 1).
Layout drawn_layout(const ecgdig::RenderedPage &page) {
  Layout layout;
  layout.name = page.layout;
  for (const ecgdig::LeadTruth &lead : page.leads)
    layout.leads.push_back({lead.name, lead.box_px + cv::Point2d(0.5, 0.5),
                            lead.baseline_y_px + 0.5, lead.t_start_s, lead.duration_s});
  return layout;
}

// The peaks of `truth` beyond 0.8 `mv` where it is shown `margin` samples
// on either side, each with the largest finite value of `got` within
// `reach` samples of it.
struct Peak {
  std::size_t n;
  float truth, got;
};
std::vector<Peak> complex_peaks(const std::vector<float> &truth, const std::vector<float> &got, double mv,
                                std::size_t margin, std::size_t reach) {
  std::vector<Peak> peaks;
  for (std::size_t n = margin; n + margin < truth.size(); ++n) {
    const float v = truth[n];
    if (!(std::abs(v) > 0.8 * mv) || std::abs(truth[n - 1]) > std::abs(v) || std::abs(truth[n + 1]) > std::abs(v) ||
        std::isnan(truth[n - margin]) || std::isnan(truth[n + margin]))
      continue;
    float extreme = 0;
    for (std::size_t k = n - reach; k <= n + reach; ++k)
      if (std::isfinite(got[k]) && std::abs(got[k]) > std::abs(extreme)) extreme = got[k];
    peaks.push_back({n, v, extreme});
  }
  return peaks;
}

TEST(TraceExtractor, TallComplexesCrossingRowsKeepTheirPeaks) {
  ecgdig::PageStyle style;
  style.layout = "3x4";
  const double mv = 7.0;
  const ecgdig::RenderedPage page = ecgdig::render_page(tall_complexes(mv), style);
  const double pitch_mv = (page.leads[4].baseline_y_px - page.leads[0].baseline_y_px) /
                          (page.px_per_mm * style.limb_gain_mm_per_mv);
  ASSERT_GT(mv, 1.1 * pitch_mv) << "the complexes must cross the neighbouring row's baseline";
  ecgdig::SegmentationMaps maps;
  page.trace_mask.convertTo(maps.trace, CV_32F, 1.0 / 255);
  ecgdig::Geometry geometry;
  geometry.px_per_mm_x = geometry.px_per_mm_y = page.px_per_mm;
  Layout layout = drawn_layout(page);
  const Record record = make_extractor()->extract(maps, geometry, layout, 500);
  const auto score = ecgdig::score_record(record, page.truth);
  for (const auto &lead : score.leads) {
    EXPECT_GT(lead.snr_db, 15.0) << lead.name;
    EXPECT_LE(std::abs(lead.shift_samples), 1) << lead.name << ": no time offset";
  }
  // Each complex's peak, where the lead is shown, within 5 %.
  for (const ecgdig::Lead &truth : page.truth.leads) {
    const auto peaks = complex_peaks(truth.mv, record.find(truth.name)->mv, mv, 5, 2);
    for (const Peak &peak : peaks)
      EXPECT_NEAR(peak.got, peak.truth, 0.05 * mv) << truth.name << " at sample " << peak.n;
    EXPECT_GE(peaks.size(), 2u) << truth.name;
  }
}

// A blurred photo merges each narrow complex's up and down strokes into one
// blot as wide as a few lines, whose columns repeat one run like a
// separator bar's; mid-panel it is the complex and keeps its peak (read as
// a bar it was dropped and the lead ran flat across it: 15 of 30 peaks
// within a quarter of their height, 29 now).
TEST(TraceExtractor, ComplexesBlurredIntoBlotsKeepTheirPeaks) {
  ecgdig::PageStyle style;
  style.layout = "3x4";
  const double mv = 2.0;
  const ecgdig::RenderedPage page = ecgdig::render_page(tall_complexes(mv), style);
  ecgdig::SegmentationMaps maps;
  page.trace_mask.convertTo(maps.trace, CV_32F, 1.0 / 255);
  cv::GaussianBlur(maps.trace, maps.trace, cv::Size(), 0.4 * page.px_per_mm);
  cv::threshold(maps.trace, maps.trace, 0.1, 1.0, cv::THRESH_BINARY);
  ecgdig::Geometry geometry;
  geometry.px_per_mm_x = geometry.px_per_mm_y = page.px_per_mm;
  Layout layout = drawn_layout(page);
  const Record record = make_extractor()->extract(maps, geometry, layout, 500);
  int peaks = 0, kept = 0;
  for (const ecgdig::Lead &truth : page.truth.leads)
    for (const Peak &peak : complex_peaks(truth.mv, record.find(truth.name)->mv, mv, 10, 10)) {
      ++peaks;
      kept += std::abs(peak.got - peak.truth) < 0.25 * mv;
    }
  ASSERT_GE(peaks, 25);
  EXPECT_GE(kept, 0.9 * peaks) << "of " << peaks << " peaks";
}

// Grid lines as dark as the trace leave pieces of themselves in the trace
// map where they cross it: a pixel-wide stroke through the trace, reaching a
// few millimetres beyond it. They are not waves: the leads read about as
// without them (a spike at every piece costs 15 dB).
TEST(TraceExtractor, GridLinePiecesCrossingTheTraceAreNotRead) {
  ecgdig::PageStyle style;
  style.layout = "3x4";
  const ecgdig::RenderedPage page = ecgdig::render_page(tall_complexes(1.0), style);
  ecgdig::SegmentationMaps clean;
  page.trace_mask.convertTo(clean.trace, CV_32F, 1.0 / 255);
  ecgdig::SegmentationMaps crossed;
  crossed.trace = clean.trace.clone();
  const double major = 5 * page.px_per_mm;
  int pieces = 0;
  for (const ecgdig::LeadTruth &lead : page.leads)
    for (double x = lead.box_px.x + major / 2; x < lead.box_px.br().x; x += major, ++pieces) {
      const double up = (pieces % 3 + 2) * page.px_per_mm, down = (pieces % 2 + 1) * page.px_per_mm;
      cv::line(crossed.trace, cv::Point(cvRound(x), cvRound(lead.baseline_y_px - up)),
               cv::Point(cvRound(x), cvRound(lead.baseline_y_px + down)), 1.0f, 1);
    }
  ecgdig::Geometry geometry;
  geometry.px_per_mm_x = geometry.px_per_mm_y = page.px_per_mm;
  const auto read = [&](const ecgdig::SegmentationMaps &maps) {
    Layout layout = drawn_layout(page);
    return ecgdig::score_record(make_extractor()->extract(maps, geometry, layout, 500),
                                page.truth);
  };
  const auto without = read(clean), with = read(crossed);
  ASSERT_GT(pieces, 100);
  for (std::size_t k = 0; k < with.leads.size(); ++k)
    EXPECT_GT(with.leads[k].snr_db, std::min(without.leads[k].snr_db - 1.0, 20.0))
        << with.leads[k].name << ": " << without.leads[k].snr_db << " dB without the pieces";
}

// A rendered 3x4 page whose millimetres run from `a` narrower at its left
// edge to `a` wider at its right, grid and trace alike (a photographed or
// curled page can stay so after its homography), with its rows split into
// equally wide panels as the layout stage does.
struct StretchedPage {
  ecgdig::SegmentationMaps maps;
  Layout layout;
};
StretchedPage stretched(const ecgdig::RenderedPage &page, double a) {
  const double width = page.trace_mask.cols;
  // Page x at image x: the inverse of a stretch 1 + a (2x / width - 1).
  const auto stretch = [&](double x) { return 1 + a * (2 * x / width - 1); };
  const auto page_x = [&](double x) { return width / (2 * a) * std::log(stretch(x) / stretch(0)); };
  cv::Mat map_x(page.trace_mask.size(), CV_32F), map_y(page.trace_mask.size(), CV_32F);
  for (int y = 0; y < map_x.rows; ++y)
    for (int x = 0; x < map_x.cols; ++x) {
      map_x.at<float>(y, x) = static_cast<float>(page_x(x));
      map_y.at<float>(y, x) = static_cast<float>(y);
    }
  const auto warp = [&](const cv::Mat &mask) {
    cv::Mat f, out;
    mask.convertTo(f, CV_32F, 1.0 / 255);
    cv::remap(f, out, map_x, map_y, cv::INTER_LINEAR, cv::BORDER_CONSTANT, 0);
    return out;
  };
  // Image x at page x, by bisection of the monotone page_x.
  const auto image_x = [&](double u) {
    double lo = 0, hi = width;
    for (int i = 0; i < 60; ++i) (page_x(0.5 * (lo + hi)) < u ? lo : hi) = 0.5 * (lo + hi);
    return 0.5 * (lo + hi);
  };
  StretchedPage out{{warp(page.trace_mask), warp(page.grid_mask), warp(page.text_mask)},
                    drawn_layout(page)};
  for (ecgdig::LeadBox &box : out.layout.leads) {
    const double column = box.t_start_s / box.duration_s;  // 0..3
    const double row_begin = image_x(box.box_px.x - column * box.box_px.width);
    const double row_end = image_x(box.box_px.x + (4 - column) * box.box_px.width);
    box.box_px.width = (row_end - row_begin) / 4;
    box.box_px.x = row_begin + column * box.box_px.width;
  }
  return out;
}

ecgdig::RenderedPage stretched_page_source() {
  ecgdig::PageStyle style;
  style.layout = "3x4";
  return ecgdig::render_page(tall_complexes(1.0), style);
}

// The grid's local period gives each panel its time.
TEST(TraceExtractor, UnevenlyStretchedPageKeepsItsTiming) {
  const ecgdig::RenderedPage page = stretched_page_source();
  StretchedPage s = stretched(page, 0.04);
  ecgdig::Geometry geometry;
  geometry.px_per_mm_x = geometry.px_per_mm_y = page.px_per_mm;
  const auto score = ecgdig::score_record(
      make_extractor()->extract(s.maps, geometry, s.layout, 500), page.truth);
  // Read with the page's scale alone: 8.4 dB, four leads under 4 dB.
  for (const auto &lead : score.leads) EXPECT_GT(lead.snr_db, 12.0) << lead.name;
  EXPECT_GT(score.mean_snr_db, 20.0);
}

// The page's scale, measured over the whole page, can be a few per cent off
// the grid along the rows (rows stretched differently blur its lattice):
// the rows' durations come from the grid along them, so a 3x4 page's columns
// start at 2.5, 5 and 7.5 s and its record lasts 10 s (10.4 s and columns
// 0.1-0.3 s late by the page's scale).
TEST(TraceExtractor, PanelTimesComeFromTheGridAlongTheRow) {
  const ecgdig::RenderedPage page = stretched_page_source();
  StretchedPage s = stretched(page, 0.04);
  ecgdig::Geometry geometry;
  geometry.px_per_mm_x = geometry.px_per_mm_y = 0.96 * page.px_per_mm;
  for (ecgdig::LeadBox &box : s.layout.leads) {  // as the layout stage times them
    const double column = std::round(box.t_start_s / box.duration_s);
    box.duration_s = box.box_px.width / (geometry.px_per_mm_x * 25);
    box.t_start_s = column * box.duration_s;
  }
  const Record record = make_extractor()->extract(s.maps, geometry, s.layout, 500);
  EXPECT_NEAR(record.num_samples(), page.truth.num_samples(), 25);
  for (const ecgdig::LeadBox &box : s.layout.leads)
    EXPECT_NEAR(box.t_start_s, std::round(box.t_start_s / 2.5) * 2.5, 0.02) << box.name;
  EXPECT_GT(ecgdig::score_record(record, page.truth).mean_snr_db, 18.0);
}

TEST(TraceExtractor, BadInputsAreErrors) {
  const auto page = ptbxl_page::load("10504");
  Layout empty;
  EXPECT_THROW(make_extractor()->extract(page.maps, page.geometry, empty, 500), ecgdig::Error);
  Layout layout = known_layout();
  EXPECT_THROW(make_extractor()->extract(page.maps, page.geometry, layout, 0), ecgdig::Error);
  ecgdig::SegmentationMaps none;
  EXPECT_THROW(make_extractor()->extract(none, page.geometry, layout, 500), ecgdig::Error);
  ecgdig::SegmentationMaps byte_grid = page.maps;
  byte_grid.grid = cv::Mat::zeros(page.maps.trace.size(), CV_8UC1);
  EXPECT_THROW(make_extractor()->extract(byte_grid, page.geometry, layout, 500), ecgdig::Error);
  EXPECT_THROW(
      ecgdig::Registry<ecgdig::SignalExtractor>::global().create("trace", {{"max_gap_mm", "-1"}}),
      ecgdig::Error);
}

}  // namespace
