#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include <opencv2/imgproc.hpp>

#include "ecgdig/error.hpp"
#include "ecgdig/image_io.hpp"
#include "ecgdig/preprocessor.hpp"

using ecgdig::Error;
using ecgdig::ErrorCode;
using ecgdig::PreparedImage;
using ecgdig::Preprocessor;
using ecgdig::Registry;
using ecgdig::StageOptions;

namespace {

std::unique_ptr<Preprocessor> standard(const StageOptions &options = {}) {
  return Registry<Preprocessor>::global().create("standard", options);
}

// A page-like image: a pink/red millimetre grid every 8 px and a black
// zig-zag trace across the middle, printed on paper of colour `paper_bgr`
// (ink and paper colours multiply, as in a print lit by tinted light).
cv::Mat synthetic_page(cv::Size size, cv::Scalar paper_bgr) {
  cv::Mat page(size, CV_8UC3, cv::Scalar(255, 255, 255));
  for (int x = 0; x < size.width; x += 8)
    cv::line(page, {x, 0}, {x, size.height - 1}, x % 40 == 0 ? cv::Scalar(60, 60, 230) : cv::Scalar(180, 180, 240), 1);
  for (int y = 0; y < size.height; y += 8)
    cv::line(page, {0, y}, {size.width - 1, y}, y % 40 == 0 ? cv::Scalar(60, 60, 230) : cv::Scalar(180, 180, 240), 1);
  std::vector<cv::Point> trace;
  for (int x = 10; x < size.width - 10; x += 12) trace.emplace_back(x, size.height / 2 + ((x / 12) % 2 ? -30 : 30));
  cv::polylines(page, trace, false, cv::Scalar(20, 20, 20), 3);
  cv::multiply(page, paper_bgr * (1.0 / 255), page);
  return page;
}

// Median of each channel over the pixels where `mask` is set.
cv::Vec3d channel_median(const cv::Mat &bgr, const cv::Mat &mask) {
  cv::Vec3d out;
  for (int c = 0; c < 3; ++c) {
    std::vector<int> values;
    for (int y = 0; y < bgr.rows; ++y)
      for (int x = 0; x < bgr.cols; ++x)
        if (mask.at<std::uint8_t>(y, x)) values.push_back(bgr.at<cv::Vec3b>(y, x)[c]);
    std::nth_element(values.begin(), values.begin() + static_cast<std::ptrdiff_t>(values.size() / 2), values.end());
    out[c] = values[values.size() / 2];
  }
  return out;
}

// Bare paper of synthetic_page(): pixels off the grid lines and away from the trace.
cv::Mat paper_mask(cv::Size size) {
  cv::Mat mask(size, CV_8U, cv::Scalar(0));
  for (int y = 0; y < size.height; ++y)
    for (int x = 0; x < size.width; ++x)
      if (x % 8 >= 3 && y % 8 >= 3 && std::abs(y - size.height / 2) > 45) mask.at<std::uint8_t>(y, x) = 255;
  return mask;
}

cv::Mat trace_mask(const cv::Mat &original) {
  cv::Mat grey;
  cv::cvtColor(original, grey, cv::COLOR_BGR2GRAY);
  return grey < 40;
}

}  // namespace

TEST(StandardPreprocessor, KeepsAPageAtWorkingSize) {
  const PreparedImage out = standard()->prepare(synthetic_page({2200, 1700}, {250, 250, 250}));
  EXPECT_EQ(out.bgr.type(), CV_8UC3);
  EXPECT_EQ(out.bgr.size(), cv::Size(2200, 1700));
  EXPECT_DOUBLE_EQ(out.scale, 1.0);
}

TEST(StandardPreprocessor, ShrinksLargePagesToTheWorkingLongSide) {
  const PreparedImage out = standard()->prepare(synthetic_page({3400, 4400}, {250, 250, 250}));
  EXPECT_EQ(out.bgr.size(), cv::Size(1700, 2200));
  EXPECT_DOUBLE_EQ(out.scale, 0.5);
  const PreparedImage custom = standard({{"working_long_side_px", "1000"}})->prepare(synthetic_page({2000, 1500}, {250, 250, 250}));
  EXPECT_EQ(custom.bgr.size(), cv::Size(1000, 750));
  EXPECT_DOUBLE_EQ(custom.scale, 0.5);
}

TEST(StandardPreprocessor, EnlargesSmallPagesAtMostTwofold) {
  const PreparedImage out = standard()->prepare(synthetic_page({600, 400}, {250, 250, 250}));
  EXPECT_EQ(out.bgr.size(), cv::Size(1200, 800));
  EXPECT_DOUBLE_EQ(out.scale, 2.0);
}

TEST(StandardPreprocessor, RefusesTinyImages) {
  try {
    standard()->prepare(cv::Mat(150, 300, CV_8UC3, cv::Scalar(255, 255, 255)));
    ADD_FAILURE() << "a 300x150 image was accepted";
  } catch (const Error &e) {
    EXPECT_EQ(e.code(), ErrorCode::InvalidArgument);
    EXPECT_NE(std::string(e.what()).find("300x150"), std::string::npos) << e.what();
  }
}

