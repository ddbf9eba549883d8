#include "ecgdig/types.hpp"

#include <cmath>

#include <gtest/gtest.h>

#include "ecgdig/error.hpp"

using namespace ecgdig;

TEST(Types, StandardLeadIndexIgnoresCase) {
  EXPECT_EQ(standard_lead_index("I"), 0);
  EXPECT_EQ(standard_lead_index("aVR"), 3);
  EXPECT_EQ(standard_lead_index("AVR"), 3);
  EXPECT_EQ(standard_lead_index("v6"), 11);
  EXPECT_EQ(standard_lead_index("V7"), -1);
}

TEST(Types, RecordFindAndMatrix) {
  Record r{"x", 250.0, {{"I", {1.f, 2.f, NAN}}, {"II", {3.f, 4.f, 5.f}}}};
  ASSERT_NE(r.find("ii"), nullptr);
  EXPECT_EQ(r.find("ii")->mv[2], 5.f);
  EXPECT_EQ(r.find("III"), nullptr);
  EXPECT_EQ(r.num_samples(), 3u);
  EXPECT_DOUBLE_EQ(r.duration_s(), 3 / 250.0);
  cv::Mat m = r.to_matrix();
  EXPECT_EQ(m.rows, 3);
  EXPECT_EQ(m.cols, 2);
  EXPECT_EQ(m.at<float>(1, 1), 4.f);
  EXPECT_TRUE(std::isnan(m.at<float>(2, 0)));
}

TEST(Types, ValidateRejectsInconsistentRecords) {
  EXPECT_THROW((Record{"x", 0.0, {{"I", {1.f}}}}).validate(), Error);
  EXPECT_THROW((Record{"x", 500.0, {{"I", {1.f}}, {"i", {2.f}}}}).validate(), Error);
  EXPECT_THROW((Record{"x", 500.0, {{"I", {1.f}}, {"II", {2.f, 3.f}}}}).validate(), Error);
  EXPECT_THROW((Record{"x", 500.0, {{"", {1.f}}}}).validate(), Error);
  EXPECT_NO_THROW((Record{"x", 500.0, {{"I", {1.f}}, {"II", {2.f}}}}).validate());
}

TEST(Types, RectifyAppliesTheHomography) {
  cv::Mat img(20, 30, CV_8UC1, cv::Scalar(0));
  img.at<uint8_t>(5, 7) = 255;
  Geometry g;
  g.page_from_image = cv::Matx33d(1, 0, 3, 0, 1, 2, 0, 0, 1);  // shift by (3, 2)
  g.rectified_size = {40, 30};
  cv::Mat out = rectify(img, g, cv::INTER_NEAREST);
  EXPECT_EQ(out.size(), cv::Size(40, 30));
  EXPECT_EQ(out.at<uint8_t>(7, 10), 255);
}

TEST(Types, RectifyFillsOutsideWithBlankPaper) {
  Geometry g;
  g.page_from_image = cv::Matx33d(1, 0, 10, 0, 1, 0, 0, 0, 1);  // shift right by 10 px
  cv::Mat page(20, 30, CV_8UC3, cv::Scalar(0, 0, 0));
  cv::Mat map(20, 30, CV_32F, cv::Scalar(1.0f));
  EXPECT_EQ(rectify(page, g).at<cv::Vec3b>(5, 2), cv::Vec3b(255, 255, 255));
  EXPECT_EQ(rectify(map, g).at<float>(5, 2), 0.0f);
  EXPECT_EQ(rectify(map, g).at<float>(5, 20), 1.0f);
}

// A bend that grows down the page: sample row i shifts by (i, -i / 2) px.
Geometry bent_geometry() {
  Geometry g;
  g.page_from_image = cv::Matx33d(1, 0, 3, 0, 1, 2, 0, 0, 1);  // shift by (3, 2)
  g.rectified_size = {40, 30};
  g.bend_step_px = 10;
  g.bend_px = cv::Mat(4, 5, CV_32FC2);
  for (int i = 0; i < 4; ++i)
    for (int j = 0; j < 5; ++j) g.bend_px.at<cv::Vec2f>(i, j) = cv::Vec2f(float(i), -0.5f * float(i));
  return g;
}

TEST(Types, RectifyUndoesTheBend) {
  const Geometry g = bent_geometry();
  cv::Mat map(30, 40, CV_32F, cv::Scalar(0));
  map.at<float>(17, 17) = 1;
  // Page (x, y) shows homography pixel (x, y) + bend: at y = 20 that is
  // (x + 2, y - 1), image pixel (x - 1, y - 3).
  const cv::Mat out = rectify(map, g, cv::INTER_NEAREST);
  EXPECT_EQ(out.size(), cv::Size(40, 30));
  EXPECT_EQ(out.at<float>(20, 18), 1.0f);
  EXPECT_EQ(cv::countNonZero(out), 1);
}

TEST(Types, MalformedBendIsRefused) {
  const cv::Mat map(30, 40, CV_32F, cv::Scalar(0));
  Geometry g = bent_geometry();
  g.bend_px = cv::Mat(1, 1, CV_32FC2, cv::Scalar::all(0));
  EXPECT_THROW(rectify(map, g), Error);
  EXPECT_THROW(image_point(g, {1, 1}), Error);
  g = bent_geometry();
  g.bend_step_px = 5;  // 5 x 4 samples reach 20 x 15 px of the 40 x 30 page
  EXPECT_THROW(rectify(map, g), Error);
  g = bent_geometry();
  g.bend_px.convertTo(g.bend_px, CV_64FC2);
  EXPECT_THROW(page_point(g, {1, 1}), Error);
}

TEST(Types, PagePointInvertsImagePoint) {
  const Geometry g = bent_geometry();
  const cv::Point2d image = image_point(g, {18, 25});
  EXPECT_NEAR(image.x, 17.5, 1e-9);
  EXPECT_NEAR(image.y, 21.75, 1e-9);
  for (const cv::Point2d page : {cv::Point2d(0, 0), cv::Point2d(18.3, 25.1), cv::Point2d(39, 29), cv::Point2d(60, -5)}) {
    const cv::Point2d back = page_point(g, image_point(g, page));
    EXPECT_NEAR(back.x, page.x, 1e-3);
    EXPECT_NEAR(back.y, page.y, 1e-3);
  }
  Geometry flat = g;
  flat.bend_px.release();
  EXPECT_NEAR(page_point(flat, {17, 22}).x, 20, 1e-9);
  EXPECT_NEAR(page_point(flat, {17, 22}).y, 24, 1e-9);
}

TEST(Types, ChestLeadsUseTheChestGain) {
  Layout layout;
  layout.gain_mm_per_mv = 10;
  layout.chest_gain_mm_per_mv = 5;
  EXPECT_EQ(lead_gain_mm_per_mv(layout, "II"), 10);
  EXPECT_EQ(lead_gain_mm_per_mv(layout, "-aVR"), 10);
  EXPECT_EQ(lead_gain_mm_per_mv(layout, "V1"), 5);
  EXPECT_EQ(lead_gain_mm_per_mv(layout, "v6"), 5);
  EXPECT_EQ(lead_gain_mm_per_mv(layout, "-V2"), 5);
}
