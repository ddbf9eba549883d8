// The standard preprocessor finds the paper in photos and scans with margins
// and keeps only it; a page that fills the image stays whole.
#include <gtest/gtest.h>

#include <iostream>
#include <string>
#include <vector>

#include <opencv2/imgproc.hpp>

#include "ecgdig/preprocessor.hpp"
#include "ecgdig/render.hpp"

using ecgdig::PreparedImage;
using ecgdig::Preprocessor;
using ecgdig::Registry;

namespace {

std::unique_ptr<Preprocessor> standard() { return Registry<Preprocessor>::global().create("standard"); }

// A rendered page at a modest resolution (fast), degraded by `options`.
ecgdig::RenderedPage degraded_page(const ecgdig::DegradeOptions &options, std::uint64_t seed) {
  ecgdig::PageStyle style = ecgdig::random_page_style(seed);
  style.dpi = 120;
  ecgdig::RenderedPage page = ecgdig::render_page(ecgdig::synthesize_ecg({}, seed), style);
  ecgdig::degrade(page, options, seed);
  return page;
}

cv::Mat polygon_mask(cv::Size size, const std::vector<cv::Point2d> &corners) {
  std::vector<cv::Point> points;
  for (const cv::Point2d &p : corners) points.emplace_back(cvRound(p.x), cvRound(p.y));
  cv::Mat mask(size, CV_8U, cv::Scalar(0));
  cv::fillConvexPoly(mask, points, cv::Scalar(255));
  return mask;
}

// Where the undegraded page's corners went in the image.
std::vector<cv::Point2d> truth_paper(const ecgdig::RenderedPage &page, cv::Size page_size) {
  std::vector<cv::Point2d> corners;
  for (const cv::Point2d p : {cv::Point2d(0, 0), cv::Point2d(page_size.width, 0),
                              cv::Point2d(page_size.width, page_size.height), cv::Point2d(0, page_size.height)}) {
    const cv::Vec3d q = page.image_from_page * cv::Vec3d(p.x, p.y, 1.0);
    corners.emplace_back(q[0] / q[2], q[1] / q[2]);
  }
  return corners;
}

// The paper the preprocessor kept, as a mask of the original image.
cv::Mat found_paper(const PreparedImage &prepared, cv::Size size) {
  if (!prepared.paper_px.empty()) return polygon_mask(size, prepared.paper_px);
  cv::Mat mask(size, CV_8U, cv::Scalar(0));
  mask(prepared.page_px).setTo(255);
  return mask;
}

double iou(const cv::Mat &a, const cv::Mat &b) {
  return cv::countNonZero(a & b) / double(std::max(1, cv::countNonZero(a | b)));
}

cv::Size undegraded_size(std::uint64_t seed) {
  ecgdig::PageStyle style = ecgdig::random_page_style(seed);
  style.dpi = 120;
  return {cvRound(style.page_width_mm / 25.4 * style.dpi), cvRound(style.page_height_mm / 25.4 * style.dpi)};
}

}  // namespace

TEST(PaperRegion, PhotographedPageIsFoundAndItsSurroundWhitened) {
  int photographed = 0;
  for (std::uint64_t seed = 1; seed <= 6; ++seed) {
    const ecgdig::RenderedPage page = degraded_page(ecgdig::degrade_preset("photo"), seed);
    const PreparedImage prepared = standard()->prepare(page.bgr);
    const cv::Mat truth = polygon_mask(page.bgr.size(), truth_paper(page, undegraded_size(seed)));
    const double score = iou(found_paper(prepared, page.bgr.size()), truth);
    std::cout << "photo seed " << seed << ": paper IoU " << score << "\n";
    // Measured: 0.97 and above.
    EXPECT_GE(score, 0.93) << seed;
    if (prepared.paper_px.empty()) continue;
    ++photographed;
    // What is kept is the paper: its bounding box, white outside the paper.
    const cv::Rect box = cv::boundingRect(truth);
    EXPECT_LE(prepared.page_px.area(), 1.05 * box.area()) << seed;
    cv::Mat outside = ~polygon_mask(page.bgr.size(), prepared.paper_px);
    cv::Mat working_outside;
    cv::resize(outside(prepared.page_px), working_outside, prepared.bgr.size(), 0, 0, cv::INTER_NEAREST);
    cv::erode(working_outside, working_outside, cv::getStructuringElement(cv::MORPH_RECT, {9, 9}));
    cv::Mat grey;
    cv::cvtColor(prepared.bgr, grey, cv::COLOR_BGR2GRAY);
    EXPECT_EQ(cv::countNonZero((grey < 250) & working_outside), 0) << seed;
  }
  // Most photo pages lie on a table (the preset's background chance is 0.8).
  EXPECT_GE(photographed, 3);
}

TEST(PaperRegion, ScanWithMarginsKeepsOnlyThePaper) {
  ecgdig::RenderedPage page = degraded_page({}, 7);
  const cv::Size size = page.bgr.size();
  cv::Mat scan;
  cv::copyMakeBorder(page.bgr, scan, size.height / 10, size.height / 12, size.width / 9, size.width / 14,
                     cv::BORDER_CONSTANT, cv::Scalar(175, 180, 178));
  const PreparedImage prepared = standard()->prepare(scan);
  const cv::Rect truth(size.width / 9, size.height / 10, size.width, size.height);
  cv::Mat truth_mask(scan.size(), CV_8U, cv::Scalar(0));
  truth_mask(truth).setTo(255);
  ASSERT_FALSE(prepared.paper_px.empty());
  EXPECT_GE(iou(found_paper(prepared, scan.size()), truth_mask), 0.97);
}

TEST(PaperRegion, PageFillingTheImageStaysWhole) {
  // Clean pages, B/W copies (whose dark grid area starts inside a white
  // margin) and folded pages (a crease is a sharp step between a lit and a
  // shaded flank), unturned so that no scanner lid shows.
  ecgdig::DegradeOptions copy;
  copy.bw_probability = 1;
  copy.blur_sigma_px = 0.7;
  copy.noise_sigma = 4;
  for (const ecgdig::DegradeOptions &options : {ecgdig::DegradeOptions{}, copy, ecgdig::degrade_preset("crease")}) {
    for (std::uint64_t seed = 11; seed <= 16; ++seed) {
      const ecgdig::RenderedPage page = degraded_page(options, seed);
      const PreparedImage prepared = standard()->prepare(page.bgr);
      EXPECT_TRUE(prepared.paper_px.empty()) << seed << ": " << cv::Mat(prepared.paper_px).reshape(1);
      EXPECT_EQ(prepared.page_px, cv::Rect(0, 0, page.bgr.cols, page.bgr.rows)) << seed;
    }
  }
}