TEST(StandardPreprocessor, RefusesEmptyAndUnsupportedImages) {
  EXPECT_THROW(standard()->prepare(cv::Mat()), Error);
  try {
    standard()->prepare(cv::Mat(400, 400, CV_32SC1, cv::Scalar(0)));
    ADD_FAILURE() << "an int32 image was accepted";
  } catch (const Error &e) {
    EXPECT_EQ(e.code(), ErrorCode::InvalidArgument);
  }
}

TEST(StandardPreprocessor, RefusesBadOptions) {
  EXPECT_THROW(standard({{"working_long_side_px", "10"}}), Error);
  EXPECT_THROW(standard({{"working_long_side_px", "wide"}}), Error);
  EXPECT_THROW(standard({{"normalize_colour", "maybe"}}), Error);
}

TEST(StandardPreprocessor, AcceptsGreyAndBgraInput) {
  const cv::Mat page = synthetic_page({800, 600}, {245, 245, 245});
  cv::Mat grey, bgra;
  cv::cvtColor(page, grey, cv::COLOR_BGR2GRAY);
  const PreparedImage from_grey = standard()->prepare(grey);
  EXPECT_EQ(from_grey.bgr.type(), CV_8UC3);
  EXPECT_EQ(from_grey.bgr.size(), cv::Size(1600, 1200));

  cv::cvtColor(page, bgra, cv::COLOR_BGR2BGRA);
  bgra.forEach<cv::Vec4b>([](cv::Vec4b &p, const int *) { p[3] = 0; });  // fully transparent: white paper
  const PreparedImage from_bgra = standard({{"normalize_colour", "false"}})->prepare(bgra);
  EXPECT_EQ(from_bgra.bgr.type(), CV_8UC3);
  EXPECT_EQ(cv::countNonZero(from_bgra.bgr.reshape(1) != 255), 0);
}

TEST(StandardPreprocessor, TintedPaperBecomesWhiteAndInkStays) {
  // Grey-yellow paper with a colour cast; the ink must keep its contrast.
  const cv::Size size(1600, 1200);
  const cv::Mat page = synthetic_page(size, {150, 185, 200});
  const PreparedImage out = standard({{"working_long_side_px", "1600"}})->prepare(page);
  const cv::Vec3d paper = channel_median(out.bgr, paper_mask(size));
  for (int c = 0; c < 3; ++c) EXPECT_GE(paper[c], 245) << "channel " << c;
  const cv::Vec3d ink = channel_median(out.bgr, trace_mask(page));
  for (int c = 0; c < 3; ++c) EXPECT_LE(ink[c], 60) << "channel " << c;
  // A major grid pixel stays red-dominant.
  const cv::Vec3b grid = out.bgr.at<cv::Vec3b>(40, 403);
  EXPECT_GT(grid[2] - std::max(grid[0], grid[1]), 60);
}

TEST(StandardPreprocessor, UnevenLightIsFlattened) {
  // Light falls off from 250 on the right to 110 on the left.
  const cv::Size size(1600, 1200);
  cv::Mat page = synthetic_page(size, {255, 255, 255});
  page.forEach<cv::Vec3b>([&](cv::Vec3b &p, const int *at) {
    const double light = 110.0 / 255 + (140.0 / 255) * at[1] / (size.width - 1);
    for (int c = 0; c < 3; ++c) p[c] = cv::saturate_cast<std::uint8_t>(p[c] * light);
  });
  const PreparedImage out = standard({{"working_long_side_px", "1600"}})->prepare(page);
  const cv::Mat paper = paper_mask(size);
  const cv::Rect left(0, 0, 300, size.height), right(size.width - 300, 0, 300, size.height);
  for (const cv::Rect &side : {left, right}) {
    const cv::Vec3d colour = channel_median(out.bgr(side), paper(side));
    for (int c = 0; c < 3; ++c) EXPECT_GE(colour[c], 240) << "channel " << c << " at x " << side.x;
  }
  const cv::Mat ink = trace_mask(synthetic_page(size, {255, 255, 255}));
  const cv::Vec3d left_ink = channel_median(out.bgr(left), ink(left));
  for (int c = 0; c < 3; ++c) EXPECT_LE(left_ink[c], 70) << "channel " << c;
}

TEST(StandardPreprocessor, CleanScanIsNearlyUnchanged) {
  const cv::Mat page =
      ecgdig::read_image_pages(std::filesystem::path(ECGDIG_TEST_DATA_DIR) / "ptbxl" / "10504_hr-0.png").at(0);
  const PreparedImage out = standard()->prepare(page);
  ASSERT_EQ(out.bgr.size(), page.size());
  cv::Mat difference;
  cv::absdiff(out.bgr, page, difference);
  EXPECT_LT(cv::mean(difference)[0] + cv::mean(difference)[1] + cv::mean(difference)[2], 3 * 2.0);
}
