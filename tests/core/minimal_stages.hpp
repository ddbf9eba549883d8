#pragma once
// Minimal user-defined stages: a test of the plug-in mechanism, not an
// implementation of the method.

#include <opencv2/imgproc.hpp>

#include "ecgdig/error.hpp"
#include "ecgdig/pipeline.hpp"

namespace test_stages {

struct PassPreprocessor : ecgdig::Preprocessor {
  ecgdig::PreparedImage prepare(const cv::Mat &image) const override { return {image, 1.0}; }
};

struct DarkSegmenter : ecgdig::Segmenter {
  ecgdig::SegmentationMaps segment(const cv::Mat &bgr) const override {
    cv::Mat gray, trace;
    cv::extractChannel(bgr, gray, 0);
    gray.convertTo(trace, CV_32F, -1.0 / 255, 1.0);
    cv::Mat zero = cv::Mat::zeros(bgr.size(), CV_32F);
    return {trace, zero, zero.clone()};
  }
};

// Assumes 10 px per mm and no rotation.
struct FixedScaleGrid : ecgdig::GridDetector {
  ecgdig::Geometry detect(const cv::Mat &bgr, const ecgdig::SegmentationMaps &) const override {
    ecgdig::Geometry g;
    g.rectified_size = bgr.size();
    g.px_per_mm_x = g.px_per_mm_y = 10;
    g.scale_source = ecgdig::ScaleSource::Assumed;
    return g;
  }
};

// One lead "II" spanning the whole page, baseline in the middle.
struct WholePageLayout : ecgdig::LeadLayout {
  explicit WholePageLayout(double confidence = 1.0) : confidence_(confidence) {}
  double confidence_;
  ecgdig::Layout locate(const cv::Mat &bgr, const ecgdig::SegmentationMaps &,
                        const ecgdig::Geometry &g) const override {
    ecgdig::Layout l;
    l.name = "1x1";
    l.confidence = confidence_;
    double width_s = bgr.cols / g.px_per_mm_x / l.paper_speed_mm_s;
    l.leads.push_back({"II", cv::Rect2d(0, 0, bgr.cols, bgr.rows), bgr.rows / 2.0, 0.0, width_s});
    return l;
  }
};

// Darkest row per column -> mV.
struct ArgmaxExtractor : ecgdig::SignalExtractor {
  ecgdig::Record extract(const ecgdig::SegmentationMaps &maps, const ecgdig::Geometry &g,
                         ecgdig::Layout &layout, double fs) const override {
    const auto &box = layout.leads.at(0);
    std::size_t n = static_cast<std::size_t>(box.duration_s * fs);
    ecgdig::Lead lead{box.name, std::vector<float>(n), 1.0};
    for (std::size_t i = 0; i < n; ++i) {
      int x = std::min(maps.trace.cols - 1,
                       static_cast<int>(i / fs * layout.paper_speed_mm_s * g.px_per_mm_x));
      cv::Point best;
      cv::minMaxLoc(maps.trace.col(x), nullptr, nullptr, nullptr, &best);
      lead.mv[i] = static_cast<float>((box.baseline_y_px - best.y) / g.px_per_mm_y /
                                      layout.gain_mm_per_mv);
    }
    return {"page", fs, {lead}};
  }
};

struct FailingGrid : ecgdig::GridDetector {
  ecgdig::Geometry detect(const cv::Mat &, const ecgdig::SegmentationMaps &) const override {
    throw ecgdig::Error(ecgdig::ErrorCode::NoGrid, "nothing periodic");
  }
};

}  // namespace test_stages
