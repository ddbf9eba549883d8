// The renderer against ecg-image-kit: same records, same geometry, same pixels.

#include <cmath>
#include <cstdio>
#include <fstream>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "ecgdig/io.hpp"
#include "ecgdig/render.hpp"
#include "render_test_util.hpp"

namespace ecgdig {
namespace {

const std::string kDir = std::string(ECGDIG_TEST_DATA_DIR) + "/ptbxl/";

class EcgImageKit : public ::testing::TestWithParam<const char *> {};

TEST_P(EcgImageKit, SameRecordLandsOnTheSamePixels) {
  const std::string stem = GetParam();
  std::ifstream in(kDir + stem + "-0.json");
  ASSERT_TRUE(in) << kDir + stem + "-0.json";
  const nlohmann::json kit = nlohmann::json::parse(in);
  const Record record = read_wfdb(kDir + stem);
  const RenderedPage page = render_page(record, ecg_image_kit_page_style(kit.at("dc_pulse").get<bool>()));
  ASSERT_EQ(page.bgr.cols, kit.at("width").get<int>());
  ASSERT_EQ(page.bgr.rows, kit.at("height").get<int>());

  // Path against path. Their coordinates are [y, x] with pixel centres at
  // i + 0.5; ours are [x, y] with centres at i.
  double sum = 0, worst = 0;
  std::size_t count = 0;
  cv::Mat kit_path = cv::Mat::zeros(page.bgr.size(), CV_8UC1);
  ASSERT_EQ(kit.at("leads").size(), page.leads.size());
  for (const auto &lead : kit.at("leads")) {
    const std::string name = lead.at("lead_name");
    const auto start = lead.at("start_sample").get<std::size_t>(), end = lead.at("end_sample").get<std::size_t>();
    const LeadTruth *ours = render_test::find_panel(page, name, double(start) / record.fs_hz,
                                                    double(end - start) / record.fs_hz);
    ASSERT_NE(ours, nullptr) << name << " from " << start;
    const auto &pixels = lead.at("plotted_pixels");
    ASSERT_EQ(pixels.size(), ours->path_px.size());
    std::vector<cv::Point> run;
    for (std::size_t i = 0; i < pixels.size(); ++i) {
      const double ky = pixels[i][0].get<double>() - 0.5, kx = pixels[i][1].get<double>() - 0.5;
      const double d = std::hypot(ours->path_px[i].x - kx, ours->path_px[i].y - ky);
      sum += d;
      worst = std::max(worst, d);
      ++count;
      run.emplace_back(int(std::lround(kx * 16)), int(std::lround(ky * 16)));
    }
    cv::polylines(kit_path, run, false, cv::Scalar(255), 1, cv::LINE_8, 4);
  }
  const double mean = sum / double(count);
  std::printf("[ %s ] path distance to ecg-image-kit: mean %.4f px, max %.4f px over %zu samples\n", stem.c_str(),
              mean, worst, count);
  EXPECT_LT(worst, 2.0);
  EXPECT_LT(mean, 0.05);

  // Pixels against pixels: their dark trace pixels (near their own path)
  // against our trace mask, both ways, with one pixel of slack.
  const cv::Mat theirs = cv::imread(kDir + stem + "-0.png", cv::IMREAD_COLOR);
  ASSERT_FALSE(theirs.empty());
  cv::Mat channel_max;
  cv::Mat planes[3];
  cv::split(theirs, planes);
  channel_max = cv::max(cv::max(planes[0], planes[1]), planes[2]);
  cv::Mat near_kit_path;
  cv::dilate(kit_path, near_kit_path, cv::Mat::ones(5, 5, CV_8U));
  const cv::Mat kit_trace = (channel_max < 128) & near_kit_path;
  cv::Mat ours_wide, kit_wide;
  cv::dilate(page.trace_mask, ours_wide, cv::Mat::ones(3, 3, CV_8U));
  cv::dilate(channel_max < 128, kit_wide, cv::Mat::ones(3, 3, CV_8U));
  const double kit_covered = double(cv::countNonZero(kit_trace & ours_wide)) / cv::countNonZero(kit_trace);
  const double ours_covered = double(cv::countNonZero(page.trace_mask & kit_wide)) / cv::countNonZero(page.trace_mask);
  std::printf("[ %s ] their trace pixels on our mask: %.4f; our mask pixels dark on their page: %.4f\n",
              stem.c_str(), kit_covered, ours_covered);
  EXPECT_GT(kit_covered, 0.97);
  EXPECT_GT(ours_covered, 0.97);
}

INSTANTIATE_TEST_SUITE_P(Pages, EcgImageKit, ::testing::Values("00841_hr", "10504_hr", "18155_hr"));

}  // namespace
}  // namespace ecgdig
