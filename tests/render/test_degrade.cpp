// Tests of degrade(): presets, determinism, exact truth under geometric
// warps, binary masks, and photometric steps that leave the truth alone.

#include <algorithm>
#include <cmath>
#include <fstream>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "ecgdig/error.hpp"
#include "ecgdig/render.hpp"

namespace {

using namespace ecgdig;

// The ecg-image-kit page 00841 at half size (1100 x 850, the size the
// renderer feeds training with), its trace mask drawn from the exact sample
// positions, its grid mask from the red-dominant pixels.
const RenderedPage &kit_page() {
  static const RenderedPage page = [] {
    const std::string stem = std::string(ECGDIG_TEST_DATA_DIR) + "/ptbxl/00841_hr-0";
    RenderedPage p;
    const cv::Mat full = cv::imread(stem + ".png", cv::IMREAD_COLOR);
    if (full.empty()) throw std::runtime_error("cannot read " + stem + ".png");
    constexpr double kScale = 0.5;
    cv::resize(full, p.bgr, cv::Size(), kScale, kScale, cv::INTER_AREA);
    std::ifstream in(stem + ".json");
    const auto json = nlohmann::json::parse(in);
    p.trace_mask = cv::Mat::zeros(p.bgr.size(), CV_8UC1);
    for (const auto &lead : json["leads"]) {
      LeadTruth t;
      t.name = lead["lead_name"].get<std::string>();
      t.first_sample = lead["start_sample"].get<std::size_t>();
      std::vector<cv::Point> poly;
      for (const auto &yx : lead["plotted_pixels"]) {
        const cv::Point2f q(float(yx[1].get<double>() * kScale), float(yx[0].get<double>() * kScale));
        t.path_px.push_back(q);
        poly.emplace_back(cvRound(q.x * 16), cvRound(q.y * 16));  // 4 fractional bits
      }
      cv::polylines(p.trace_mask, poly, false, cv::Scalar(255), 2, cv::LINE_8, 4);
      p.leads.push_back(std::move(t));
    }
    p.grid_mask = cv::Mat::zeros(p.bgr.size(), CV_8UC1);
    p.text_mask = cv::Mat::zeros(p.bgr.size(), CV_8UC1);
    cv::Mat near_trace;
    cv::dilate(p.trace_mask, near_trace, cv::Mat(), cv::Point(-1, -1), 3);
    for (int y = 0; y < p.bgr.rows; ++y)
      for (int x = 0; x < p.bgr.cols; ++x) {
        const cv::Vec3b c = p.bgr.at<cv::Vec3b>(y, x);
        if (int(c[2]) - std::max(c[0], c[1]) > 20) p.grid_mask.at<uchar>(y, x) = 255;
        else if (std::max({c[0], c[1], c[2]}) < 100 && !near_trace.at<uchar>(y, x)) p.text_mask.at<uchar>(y, x) = 255;
      }
    p.px_per_mm = 200 / 25.4 * kScale;
    p.layout = "3x4+1";
    return p;
  }();
  return page;
}

// A page from our own renderer at the training size (letter at 100 dpi).
const RenderedPage &rendered_page() {
  static const RenderedPage page = [] {
    PageStyle style;
    style.dpi = 100;
    style.seed = 3;
    return render_page(synthesize_ecg({}, 3), style);
  }();
  return page;
}

bool same(const cv::Mat &a, const cv::Mat &b) {
  return a.size() == b.size() && a.type() == b.type() && (a.empty() || cv::norm(a, b, cv::NORM_INF) == 0);
}

bool binary(const cv::Mat &m) {
  cv::Mat mid;
  cv::inRange(m, cv::Scalar(1), cv::Scalar(254), mid);
  return m.type() == CV_8UC1 && cv::countNonZero(mid) == 0;
}

bool same_paths(const RenderedPage &a, const RenderedPage &b) {
  if (a.leads.size() != b.leads.size()) return false;
  for (std::size_t i = 0; i < a.leads.size(); ++i)
    if (a.leads[i].path_px != b.leads[i].path_px) return false;
  return true;
}

bool mentions(const RenderedPage &p, const std::string &word) {
  return std::any_of(p.degradations.begin(), p.degradations.end(),
                     [&](const std::string &d) { return d.find(word) != std::string::npos; });
}

// Distance of every in-frame path point to the nearest trace mask pixel.
std::vector<float> path_to_mask_distances(const RenderedPage &p) {
  cv::Mat not_trace, dist;
  cv::compare(p.trace_mask, cv::Scalar(0), not_trace, cv::CMP_EQ);
  cv::distanceTransform(not_trace, dist, cv::DIST_L2, cv::DIST_MASK_PRECISE);
  std::vector<float> out;
  for (const auto &lead : p.leads)
    for (const auto &q : lead.path_px) {
      const int x = cvRound(q.x), y = cvRound(q.y);
      if (x < 2 || y < 2 || x >= p.bgr.cols - 2 || y >= p.bgr.rows - 2) continue;
      out.push_back(dist.at<float>(y, x));
    }
  return out;
}

TEST(DegradePreset, NamesAreTheLadder) {
  const auto names = degrade_preset_names();
  for (const char *n : {"none", "light", "heavy", "photo", "bw", "rotated", "crease"})
    EXPECT_NE(std::find(names.begin(), names.end(), n), names.end()) << n;
  for (const auto &n : names) EXPECT_NO_THROW(degrade_preset(n)) << n;
  const auto heavy = degrade_preset("heavy"), light = degrade_preset("light");
  EXPECT_LE(light.max_rotation_deg, 2);
  EXPECT_GE(light.jpeg_quality_min, 70);
  EXPECT_LE(heavy.max_rotation_deg, 8);
  EXPECT_GE(heavy.jpeg_quality_min, 30);
  EXPECT_GT(heavy.perspective, 0);
  EXPECT_GT(heavy.creases, 0);
  EXPECT_GT(heavy.stains, 0);
  EXPECT_GT(heavy.blur_sigma_px, light.blur_sigma_px);
  EXPECT_GT(heavy.noise_sigma, light.noise_sigma);
  EXPECT_GT(degrade_preset("photo").curl, 0);
  EXPECT_GT(degrade_preset("photo").background, 0);
  EXPECT_EQ(degrade_preset("bw").bw_probability, 1);
}

TEST(DegradePreset, UnknownNameListsTheKnownOnes) {
  try {
    degrade_preset("smudged");
    FAIL() << "no error for an unknown preset";
  } catch (const Error &e) {
    EXPECT_EQ(e.code(), ErrorCode::InvalidArgument);
    const std::string what = e.what();
    EXPECT_NE(what.find("smudged"), std::string::npos) << what;
    for (const auto &n : degrade_preset_names()) EXPECT_NE(what.find(n), std::string::npos) << what;
  }
}

TEST(Degrade, NoneIsTheIdentity) {
  RenderedPage p = kit_page();
  degrade(p, degrade_preset("none"), 3);
  EXPECT_TRUE(same(p.bgr, kit_page().bgr));
  EXPECT_TRUE(same(p.trace_mask, kit_page().trace_mask));
  EXPECT_TRUE(same(p.grid_mask, kit_page().grid_mask));
  EXPECT_TRUE(same(p.text_mask, kit_page().text_mask));
  EXPECT_TRUE(same_paths(p, kit_page()));
  EXPECT_EQ(p.image_from_page, cv::Matx33d::eye());
  EXPECT_TRUE(p.degradations.empty());
}

TEST(Degrade, DeterministicPerSeed) {
  for (const char *preset : {"heavy", "photo"}) {
    RenderedPage a = kit_page(), b = kit_page(), c = kit_page();
    degrade(a, degrade_preset(preset), 42);
    degrade(b, degrade_preset(preset), 42);
    degrade(c, degrade_preset(preset), 43);
    EXPECT_TRUE(same(a.bgr, b.bgr)) << preset;
    EXPECT_TRUE(same(a.trace_mask, b.trace_mask)) << preset;
    EXPECT_TRUE(same(a.grid_mask, b.grid_mask)) << preset;
    EXPECT_TRUE(same(a.text_mask, b.text_mask)) << preset;
    EXPECT_TRUE(same_paths(a, b)) << preset;
    EXPECT_EQ(a.degradations, b.degradations) << preset;
    EXPECT_FALSE(same(a.bgr, c.bgr)) << preset;
    EXPECT_FALSE(a.degradations.empty()) << preset;
  }
}

TEST(Degrade, MasksStayBinaryAndSized) {
  for (const auto &name : degrade_preset_names())
    for (std::uint64_t seed : {1, 2, 3}) {
      RenderedPage p = kit_page();
      degrade(p, degrade_preset(name), seed);
      ASSERT_EQ(p.bgr.type(), CV_8UC3);
      for (const cv::Mat *m : {&p.trace_mask, &p.grid_mask, &p.text_mask}) {
        EXPECT_EQ(m->size(), p.bgr.size()) << name << " seed " << seed;
        EXPECT_TRUE(binary(*m)) << name << " seed " << seed;
      }
      EXPECT_GT(cv::countNonZero(p.trace_mask), 1000) << name << " seed " << seed;
    }
}

TEST(Degrade, PathsStayOnTheTraceUnderEveryWarp) {
  DegradeOptions rotate;
  rotate.max_rotation_deg = 8;
  DegradeOptions perspective;
  perspective.perspective = 0.1;
  DegradeOptions curl;
  curl.curl = 0.03;
  DegradeOptions creases;
  creases.creases = 6;
  DegradeOptions all;
  all.max_rotation_deg = 8;
  all.perspective = 0.08;
  all.curl = 0.03;
  all.creases = 4;
  all.crop = 0.1;
  for (const RenderedPage *source : {&kit_page(), &rendered_page()})
    for (const auto *o : {&rotate, &perspective, &curl, &creases, &all})
      for (std::uint64_t seed : {5, 6, 7}) {
        RenderedPage p = *source;
        const auto before = path_to_mask_distances(p);
        ASSERT_LE(*std::max_element(before.begin(), before.end()), 1.0f);
        degrade(p, *o, seed);
        const auto d = path_to_mask_distances(p);
        ASSERT_GT(d.size(), 5000u);
        EXPECT_LE(*std::max_element(d.begin(), d.end()), 1.5f)
            << "seed " << seed << " " << ::testing::PrintToString(p.degradations);
        if (o == &rotate) {
          // A rotation keeps the area: the mask neither thins out nor bloats.
          const double ratio = double(cv::countNonZero(p.trace_mask)) / cv::countNonZero(source->trace_mask);
          EXPECT_GT(ratio, 0.85) << "seed " << seed;
          EXPECT_LT(ratio, 1.3) << "seed " << seed;
        }
      }
}

TEST(Degrade, HomographyDescribesPureProjectiveChanges) {
  DegradeOptions o;
  o.max_rotation_deg = 6;
  o.perspective = 0.06;
  o.crop = 0.05;
  RenderedPage p = kit_page();
  degrade(p, o, 11);
  EXPECT_NE(p.image_from_page, cv::Matx33d::eye());
  double worst = 0;
  for (std::size_t i = 0; i < p.leads.size(); ++i)
    for (std::size_t k = 0; k < p.leads[i].path_px.size(); ++k) {
      const cv::Point2f q = kit_page().leads[i].path_px[k];
      const cv::Vec3d h = p.image_from_page * cv::Vec3d(q.x, q.y, 1);
      worst = std::max(worst, cv::norm(cv::Point2d(h[0] / h[2], h[1] / h[2]) - cv::Point2d(p.leads[i].path_px[k])));
    }
  EXPECT_LT(worst, 1e-2);
  EXPECT_LT(p.bgr.cols, kit_page().bgr.cols);  // the crop cut the frame
}

// Non-linear warps: small dots on a blank page must land, after curl and
// creases, exactly where the forward map sends their centres.
TEST(Degrade, NonlinearWarpIsInverseConsistent) {
  RenderedPage p;
  p.bgr = cv::Mat(600, 800, CV_8UC3, cv::Scalar(255, 255, 255));
  p.trace_mask = cv::Mat::zeros(p.bgr.size(), CV_8UC1);
  LeadTruth dots;
  for (int y = 30; y < 580; y += 40)
    for (int x = 30; x < 780; x += 40) {
      cv::rectangle(p.bgr, cv::Rect(x - 2, y - 2, 5, 5), cv::Scalar(0, 0, 0), cv::FILLED);
      cv::rectangle(p.trace_mask, cv::Rect(x - 2, y - 2, 5, 5), cv::Scalar(255), cv::FILLED);
      dots.path_px.emplace_back(float(x), float(y));
    }
  p.leads.push_back(dots);
  DegradeOptions o;
  o.curl = 0.04;
  o.creases = 8;
  o.max_rotation_deg = 5;
  degrade(p, o, 9);
  ASSERT_TRUE(mentions(p, "curl"));
  ASSERT_TRUE(mentions(p, "creases"));
  cv::Mat dark;
  cv::cvtColor(p.bgr, dark, cv::COLOR_BGR2GRAY);
  dark = 255 - dark;
  // Crease shading darkens the paper by up to ~90 levels; keep only the dots.
  cv::threshold(dark, dark, 100, 0, cv::THRESH_TOZERO);
  int checked = 0;
  double worst_image = 0, worst_mask = 0;
  for (const auto &q : p.leads[0].path_px) {
    const cv::Rect win = cv::Rect(cvRound(q.x) - 6, cvRound(q.y) - 6, 13, 13) & cv::Rect(0, 0, p.bgr.cols, p.bgr.rows);
    if (win.width < 13 || win.height < 13) continue;
    const cv::Moments mi = cv::moments(dark(win)), mm = cv::moments(p.trace_mask(win), true);
    ASSERT_GT(mi.m00, 0);
    ASSERT_GT(mm.m00, 0);
    const cv::Point2d ci(win.x + mi.m10 / mi.m00, win.y + mi.m01 / mi.m00);
    const cv::Point2d cm(win.x + mm.m10 / mm.m00, win.y + mm.m01 / mm.m00);
    worst_image = std::max(worst_image, cv::norm(ci - cv::Point2d(q)));
    worst_mask = std::max(worst_mask, cv::norm(cm - cv::Point2d(q)));
    ++checked;
  }
  EXPECT_GT(checked, 200);
  EXPECT_LT(worst_image, 0.35);
  EXPECT_LT(worst_mask, 0.6);
}

TEST(Degrade, PhotometricStepsChangePixelsNotTruth) {
  struct Case {
    const char *word;
    DegradeOptions options;
  };
  std::vector<Case> cases(8);
  cases[0] = {"blur", {}};
  cases[0].options.blur_sigma_px = 2;
  cases[1] = {"noise", {}};
  cases[1].options.noise_sigma = 10;
  cases[2] = {"jpeg", {}};
  cases[2].options.jpeg_quality_min = 30;
  cases[3] = {"illumination", {}};
  cases[3].options.illumination = 0.8;
  cases[4] = {"colour_cast", {}};
  cases[4].options.colour_cast = 0.8;
  cases[5] = {"stains", {}};
  cases[5].options.stains = 6;
  cases[6] = {"low_dpi", {}};
  cases[6].options.low_dpi_probability = 1;
  cases[7] = {"photocopy", {}};
  cases[7].options.bw_probability = 1;
  for (const auto &c : cases)
    for (std::uint64_t seed : {1, 2}) {
      RenderedPage p = kit_page();
      degrade(p, c.options, seed);
      EXPECT_TRUE(mentions(p, c.word)) << c.word << ": " << ::testing::PrintToString(p.degradations);
      EXPECT_GT(cv::norm(p.bgr, kit_page().bgr, cv::NORM_L1) / double(p.bgr.total()), 0.2) << c.word;
      EXPECT_TRUE(same(p.trace_mask, kit_page().trace_mask)) << c.word;
      EXPECT_TRUE(same(p.text_mask, kit_page().text_mask)) << c.word;
      EXPECT_TRUE(same_paths(p, kit_page())) << c.word;
      EXPECT_EQ(p.image_from_page, cv::Matx33d::eye()) << c.word;
      if (std::string(c.word) == "photocopy") {
        // The copy may lose the grid, never gain one.
        cv::Mat gained = p.grid_mask & ~kit_page().grid_mask;
        EXPECT_EQ(cv::countNonZero(gained), 0);
      } else {
        EXPECT_TRUE(same(p.grid_mask, kit_page().grid_mask)) << c.word;
      }
    }
}

TEST(Degrade, BlackAndWhiteHasNoColour) {
  auto grey = [](const cv::Mat &bgr) {
    std::vector<cv::Mat> ch;
    cv::split(bgr, ch);
    return cv::norm(ch[0], ch[1], cv::NORM_INF) == 0 && cv::norm(ch[1], ch[2], cv::NORM_INF) == 0;
  };
  for (std::uint64_t seed : {1, 2, 3, 4}) {
    RenderedPage p = kit_page();
    degrade(p, degrade_preset("bw"), seed);
    EXPECT_TRUE(grey(p.bgr)) << seed;
  }
  int copies = 0;
  for (std::uint64_t seed = 0; seed < 24 && copies < 2; ++seed) {
    RenderedPage p = kit_page();
    degrade(p, degrade_preset("heavy"), seed);
    if (!mentions(p, "photocopy")) continue;
    ++copies;
    EXPECT_TRUE(grey(p.bgr)) << "heavy seed " << seed;
  }
  EXPECT_GE(copies, 1);
}

TEST(Degrade, PhotoPutsThePageIntoAScene) {
  DegradeOptions o = degrade_preset("photo");
  o.background = 1;
  RenderedPage p = kit_page();
  degrade(p, o, 4);
  EXPECT_TRUE(mentions(p, "background table"));
  // Around the page there is neither trace nor grid, and the scene is not paper white.
  cv::Mat on_page = p.trace_mask | p.grid_mask | p.text_mask;
  EXPECT_EQ(on_page.at<uchar>(0, 0), 0);
  EXPECT_EQ(on_page.at<uchar>(p.bgr.rows - 1, p.bgr.cols - 1), 0);
  EXPECT_LT(cv::countNonZero(p.grid_mask), cv::countNonZero(kit_page().grid_mask));
}

TEST(Degrade, DegradingTwiceComposes) {
  DegradeOptions o;
  o.max_rotation_deg = 4;
  RenderedPage p = kit_page();
  degrade(p, o, 1);
  degrade(p, o, 2);
  EXPECT_EQ(std::count_if(p.degradations.begin(), p.degradations.end(),
                          [](const std::string &d) { return d.rfind("rotation", 0) == 0; }),
            2);
  const auto d = path_to_mask_distances(p);
  EXPECT_LE(*std::max_element(d.begin(), d.end()), 1.5f);
}

TEST(Degrade, BadInputIsRejectedClearly) {
  RenderedPage empty;
  EXPECT_THROW(degrade(empty, degrade_preset("light"), 1), Error);
  RenderedPage grey_page = kit_page();
  cv::cvtColor(kit_page().bgr, grey_page.bgr, cv::COLOR_BGR2GRAY);
  EXPECT_THROW(degrade(grey_page, degrade_preset("light"), 1), Error);
  RenderedPage wrong_mask = kit_page();
  wrong_mask.trace_mask = cv::Mat::zeros(10, 10, CV_8UC1);
  try {
    degrade(wrong_mask, degrade_preset("light"), 1);
    FAIL() << "no error for a mask of the wrong size";
  } catch (const Error &e) {
    EXPECT_EQ(e.code(), ErrorCode::InvalidArgument);
    EXPECT_NE(std::string(e.what()).find("trace_mask"), std::string::npos);
  }
  DegradeOptions bad;
  bad.noise_sigma = -1;
  RenderedPage p = kit_page();
  try {
    degrade(p, bad, 1);
    FAIL() << "no error for a negative noise";
  } catch (const Error &e) {
    EXPECT_EQ(e.code(), ErrorCode::InvalidArgument);
    EXPECT_NE(std::string(e.what()).find("noise_sigma"), std::string::npos);
  }
  bad = {};
  bad.bw_probability = std::nan("");
  EXPECT_THROW(degrade(p, bad, 1), Error);
  bad = {};
  bad.jpeg_quality_min = 101;
  EXPECT_THROW(degrade(p, bad, 1), Error);
  EXPECT_TRUE(same(p.bgr, kit_page().bgr));  // rejected calls leave the page alone
}

TEST(Degrade, MasksMayBeAbsent) {
  RenderedPage p;
  p.bgr = kit_page().bgr.clone();
  degrade(p, degrade_preset("heavy"), 5);
  EXPECT_EQ(p.trace_mask.size(), p.bgr.size());
  EXPECT_EQ(cv::countNonZero(p.trace_mask), 0);
}

}  // namespace
