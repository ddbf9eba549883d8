// Tests of the page renderer: layouts, time windows, paths, masks, truth.

#include <algorithm>
#include <cmath>
#include <cstring>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <opencv2/imgproc.hpp>

#include "ecgdig/error.hpp"
#include "ecgdig/io.hpp"
#include "ecgdig/render.hpp"
#include "render_test_util.hpp"

namespace ecgdig {
namespace {

using render_test::find_panel;
using render_test::same_mat;
using render_test::synth;

struct Window {
  std::string name;
  double t_start_s, duration_s;
};

/// Expected panels of each layout for a 10 s record at 25 mm/s on a letter page.
std::map<std::string, std::vector<Window>> expected_windows() {
  std::map<std::string, std::vector<Window>> m;
  const std::vector<Window> k3x4 = {{"I", 0, 2.5},   {"aVR", 2.5, 2.5}, {"V1", 5, 2.5},  {"V4", 7.5, 2.5},
                                    {"II", 0, 2.5},  {"aVL", 2.5, 2.5}, {"V2", 5, 2.5},  {"V5", 7.5, 2.5},
                                    {"III", 0, 2.5}, {"aVF", 2.5, 2.5}, {"V3", 5, 2.5},  {"V6", 7.5, 2.5}};
  m["3x4"] = k3x4;
  m["3x4+1"] = k3x4;
  m["3x4+1"].push_back({"II", 0, 10});
  m["3x4+3"] = k3x4;
  for (const char *r : {"V1", "II", "V5"}) m["3x4+3"].push_back({r, 0, 10});
  for (int k = 0; k < 6; ++k) {  // panels come row by row
    m["6x2"].push_back({kStandardLeads[std::size_t(k)], 0, 5});
    m["6x2"].push_back({kStandardLeads[std::size_t(k + 6)], 5, 5});
  }
  m["6x2+1"] = m["6x2"];
  m["6x2+1"].push_back({"II", 0, 10});
  for (const char *l : kStandardLeads) m["12x1"].push_back({l, 0, 10});
  for (int k = 0; k < 6; ++k) m["6x1-limb"].push_back({kStandardLeads[std::size_t(k)], 0, 10});
  for (int k = 6; k < 12; ++k) m["6x1-chest"].push_back({kStandardLeads[std::size_t(k)], 0, 10});
  m["3x4-cabrera"] = {{"aVL", 0, 2.5}, {"II", 2.5, 2.5},  {"V1", 5, 2.5}, {"V4", 7.5, 2.5},
                      {"I", 0, 2.5},   {"aVF", 2.5, 2.5}, {"V2", 5, 2.5}, {"V5", 7.5, 2.5},
                      {"-aVR", 0, 2.5}, {"III", 2.5, 2.5}, {"V3", 5, 2.5}, {"V6", 7.5, 2.5}};
  return m;
}

double gain_px_per_mv(const RenderedPage &page, const std::string &printed) {
  const std::string lead = printed[0] == '-' ? printed.substr(1) : printed;
  const double mm = standard_lead_index(lead) >= 6 ? page.style.chest_gain_mm_per_mv : page.style.limb_gain_mm_per_mv;
  return mm * page.px_per_mm * (printed[0] == '-' ? -1 : 1);
}

/// Every path point is the sample it stands for: x from time, y from millivolts.
void expect_paths_match_record(const RenderedPage &page, const Record &record) {
  const double speed_px_s = page.style.paper_speed_mm_s * page.px_per_mm;
  for (const LeadTruth &lt : page.leads) {
    const std::string lead = lt.name[0] == '-' ? lt.name.substr(1) : lt.name;
    const Lead *src = record.find(lead);
    ASSERT_NE(src, nullptr) << lt.name;
    // The panel shows the samples n with t_start <= n / fs < t_start + duration.
    const auto n0 = std::size_t(std::ceil(lt.t_start_s * record.fs_hz - 1e-6));
    const auto n1 = std::size_t(std::ceil((lt.t_start_s + lt.duration_s) * record.fs_hz - 1e-6));
    ASSERT_EQ(lt.first_sample, n0) << lt.name;
    ASSERT_EQ(lt.path_px.size(), n1 - n0) << lt.name;
    const double gain = gain_px_per_mv(page, lt.name);
    for (std::size_t i = 0; i < lt.path_px.size(); ++i) {
      const std::size_t n = lt.first_sample + i;
      const double x = lt.box_px.x + (double(n) / record.fs_hz - lt.t_start_s) * speed_px_s;
      ASSERT_NEAR(lt.path_px[i].x, x, 1e-3) << lt.name << " sample " << n;
      const float v = src->mv[n];
      if (std::isfinite(v))
        ASSERT_NEAR(lt.path_px[i].y, lt.baseline_y_px - gain * v, 2e-3) << lt.name << " sample " << n;
      else
        ASSERT_TRUE(std::isnan(lt.path_px[i].y));
    }
  }
}

/// Truth: the source value wherever a panel shows the sample, NaN elsewhere.
void expect_truth_is_what_is_shown(const RenderedPage &page, const Record &record) {
  ASSERT_EQ(page.truth.leads.size(), 12u);
  EXPECT_EQ(page.truth.fs_hz, record.fs_hz);
  for (std::size_t k = 0; k < 12; ++k) {
    const Lead &t = page.truth.leads[k];
    ASSERT_EQ(t.name, kStandardLeads[k]);
    ASSERT_EQ(t.mv.size(), record.num_samples());
    std::vector<bool> shown(record.num_samples(), false);
    for (const LeadTruth &lt : page.leads) {
      const std::string lead = lt.name[0] == '-' ? lt.name.substr(1) : lt.name;
      if (lead != t.name) continue;
      for (std::size_t i = 0; i < lt.path_px.size(); ++i) shown[lt.first_sample + i] = true;
    }
    const Lead *src = record.find(t.name);
    for (std::size_t n = 0; n < t.mv.size(); ++n) {
      if (shown[n] && std::isfinite(src->mv[n]))
        ASSERT_EQ(t.mv[n], src->mv[n]) << t.name << " " << n;
      else
        ASSERT_TRUE(std::isnan(t.mv[n])) << t.name << " " << n;
    }
  }
}

TEST(Render, DefaultPageIsLetterAt200Dpi) {
  const RenderedPage page = render_page(synth(1), PageStyle{});
  EXPECT_EQ(page.bgr.size(), cv::Size(2200, 1700));
  EXPECT_EQ(page.bgr.type(), CV_8UC3);
  for (const cv::Mat *m : {&page.trace_mask, &page.grid_mask, &page.text_mask}) {
    EXPECT_EQ(m->size(), page.bgr.size());
    EXPECT_EQ(m->type(), CV_8UC1);
  }
  EXPECT_NEAR(page.px_per_mm, 200 / 25.4, 1e-12);
  EXPECT_EQ(page.layout, "3x4+1");
  EXPECT_TRUE(page.degradations.empty());
  PageStyle s;
  s.dpi = 100;
  EXPECT_EQ(render_page(synth(1), s).bgr.size(), cv::Size(1100, 850));
}

TEST(Render, SameInputsGiveByteIdenticalPages) {
  const Record r = synth(5);
  PageStyle s = random_page_style(11);
  s.dpi = 120;
  const RenderedPage a = render_page(r, s), b = render_page(r, s);
  EXPECT_TRUE(same_mat(a.bgr, b.bgr));
  EXPECT_TRUE(same_mat(a.trace_mask, b.trace_mask));
  EXPECT_TRUE(same_mat(a.grid_mask, b.grid_mask));
  EXPECT_TRUE(same_mat(a.text_mask, b.text_mask));
  s.seed += 1;  // other fonts, label places, header text
  EXPECT_FALSE(same_mat(a.bgr, render_page(r, s).bgr));
}

TEST(Render, ThreadsRenderingAtOnceGetTheSamePages) {
  // Training draws pages on several threads; nothing may be shared.
  const Record r = synth(12);
  std::vector<PageStyle> styles;
  for (std::uint64_t seed = 0; seed < 4; ++seed) {
    styles.push_back(random_page_style(seed + 40));
    styles.back().dpi = 90;
  }
  std::vector<RenderedPage> alone, together(styles.size());
  for (const PageStyle &s : styles) alone.push_back(render_page(r, s));
  std::vector<std::thread> threads;
  for (std::size_t i = 0; i < styles.size(); ++i)
    threads.emplace_back([&, i] { together[i] = render_page(r, styles[i]); });
  for (std::thread &t : threads) t.join();
  for (std::size_t i = 0; i < styles.size(); ++i) {
    EXPECT_TRUE(same_mat(alone[i].bgr, together[i].bgr)) << i;
    EXPECT_TRUE(same_mat(alone[i].text_mask, together[i].text_mask)) << i;
  }
}

TEST(Render, EveryLayoutShowsEveryLeadInItsTimeWindow) {
  const Record r = synth(2);
  const auto expected = expected_windows();
  ASSERT_EQ(page_layout_names().size(), expected.size());
  for (const std::string &name : page_layout_names()) {
    SCOPED_TRACE(name);
    PageStyle s;
    s.layout = name;
    s.dpi = 100;
    const RenderedPage page = render_page(r, s);
    EXPECT_EQ(page.layout, name);
    const auto &want = expected.at(name);
    ASSERT_EQ(page.leads.size(), want.size());
    for (std::size_t i = 0; i < want.size(); ++i) {
      EXPECT_EQ(page.leads[i].name, want[i].name) << i;
      EXPECT_NEAR(page.leads[i].t_start_s, want[i].t_start_s, 1e-9) << want[i].name;
      EXPECT_NEAR(page.leads[i].duration_s, want[i].duration_s, 1e-9) << want[i].name;
    }
    // Panels of one time window are stacked; later rows lie lower; boxes hold their paths' x.
    for (const LeadTruth &lt : page.leads) {
      EXPECT_GE(lt.path_px.front().x, lt.box_px.x - 1e-3);
      EXPECT_LE(lt.path_px.back().x, lt.box_px.x + lt.box_px.width + 1e-3);
      EXPECT_GT(lt.baseline_y_px, lt.box_px.y);
      EXPECT_LT(lt.baseline_y_px, lt.box_px.y + lt.box_px.height);
      EXPECT_GT(lt.box_px.x, 0);
      EXPECT_LT(lt.box_px.x + lt.box_px.width, page.bgr.cols);
    }
    expect_paths_match_record(page, r);
    expect_truth_is_what_is_shown(page, r);
  }
}

TEST(Render, RowsOf3x4PlusOneAreOrderedAndColumnsAligned) {
  const RenderedPage page = render_page(synth(3), PageStyle{});
  const LeadTruth &I = *find_panel(page, "I", 0), &II = *find_panel(page, "II", 0), &III = *find_panel(page, "III", 0);
  const LeadTruth &rhythm = *find_panel(page, "II", 0, 10);
  EXPECT_LT(I.baseline_y_px, II.baseline_y_px);
  EXPECT_LT(II.baseline_y_px, III.baseline_y_px);
  EXPECT_LT(III.baseline_y_px, rhythm.baseline_y_px);
  EXPECT_DOUBLE_EQ(find_panel(page, "V4", 7.5)->baseline_y_px, I.baseline_y_px);
  EXPECT_DOUBLE_EQ(find_panel(page, "V6", 7.5)->box_px.x, find_panel(page, "V4", 7.5)->box_px.x);
  // The rhythm strip spans the four columns: its sample n sits where column panels put it.
  const LeadTruth &v1 = *find_panel(page, "V1", 5);
  EXPECT_NEAR(rhythm.path_px[v1.first_sample].x, v1.path_px[0].x, 1e-3);
  EXPECT_EQ(rhythm.path_px.size(), 5000u);
  EXPECT_EQ(v1.first_sample, 2500u);
  EXPECT_EQ(v1.path_px.size(), 1250u);
}

TEST(Render, SpeedGainAndRateChangeTheScale) {
  SynthOptions o;
  o.fs_hz = 250;
  o.duration_s = 10;
  const Record r = synthesize_ecg(o, 4);
  PageStyle s;
  s.paper_speed_mm_s = 50;
  s.limb_gain_mm_per_mv = 20;
  s.chest_gain_mm_per_mv = 5;
  s.dpi = 150;
  const RenderedPage page = render_page(r, s);
  // 10 s do not fit at 50 mm/s: four columns of 1.25 s.
  EXPECT_NEAR(find_panel(page, "aVR", 1.25)->duration_s, 1.25, 1e-9);
  EXPECT_NEAR(find_panel(page, "II", 0, 5.0)->duration_s, 5.0, 1e-9);
  EXPECT_EQ(find_panel(page, "V1", 2.5)->first_sample, 625u);
  EXPECT_EQ(find_panel(page, "aVR", 1.25)->first_sample, 313u);  // 1.25 s x 250 Hz = 312.5
  expect_paths_match_record(page, r);
  expect_truth_is_what_is_shown(page, r);
}

TEST(Render, ShortRecordsFillTheColumns) {
  SynthOptions o;
  o.duration_s = 6;
  const Record r = synthesize_ecg(o, 9);
  PageStyle s;
  s.layout = "3x4";
  s.dpi = 100;
  const RenderedPage page = render_page(r, s);
  EXPECT_NEAR(find_panel(page, "V4", 4.5)->duration_s, 1.5, 1e-9);
  expect_truth_is_what_is_shown(page, r);
}

TEST(Render, LongRecordsShowTheirFirstTenSeconds) {
  SynthOptions o;
  o.duration_s = 25;
  const Record r = synthesize_ecg(o, 10);
  PageStyle s;
  s.dpi = 100;
  const RenderedPage page = render_page(r, s);
  EXPECT_NEAR(find_panel(page, "V4", 7.5)->duration_s, 2.5, 1e-9);
  EXPECT_EQ(find_panel(page, "II", 0, 10.0)->path_px.size(), 5000u);
  expect_truth_is_what_is_shown(page, r);
  EXPECT_TRUE(std::isnan(page.truth.leads[1].mv[6000]));
}

TEST(Render, CabreraDrawsMinusAvrInvertedButKeepsAvrInTheTruth) {
  const Record r = synth(6);
  PageStyle s;
  s.layout = "3x4-cabrera";
  s.dpi = 100;
  const RenderedPage page = render_page(r, s);
  const LeadTruth &m = *find_panel(page, "-aVR", 0);
  const Lead &avr = *r.find("aVR");
  for (std::size_t i = 0; i < m.path_px.size(); ++i)
    ASSERT_NEAR(m.path_px[i].y, m.baseline_y_px + avr.mv[i] * 10 * page.px_per_mm, 2e-3);
  const Lead &truth = page.truth.leads[3];
  EXPECT_EQ(truth.name, "aVR");
  EXPECT_EQ(truth.mv[100], avr.mv[100]);
  EXPECT_TRUE(std::isnan(truth.mv[1300]));
}

TEST(Render, NanSamplesLeaveGapsNotCrashes) {
  Record r = synth(8);
  for (std::size_t n = 100; n < 200; ++n) r.leads[0].mv[n] = std::nanf("");
  PageStyle s;
  s.dpi = 100;
  const RenderedPage page = render_page(r, s);
  const LeadTruth &I = *find_panel(page, "I", 0);
  EXPECT_TRUE(std::isnan(I.path_px[150].y));
  EXPECT_TRUE(std::isfinite(I.path_px[250].y));
  EXPECT_TRUE(std::isnan(page.truth.leads[0].mv[150]));
  expect_paths_match_record(page, r);
}

TEST(Render, RecordsWithOtherRatesAndLeadNameSpellings) {
  // PTB-XL at 100 Hz, with "AVR", "AVL", "AVF" in capitals.
  const Record r = read_wfdb(std::string(ECGDIG_TEST_DATA_DIR) + "/ptbxl/00001_lr");
  ASSERT_DOUBLE_EQ(r.fs_hz, 100);
  PageStyle s;
  s.dpi = 100;
  const RenderedPage page = render_page(r, s);
  ASSERT_NE(find_panel(page, "aVR", 2.5), nullptr);
  EXPECT_EQ(find_panel(page, "aVR", 2.5)->first_sample, 250u);
  EXPECT_EQ(find_panel(page, "aVR", 2.5)->path_px.size(), 250u);
  EXPECT_EQ(page.truth.leads[3].name, "aVR");
  EXPECT_EQ(page.truth.leads[3].mv[300], r.find("AVR")->mv[300]);
  expect_paths_match_record(page, r);
  expect_truth_is_what_is_shown(page, r);
}

/// Every path point inside the page lies on the trace mask (3x3
/// neighbourhood), and nearly every trace-mask pixel lies near a path.
void expect_mask_matches_paths(const RenderedPage &page) {
  const cv::Mat &mask = page.trace_mask;
  cv::Mat drawn = cv::Mat::zeros(mask.size(), CV_8UC1);
  std::size_t inside = 0, on_mask = 0;
  for (const LeadTruth &lt : page.leads) {
    std::vector<cv::Point> run;
    for (const cv::Point2f &p : lt.path_px) {
      if (!std::isfinite(p.y)) continue;
      run.emplace_back(int(std::lround(p.x * 16)), int(std::lround(std::clamp(p.y, -1e5f, 1e5f) * 16)));
      const int x = int(std::lround(p.x)), y = int(std::lround(p.y));
      if (x < 1 || y < 1 || x >= mask.cols - 1 || y >= mask.rows - 1) continue;
      ++inside;
      if (cv::countNonZero(mask(cv::Rect(x - 1, y - 1, 3, 3))) > 0) ++on_mask;
    }
    cv::polylines(drawn, run, false, cv::Scalar(255), 1, cv::LINE_8, 4);
  }
  ASSERT_GT(inside, 1000u);
  EXPECT_EQ(on_mask, inside) << "path points off the trace mask";
  cv::Mat dist;
  cv::distanceTransform(255 - drawn, dist, cv::DIST_L2, cv::DIST_MASK_PRECISE);
  const double tolerance = 2.0 + std::max(1.0, std::round(page.style.trace_width_mm * page.px_per_mm)) / 2;
  std::size_t mask_px = 0, near = 0;
  for (int y = 0; y < mask.rows; ++y)
    for (int x = 0; x < mask.cols; ++x)
      if (mask.at<std::uint8_t>(y, x)) {
        ++mask_px;
        if (dist.at<float>(y, x) <= tolerance) ++near;
      }
  ASSERT_GT(mask_px, 0u);
  EXPECT_GE(double(near) / double(mask_px), 0.95);
}

TEST(Render, TraceMaskFollowsThePaths) {
  PageStyle s;
  s.dpi = 100;
  expect_mask_matches_paths(render_page(synth(1), s));
  for (std::uint64_t seed = 0; seed < 6; ++seed) {
    SCOPED_TRACE(seed);
    PageStyle r = random_page_style(seed);
    r.dpi = std::min(r.dpi, 160.0);
    expect_mask_matches_paths(render_page(synth(seed + 20), r));
  }
}

TEST(Render, GridAndTextMasksFollowTheStyle) {
  const Record r = synth(1);
  PageStyle s;
  s.dpi = 100;
  const RenderedPage page = render_page(r, s);
  // The grid mask has a line every millimetre along a row between two horizontal lines.
  const int y = int(page.leads[0].baseline_y_px) + 3;
  int runs = 0;
  for (int x = 1; x < page.grid_mask.cols; ++x)
    if (page.grid_mask.at<std::uint8_t>(y, x) && !page.grid_mask.at<std::uint8_t>(y, x - 1)) ++runs;
  const double width_mm = page.bgr.cols / page.px_per_mm;
  EXPECT_GT(runs, 0.6 * width_mm);
  EXPECT_LE(runs, width_mm + 1);
  EXPECT_GT(cv::countNonZero(page.text_mask), 100);

  s.grid = false;
  s.lead_labels = false;
  s.header_text = false;
  s.calibration_pulse = false;
  s.separators = false;
  const RenderedPage bare = render_page(r, s);
  EXPECT_EQ(cv::countNonZero(bare.grid_mask), 0);
  EXPECT_EQ(cv::countNonZero(bare.text_mask), 0);
  EXPECT_GT(cv::countNonZero(bare.trace_mask), 1000);
  // Without grid and text the page is paper and ink only: every pixel the
  // trace covers by more than a quarter is on the trace mask.
  cv::Mat grey;
  cv::cvtColor(bare.bgr, grey, cv::COLOR_BGR2GRAY);
  EXPECT_EQ(cv::countNonZero((grey < 185) & (bare.trace_mask == 0)), 0);
  EXPECT_EQ(cv::countNonZero((grey == 255) & (bare.trace_mask != 0)), 0);
}

TEST(Render, CalibrationPulsesAreTextNotTrace) {
  PageStyle s;
  s.dpi = 100;
  s.limb_gain_mm_per_mv = 20;
  const RenderedPage page = render_page(synth(1), s);
  for (const LeadTruth &lt : page.leads) {
    if (lt.t_start_s != 0) continue;
    // The pulse stands 1 mV (20 mm here) high in the 0.2 s before the first sample.
    const int x0 = int(lt.box_px.x - 0.2 * 25 * page.px_per_mm - 2 * page.px_per_mm), x1 = int(lt.box_px.x) - 2;
    const int top = int(std::lround(lt.baseline_y_px - 20 * page.px_per_mm));
    const cv::Rect top_edge(x0, top - 1, x1 - x0, 3);
    EXPECT_GT(cv::countNonZero(page.text_mask(top_edge)), 0.3 * page.px_per_mm * 5) << lt.name;
    EXPECT_EQ(cv::countNonZero(page.trace_mask(cv::Rect(x0, top - 5, x1 - x0 - 2, 10))), 0) << lt.name;
  }
}

TEST(Render, LabelsSitNearTheirPanels) {
  PageStyle s;
  s.dpi = 100;
  s.grid = false;
  s.header_text = false;
  s.calibration_pulse = false;
  s.separators = false;
  for (std::uint64_t seed = 0; seed < 4; ++seed) {
    s.seed = seed;
    const RenderedPage page = render_page(synth(1), s);
    for (const LeadTruth &lt : page.leads) {
      const cv::Rect near(int(lt.box_px.x), int(lt.box_px.y), int(15 * page.px_per_mm), int(lt.box_px.height));
      EXPECT_GT(cv::countNonZero(page.text_mask(near & cv::Rect(0, 0, page.bgr.cols, page.bgr.rows))), 5)
          << lt.name << " seed " << seed;
    }
  }
}

TEST(Render, BadParametersThrowInvalidArgument) {
  const Record r = synth(1);
  auto expect_invalid = [&](const PageStyle &s, const std::string &word, const Record &rec) {
    try {
      render_page(rec, s);
      ADD_FAILURE() << "no error for " << word;
    } catch (const Error &e) {
      EXPECT_EQ(e.code(), ErrorCode::InvalidArgument);
      EXPECT_NE(std::string(e.what()).find(word), std::string::npos) << e.what();
    }
  };
  PageStyle s;
  s.layout = "4x3";
  expect_invalid(s, "4x3", r);
  s = {};
  s.dpi = 0;
  expect_invalid(s, "dpi", r);
  s.dpi = 700;
  expect_invalid(s, "dpi", r);
  s.dpi = std::nan("");
  expect_invalid(s, "dpi", r);
  s = {};
  s.limb_gain_mm_per_mv = -10;
  expect_invalid(s, "limb_gain", r);
  s = {};
  s.chest_gain_mm_per_mv = 0;
  expect_invalid(s, "chest_gain", r);
  s = {};
  s.paper_speed_mm_s = 0;
  expect_invalid(s, "paper_speed", r);
  s = {};
  s.page_width_mm = 0;
  expect_invalid(s, "page_width", r);
  s = {};
  s.trace_width_mm = -1;
  expect_invalid(s, "trace_width", r);
  s = {};
  s.geometry = "gekko";
  expect_invalid(s, "gekko", r);
  s = ecg_image_kit_page_style();
  s.layout = "6x2";
  expect_invalid(s, "ecg-image-kit", r);
  // A page too narrow for its speed.
  s = {};
  s.page_width_mm = 50;
  s.paper_speed_mm_s = 1000;
  expect_invalid(s, "narrow", r);
  Record limb_only = r;
  limb_only.leads.resize(6);
  s = {};
  expect_invalid(s, "V1", limb_only);
  Record empty;
  empty.name = "empty";
  expect_invalid(PageStyle{}, "empty", empty);
}

TEST(RandomPageStyle, DeterministicVariedAndMostlyStandard) {
  const PageStyle a = random_page_style(77), b = random_page_style(77);
  EXPECT_EQ(a.layout, b.layout);
  EXPECT_EQ(a.seed, b.seed);
  EXPECT_EQ(a.dpi, b.dpi);
  std::map<std::string, int> layouts;
  std::set<double> speeds, gains, widths;
  int standard = 0, no_pulse = 0, no_grid = 0;
  constexpr int kN = 1000;
  for (int i = 0; i < kN; ++i) {
    const PageStyle s = random_page_style(std::uint64_t(i));
    ++layouts[s.layout];
    speeds.insert(s.paper_speed_mm_s);
    gains.insert(s.limb_gain_mm_per_mv);
    gains.insert(s.chest_gain_mm_per_mv);
    widths.insert(s.page_width_mm);
    EXPECT_GE(s.dpi, 72);
    EXPECT_LE(s.dpi, 600);
    if (s.layout == "3x4+1" && s.paper_speed_mm_s == 25 && s.limb_gain_mm_per_mv == 10) ++standard;
    no_pulse += !s.calibration_pulse;
    no_grid += !s.grid;
  }
  EXPECT_EQ(layouts.size(), page_layout_names().size());
  EXPECT_EQ(speeds, (std::set<double>{25, 50}));
  EXPECT_EQ(gains, (std::set<double>{5, 10, 20}));
  EXPECT_GE(widths.size(), 3u);  // letter and A4, landscape and portrait
  EXPECT_GT(standard, kN / 4);
  EXPECT_GT(no_pulse, 0);
  EXPECT_GT(no_grid, 0);
}

TEST(RandomPageStyle, EveryDrawnStyleRenders) {
  for (std::uint64_t seed = 100; seed < 130; ++seed) {
    PageStyle s = random_page_style(seed);
    s.dpi = std::min(s.dpi, 100.0);
    const RenderedPage page = render_page(synth(seed), s);
    EXPECT_FALSE(page.leads.empty());
    EXPECT_GT(cv::countNonZero(page.trace_mask), 500) << seed;
  }
}

TEST(Render, HighDpiPageHasTheRightSize) {
  PageStyle s;
  s.dpi = 600;
  s.page_width_mm = 210;
  s.page_height_mm = 297;
  const RenderedPage page = render_page(synth(2), s);
  EXPECT_EQ(page.bgr.size(), cv::Size(4961, 7016));
  // 210 mm of portrait paper hold 7.8 s at 25 mm/s: columns of 1.95 s.
  EXPECT_NEAR(page.leads[1].duration_s, 1.95, 1e-9);
}

}  // namespace
}  // namespace ecgdig
