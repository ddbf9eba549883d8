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
