// Tests of the "hough" grid detector on the ecg-image-kit pages in tests/data/ptbxl
// (200 dpi, so 7.874 px/mm exactly), turned, warped and rescaled here.

#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <memory>
#include <string>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "ecgdig/error.hpp"
#include "ecgdig/grid_detector.hpp"
#include "ecgdig/registry.hpp"
#include "ecgdig/types.hpp"

namespace {

using ecgdig::ErrorCode;
using ecgdig::Geometry;
using ecgdig::GridDetector;
using ecgdig::ScaleSource;
using ecgdig::SegmentationMaps;

constexpr double kPxPerMm = 200.0 / 25.4;
// Row baselines and the first sample's x of the ecg-image-kit pages (tests/data/ptbxl/README).
constexpr double kBaselines[] = {708.33, 991.67, 1275.00, 1534.71};
constexpr double kTraceX0 = 78.74;

const cv::Mat &page(const std::string &id) {
  static std::map<std::string, cv::Mat> cache;
  cv::Mat &m = cache[id];
  if (m.empty()) {
    m = cv::imread(std::string(ECGDIG_TEST_DATA_DIR) + "/ptbxl/" + id + "_hr-0.png", cv::IMREAD_COLOR);
    if (m.empty()) throw std::runtime_error("cannot read test page " + id);
  }
  return m;
}

// The grid of these pages is red: red dominance is a good grid map.
cv::Mat red_grid_map(const cv::Mat &bgr) {
  cv::Mat out(bgr.size(), CV_32FC1);
  for (int y = 0; y < bgr.rows; ++y)
    for (int x = 0; x < bgr.cols; ++x) {
      cv::Vec3b p = bgr.at<cv::Vec3b>(y, x);
      out.at<float>(y, x) = std::max(0, p[2] - std::max(p[0], p[1])) / 255.f;
    }
  return out;
}

// Traces and text are near-black (the red grid is grey 76).
cv::Mat dark_map(const cv::Mat &bgr) {
  cv::Mat gray, out;
  cv::cvtColor(bgr, gray, cv::COLOR_BGR2GRAY);
  cv::threshold(gray, gray, 60, 255, cv::THRESH_BINARY_INV);
  gray.convertTo(out, CV_32F, 1.0 / 255);
  return out;
}

SegmentationMaps maps_of(const cv::Mat &bgr) { return {dark_map(bgr), red_grid_map(bgr), {}}; }

std::unique_ptr<GridDetector> detector() {
  return ecgdig::Registry<GridDetector>::global().create("hough");
}

Geometry detect(const cv::Mat &bgr) { return detector()->detect(bgr, maps_of(bgr)); }

cv::Mat rotated(const cv::Mat &bgr, double deg) {
  cv::Mat r = cv::getRotationMatrix2D(cv::Point2f(bgr.cols / 2.f, bgr.rows / 2.f), deg, 1.0), out;
  cv::warpAffine(bgr, out, r, bgr.size(), cv::INTER_LINEAR, cv::BORDER_CONSTANT, cv::Scalar::all(255));
  return out;
}

cv::Point2d apply(const cv::Matx33d &h, cv::Point2d p) {
  cv::Vec3d q = h * cv::Vec3d(p.x, p.y, 1);
  return {q[0] / q[2], q[1] / q[2]};
}

// The same page with the grid painted over by paper white.
cv::Mat without_grid(const cv::Mat &bgr) {
  cv::Mat out = bgr.clone();
  for (int y = 0; y < out.rows; ++y)
    for (int x = 0; x < out.cols; ++x) {
      cv::Vec3b &p = out.at<cv::Vec3b>(y, x);
      if (p[2] > std::max(p[0], p[1]) + 10) p = cv::Vec3b(255, 255, 255);
    }
  return out;
}

TEST(HoughGridDetector, IsRegistered) {
  EXPECT_TRUE(ecgdig::Registry<GridDetector>::global().contains("hough"));
}

TEST(HoughGridDetector, CleanPagesGiveTheScaleWithinHalfAPercent) {
  for (const char *id : {"00841", "10504", "18155"}) {
    Geometry g = detect(page(id));
    SCOPED_TRACE(id);
    EXPECT_EQ(g.scale_source, ScaleSource::Grid);
    EXPECT_NEAR(g.px_per_mm_x / kPxPerMm, 1.0, 0.005);
    EXPECT_NEAR(g.px_per_mm_y / kPxPerMm, 1.0, 0.005);
    EXPECT_NEAR(g.rotation_deg, 0.0, 0.05);
    EXPECT_GT(g.confidence, 0.5);
    // An upright page is left as it is.
    EXPECT_EQ(g.rectified_size, page(id).size());
    EXPECT_LT(cv::norm(cv::Mat(g.page_from_image - cv::Matx33d::eye())), 1e-9);
  }
}

class Rotated : public ::testing::TestWithParam<double> {};

TEST_P(Rotated, RotationIsRecoveredAndTheScaleKept) {
  const double deg = GetParam();
  cv::Mat bgr = rotated(page("10504"), deg);
  Geometry g = detect(bgr);
  EXPECT_EQ(g.scale_source, ScaleSource::Grid);
  EXPECT_NEAR(g.rotation_deg, deg, 0.2);
  EXPECT_NEAR(g.px_per_mm_x / kPxPerMm, 1.0, 0.01);
  EXPECT_NEAR(g.px_per_mm_y / kPxPerMm, 1.0, 0.01);
  // The whole turned image fits on the rectified page, and a horizontal
  // line of the page comes out horizontal.
  cv::Mat r = cv::getRotationMatrix2D(cv::Point2f(bgr.cols / 2.f, bgr.rows / 2.f), deg, 1.0);
  cv::Matx33d image_from_page(r.at<double>(0, 0), r.at<double>(0, 1), r.at<double>(0, 2),
                              r.at<double>(1, 0), r.at<double>(1, 1), r.at<double>(1, 2), 0, 0, 1);
  cv::Matx33d g_total = g.page_from_image * image_from_page;
  cv::Point2d a = apply(g_total, {200, 800}), b = apply(g_total, {2000, 800});
  EXPECT_NEAR((b.y - a.y) / (b.x - a.x), 0.0, std::tan(0.2 * CV_PI / 180));
  for (cv::Point2d corner : {cv::Point2d(0, 0), cv::Point2d(bgr.cols, bgr.rows)}) {
    cv::Point2d c = apply(g.page_from_image, corner);
    EXPECT_GE(c.x, -1.0);
    EXPECT_GE(c.y, -1.0);
    EXPECT_LE(c.x, g.rectified_size.width + 1.0);
    EXPECT_LE(c.y, g.rectified_size.height + 1.0);
  }
}

INSTANTIATE_TEST_SUITE_P(Angles, Rotated, ::testing::Values(-8.0, -3.0, -1.0, 1.0, 3.0, 8.0));

TEST(HoughGridDetector, DenseNoisyGridMap) {
  // A segmenter unsure of the paper: every pixel gets some grid probability.
  cv::Mat bgr = rotated(page("18155"), -2.0);
  SegmentationMaps maps = maps_of(bgr);
  cv::Mat noise(bgr.size(), CV_32FC1);
  cv::RNG(7).fill(noise, cv::RNG::UNIFORM, 0.0, 0.6);
  maps.grid = cv::min(maps.grid + noise, 1.0);
  Geometry g = detector()->detect(bgr, maps);
  EXPECT_EQ(g.scale_source, ScaleSource::Grid);
  EXPECT_NEAR(g.rotation_deg, -2.0, 0.2);
  EXPECT_NEAR(g.px_per_mm_x / kPxPerMm, 1.0, 0.01);
  EXPECT_NEAR(g.px_per_mm_y / kPxPerMm, 1.0, 0.01);
}

TEST(HoughGridDetector, PerspectiveIsUndone) {
  const cv::Mat &src = page("18155");
  const float w = static_cast<float>(src.cols), h = static_cast<float>(src.rows);
  cv::Point2f from[] = {{0, 0}, {w, 0}, {w, h}, {0, h}};
  // Corners moved inwards by up to ~4 % of the page: a photo taken at a slant.
  cv::Point2f to[] = {{0.04f * w, 0.03f * h}, {0.98f * w, 0.0f}, {0.96f * w, 0.96f * h}, {0.01f * w, 0.98f * h}};
  cv::Matx33d image_from_page(cv::getPerspectiveTransform(from, to));
  cv::Mat bgr;
  cv::warpPerspective(src, bgr, cv::Mat(image_from_page), src.size(), cv::INTER_LINEAR,
                      cv::BORDER_CONSTANT, cv::Scalar::all(255));
  Geometry g = detect(bgr);
  ASSERT_EQ(g.scale_source, ScaleSource::Grid);
  // Page -> rectified must be a pure axis-aligned scaling: a rectangle on the
  // page stays an upright rectangle and its centre stays its centre.
  cv::Matx33d total = g.page_from_image * image_from_page;
  cv::Point2d tl = apply(total, {200, 200}), tr = apply(total, {2000, 200}),
              br = apply(total, {2000, 1500}), bl = apply(total, {200, 1500}),
              mid = apply(total, {1100, 850});
  const double width = tr.x - tl.x, height = bl.y - tl.y;
  EXPECT_NEAR(tr.y - tl.y, 0.0, 0.005 * height);
  EXPECT_NEAR(br.y - bl.y, 0.0, 0.005 * height);
  EXPECT_NEAR(bl.x - tl.x, 0.0, 0.005 * width);
  EXPECT_NEAR(br.x - tr.x, 0.0, 0.005 * width);
  EXPECT_NEAR(mid.x, 0.5 * (tl.x + br.x), 0.005 * width);
  EXPECT_NEAR(mid.y, 0.5 * (tl.y + br.y), 0.005 * height);
  // The scale reported matches the scale the page has after rectification.
  EXPECT_NEAR(g.px_per_mm_x / (kPxPerMm * width / 1800), 1.0, 0.01);
  EXPECT_NEAR(g.px_per_mm_y / (kPxPerMm * height / 1300), 1.0, 0.01);
}

TEST(HoughGridDetector, PerspectiveCanBeTurnedOff) {
  const cv::Mat &src = page("10504");
  const float w = static_cast<float>(src.cols), h = static_cast<float>(src.rows);
  cv::Point2f from[] = {{0, 0}, {w, 0}, {w, h}, {0, h}};
  cv::Point2f to[] = {{0.04f * w, 0.03f * h}, {0.98f * w, 0.0f}, {0.96f * w, 0.96f * h}, {0.01f * w, 0.98f * h}};
  cv::Mat bgr;
  cv::warpPerspective(src, bgr, cv::getPerspectiveTransform(from, to), src.size(), cv::INTER_LINEAR,
                      cv::BORDER_CONSTANT, cv::Scalar::all(255));
  auto with = detector();
  auto without = ecgdig::Registry<GridDetector>::global().create("hough", {{"grid.perspective", "off"}});
  Geometry g = with->detect(bgr, maps_of(bgr)), r = without->detect(bgr, maps_of(bgr));
  EXPECT_GT(std::abs(g.page_from_image(2, 0)) + std::abs(g.page_from_image(2, 1)), 1e-6);
  EXPECT_EQ(r.page_from_image(2, 0), 0.0);
  EXPECT_EQ(r.page_from_image(2, 1), 0.0);
  EXPECT_EQ(r.scale_source, ScaleSource::Grid);
}

TEST(HoughGridDetector, GridPeriodIsTheSameAcrossTheRectifiedPage) {
  const cv::Mat &src = page("00841");
  const float w = static_cast<float>(src.cols), h = static_cast<float>(src.rows);
  cv::Point2f from[] = {{0, 0}, {w, 0}, {w, h}, {0, h}};
  cv::Point2f to[] = {{0.0f, 0.04f * h}, {w, 0.0f}, {w, h}, {0.0f, 0.96f * h}};
  cv::Mat bgr;
  cv::warpPerspective(src, bgr, cv::getPerspectiveTransform(from, to), src.size(), cv::INTER_LINEAR,
                      cv::BORDER_CONSTANT, cv::Scalar::all(255));
  Geometry g = detect(bgr);
  cv::Mat upright = ecgdig::rectify(bgr, g);
  // Left and right thirds of the rectified page, measured on their own.
  cv::Rect left(0, 0, upright.cols / 3, upright.rows), right(2 * upright.cols / 3, 0, upright.cols / 3, upright.rows);
  Geometry gl = detect(upright(left).clone()), gr = detect(upright(right).clone());
  EXPECT_NEAR(gl.px_per_mm_y / gr.px_per_mm_y, 1.0, 0.01);
  EXPECT_NEAR(gl.px_per_mm_x / gr.px_per_mm_x, 1.0, 0.01);
  EXPECT_NEAR(gl.rotation_deg, 0.0, 0.1);
  EXPECT_NEAR(gr.rotation_deg, 0.0, 0.1);
}

TEST(HoughGridDetector, HundredDpiPage) {
  cv::Mat small;
  cv::resize(page("00841"), small, cv::Size(), 0.5, 0.5, cv::INTER_AREA);
  Geometry g = detect(small);
  EXPECT_EQ(g.scale_source, ScaleSource::Grid);
  EXPECT_NEAR(g.px_per_mm_x / (kPxPerMm / 2), 1.0, 0.01);
  EXPECT_NEAR(g.px_per_mm_y / (kPxPerMm / 2), 1.0, 0.01);
}

TEST(HoughGridDetector, ScaleFromCalibrationPulsesWithoutGrid) {
  cv::Mat bgr = without_grid(page("00841"));
  // This page has no pulses: draw the standard 10 mm x 5 mm ones before each row.
  for (double base : kBaselines) {
    std::vector<cv::Point> pulse = {
        {static_cast<int>(std::lround(kTraceX0 - 7 * kPxPerMm)), static_cast<int>(std::lround(base))},
        {static_cast<int>(std::lround(kTraceX0 - 5 * kPxPerMm)), static_cast<int>(std::lround(base))},
        {static_cast<int>(std::lround(kTraceX0 - 5 * kPxPerMm)), static_cast<int>(std::lround(base - 10 * kPxPerMm))},
        {static_cast<int>(std::lround(kTraceX0)), static_cast<int>(std::lround(base - 10 * kPxPerMm))},
        {static_cast<int>(std::lround(kTraceX0)), static_cast<int>(std::lround(base))}};
    cv::polylines(bgr, pulse, false, cv::Scalar::all(0), 2, cv::LINE_8);
  }
  // Cut short of letter proportions: the pulses alone give the scale.
  const cv::Mat cut = bgr(cv::Rect(0, 0, bgr.cols * 9 / 10, bgr.rows)).clone();
  Geometry g = detector()->detect(cut, {dark_map(cut), {}, {}});
  EXPECT_EQ(g.scale_source, ScaleSource::CalibrationPulse);
  EXPECT_NEAR(g.px_per_mm_x / kPxPerMm, 1.0, 0.03);
  EXPECT_NEAR(g.px_per_mm_y / kPxPerMm, 1.0, 0.03);
  EXPECT_LT(g.confidence, 1.0);
  // The whole letter page: the pulses confirm its size, which is finer.
  g = detector()->detect(bgr, {dark_map(bgr), {}, {}});
  EXPECT_EQ(g.scale_source, ScaleSource::PageSize);
  EXPECT_NEAR(g.px_per_mm_x / kPxPerMm, 1.0, 0.01);
}

TEST(HoughGridDetector, WholePageTellsA20MillimetrePulseFromA10MillimetreOne) {
  // A pulse printed at 20 mm/mV and 50 mm/s is 20 mm by 10 mm: the shape of
  // the usual 10 mm by 5 mm one at twice the scale. The page has exactly
  // letter proportions, so its size tells the two apart.
  cv::Mat bgr = without_grid(page("00841"));
  for (double base : kBaselines) {
    const auto at = [&](double x_mm, double y_mm) {
      return cv::Point(static_cast<int>(std::lround(kTraceX0 + x_mm * kPxPerMm)),
                       static_cast<int>(std::lround(base - y_mm * kPxPerMm)));
    };
    cv::polylines(bgr, std::vector<cv::Point>{at(-14, 0), at(-10, 0), at(-10, 20), at(0, 20), at(0, 0)}, false,
                  cv::Scalar::all(0), 2, cv::LINE_8);
  }
  Geometry g = detector()->detect(bgr, {dark_map(bgr), {}, {}});
  EXPECT_EQ(g.scale_source, ScaleSource::PageSize);
  EXPECT_NEAR(g.px_per_mm_x / kPxPerMm, 1.0, 0.01);
}

TEST(HoughGridDetector, ScaleFromTraceRowsWithoutGridOrPulse) {
  // Upright, the page's 1 px black frame is a full-width "row" that must not
  // count. The footer is cut off, so the image no longer has a paper size's
  // proportions.
  for (double deg : {0.0, 2.0}) {
    cv::Mat full = rotated(without_grid(page(deg == 0 ? "10504" : "00841")), deg);
    cv::Mat bgr = full.rowRange(0, full.rows - 60).clone();
    Geometry g = detector()->detect(bgr, {dark_map(bgr), {}, {}});
    SCOPED_TRACE(deg);
    EXPECT_EQ(g.scale_source, ScaleSource::TraceRows);
    EXPECT_NEAR(g.px_per_mm_x / kPxPerMm, 1.0, 0.03);
    // Orientation from the rows of trace and text.
    EXPECT_NEAR(g.rotation_deg, deg, 0.3);
    EXPECT_LE(g.confidence, 0.5);
  }
}

TEST(HoughGridDetector, ScaleFromPageSizeWhenNothingElseIsThere) {
  // A letter page with only a few words on it.
  cv::Mat bgr(1700, 2200, CV_8UC3, cv::Scalar::all(255));
  cv::putText(bgr, "no grid and no trace on this page", {200, 300}, cv::FONT_HERSHEY_SIMPLEX, 2.0,
              cv::Scalar::all(0), 3);
  Geometry g = detector()->detect(bgr, {});
  EXPECT_EQ(g.scale_source, ScaleSource::PageSize);
  EXPECT_NEAR(g.px_per_mm_x / kPxPerMm, 1.0, 0.01);
  EXPECT_LT(g.confidence, 0.5);
}

TEST(HoughGridDetector, WholePageSizeOutranksTraceRows) {
  // A gridless page with exactly letter proportions is the whole page; its
  // size says more than rows assumed to hold 10 s. Here the rows are drawn
  // 8 s long (200 mm), as on portrait pages.
  cv::Mat bgr(2200, 1700, CV_8UC3, cv::Scalar::all(255));
  for (int r = 0; r < 4; ++r) {
    const int b = 500 + 400 * r;
    cv::line(bgr, {100, b}, {100 + static_cast<int>(200 * kPxPerMm), b}, cv::Scalar::all(0), 3);
    for (int x = 150; x < 100 + 200 * kPxPerMm; x += 160)
      cv::line(bgr, {x, b}, {x + 5, b - 80}, cv::Scalar::all(0), 3);
  }
  Geometry g = detector()->detect(bgr, {dark_map(bgr), {}, {}});
  EXPECT_EQ(g.scale_source, ScaleSource::PageSize);
  EXPECT_NEAR(g.px_per_mm_x / kPxPerMm, 1.0, 0.01);
}

TEST(HoughGridDetector, LatticeTooCoarseForAPageIsNoGrid) {
  // Lines every 175 px on a 2200 px page: taken for 5 mm squares they would
  // make the page 63 mm long, no ECG page. An A4 page's size gives the scale.
  cv::Mat bgr(1556, 2200, CV_8UC3, cv::Scalar::all(255));
  cv::Mat grid = cv::Mat::zeros(bgr.size(), CV_32FC1);
  for (int x = 40; x < bgr.cols; x += 175) grid.colRange(x, x + 3).setTo(1.0f);
  for (int y = 40; y < bgr.rows; y += 175) grid.rowRange(y, y + 3).setTo(1.0f);
  for (int r = 0; r < 4; ++r)
    cv::line(bgr, {150, 300 + 300 * r}, {2050, 300 + 300 * r}, cv::Scalar::all(0), 3);
  const Geometry g = detector()->detect(bgr, {dark_map(bgr), grid, {}});
  EXPECT_NE(g.scale_source, ScaleSource::Grid);
  EXPECT_NEAR(g.px_per_mm_x, 2200 / 297.0, 0.1);
}

TEST(HoughGridDetector, BlankPageHasNoGrid) {
  cv::Mat bgr(850, 1100, CV_8UC3, cv::Scalar(245, 245, 245));
  cv::Mat zeros = cv::Mat::zeros(bgr.size(), CV_32FC1);
  try {
    detector()->detect(bgr, {zeros, zeros, zeros});
    FAIL() << "a blank page must throw";
  } catch (const ecgdig::Error &e) {
    EXPECT_EQ(e.code(), ErrorCode::NoGrid);
  }
  EXPECT_THROW(detector()->detect(bgr, {}), ecgdig::Error);
}

TEST(HoughGridDetector, NoiseGivesLowConfidenceOrError) {
  for (int seed = 0; seed < 3; ++seed) {
    cv::Mat bgr(700 + 100 * seed, 1000, CV_8UC3);
    cv::RNG rng(seed);
    rng.fill(bgr, cv::RNG::UNIFORM, 0, 256);
    try {
      Geometry g = detect(bgr);
      EXPECT_LT(g.confidence, 0.3);
      EXPECT_GT(g.px_per_mm_x, 0.0);
      EXPECT_NE(g.scale_source, ScaleSource::Grid);
    } catch (const ecgdig::Error &e) {
      EXPECT_EQ(e.code(), ErrorCode::NoGrid);
    }
  }
}

TEST(HoughGridDetector, TinyImagesGiveAUsableScaleOrAnError) {
  for (cv::Size size : {cv::Size(1, 1), cv::Size(500, 5), cv::Size(64, 64)}) {
    cv::Mat bgr(size, CV_8UC3), map(size, CV_32FC1);
    cv::RNG rng(size.area());
    rng.fill(bgr, cv::RNG::UNIFORM, 0, 256);
    rng.fill(map, cv::RNG::UNIFORM, 0.0, 1.0);
    SCOPED_TRACE(size);
    try {
      Geometry g = detector()->detect(bgr, {map, map, {}});
      EXPECT_GE(g.px_per_mm_x, 1.5);  // the smallest scale the detector accepts
      EXPECT_LT(g.confidence, 0.3);
      EXPECT_EQ(g.rectified_size, size);
    } catch (const ecgdig::Error &e) {
      EXPECT_EQ(e.code(), ErrorCode::NoGrid);
    }
  }
}

TEST(HoughGridDetector, BadInputIsRefused) {
  auto d = detector();
  try {
    d->detect(cv::Mat(), {});
    FAIL() << "an empty image must throw";
  } catch (const ecgdig::Error &e) {
    EXPECT_EQ(e.code(), ErrorCode::InvalidArgument);
  }
  cv::Mat bgr(100, 100, CV_8UC3, cv::Scalar::all(255));
  cv::Mat wrong = cv::Mat::zeros(50, 50, CV_32FC1);
  try {
    d->detect(bgr, {{}, wrong, {}});
    FAIL() << "a map of another size must throw";
  } catch (const ecgdig::Error &e) {
    EXPECT_EQ(e.code(), ErrorCode::InvalidArgument);
  }
  try {
    ecgdig::Registry<GridDetector>::global().create("hough", {{"grid.tiles", "1"}});
    FAIL() << "one tile must be refused";
  } catch (const ecgdig::Error &e) {
    EXPECT_EQ(e.code(), ErrorCode::InvalidArgument);
  }
}

}  // namespace
