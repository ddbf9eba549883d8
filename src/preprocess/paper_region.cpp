#include "preprocess/paper_region.hpp"

#include <algorithm>
#include <cmath>
#include <functional>
#include <vector>

#include <opencv2/imgproc.hpp>

namespace ecgdig {
inline namespace v1 {
namespace detail {
namespace {

// About 0.7 mm per pixel on a full page: fine enough for the edge, coarse
// enough that grain and noise average out.
constexpr int kAnalysisLongSidePx = 400;
// Closing over ~3.5 mm removes grid lines, traces and letters, leaving the
// paper's own brightness.
constexpr int kCloseWindowPx = 5;
// Each side is looked for in this outer share of the image.
constexpr double kSearchShare = 0.4;
// Smallest log-brightness step taken for an edge: a light table (205 against
// paper 255) makes 0.22, sensor noise on paper a few hundredths.
constexpr float kMinStep = 0.08f;
// A paper edge makes most of its step within 2 px; a shadow's soft edge
// spreads it over many.
constexpr int kWideReachPx = 6;
constexpr float kMinSharpShare = 0.55f;
// Between these distances from the edge the surround stays darker than the
// paper by at least this share of the step.
constexpr int kFarFromPx = 10;
constexpr int kFarToPx = 30;
constexpr float kMinFarShare = 0.5f;
// Side lines: slopes searched (tan ~24 degrees covers rotation plus
// perspective), tolerance for curl, and the share of scan lines that must
// agree.
constexpr double kMaxSlope = 0.45;
constexpr double kSlopeStep = 0.01;
constexpr double kInlierPx = 2.5;
constexpr double kMinSupport = 0.25;
// The paper encloses at least this share of the image.
constexpr double kMinPaperShare = 0.25;

// The strongest sharp dark-to-bright step per row, scanning rightwards in
// the left part of `log_v`; (x, y) per row that has one.
std::vector<cv::Point2d> left_steps(const cv::Mat &log_v) {
  std::vector<cv::Point2d> steps;
  const int reach = std::max(2, static_cast<int>(kSearchShare * log_v.cols));
  for (int y = 0; y < log_v.rows; ++y) {
    const float *l = log_v.ptr<float>(y);
    float best = kMinStep;
    int best_x = -1;
    for (int x = 1; x < reach && x + 1 < log_v.cols; ++x) {
      const float sharp = l[x + 1] - l[x - 1];
      if (sharp <= best) continue;
      const float wide = l[std::min(x + kWideReachPx, log_v.cols - 1)] - l[std::max(x - kWideReachPx, 0)];
      if (sharp < kMinSharpShare * wide) continue;
      // The step holds a centimetre or two away from the edge; on both sides
      // of a crease (a lit and a shaded flank) the paper is the same again.
      float outside = 0, inside = 0;
      int n_out = 0, n_in = 0;
      for (int r = kFarFromPx; r <= kFarToPx; ++r) {
        if (x - r >= 0) {
          outside += l[x - r];
          ++n_out;
        }
        if (x + r < log_v.cols) {
          inside += l[x + r];
          ++n_in;
        }
      }
      if (n_out > 0 && n_in > 0 && inside / n_in - outside / n_out < kMinFarShare * sharp) continue;
      best = sharp;
      best_x = x;
    }
    if (best_x >= 0) steps.emplace_back(best_x, y);
  }
  return steps;
}

// Steps on the line x = a y + b that most steps agree with (a vote over
// slopes and offsets); empty when fewer than kMinSupport of the rows agree.
std::vector<cv::Point2d> side_inliers(const std::vector<cv::Point2d> &steps, int rows, int cols) {
  const auto needed = static_cast<std::size_t>(kMinSupport * rows);
  if (steps.size() < std::max<std::size_t>(needed, 2)) return {};
  const int margin = static_cast<int>(kMaxSlope * rows) + 1;
  std::vector<int> votes(static_cast<std::size_t>(cols + 2 * margin + 1));
  int best = 0;
  double best_a = 0, best_b = 0;
  for (double a = -kMaxSlope; a <= kMaxSlope + 1e-9; a += kSlopeStep) {
    std::fill(votes.begin(), votes.end(), 0);
    for (const cv::Point2d &p : steps) {
      const int bin = static_cast<int>(std::lround(p.x - a * p.y)) + margin;
      if (bin >= 0 && bin < static_cast<int>(votes.size())) ++votes[static_cast<std::size_t>(bin)];
    }
    // Steps within the tolerance of offset b, by a running window over the bins.
    const int half = static_cast<int>(kInlierPx);
    int window = 0;
    for (int i = 0; i < static_cast<int>(votes.size()) + half; ++i) {
      if (i < static_cast<int>(votes.size())) window += votes[static_cast<std::size_t>(i)];
      if (i - 2 * half - 1 >= 0) window -= votes[static_cast<std::size_t>(i - 2 * half - 1)];
      if (window > best) {
        best = window;
        best_a = a;
        best_b = i - half - margin;
      }
    }
  }
  if (static_cast<std::size_t>(best) < needed) return {};
  std::vector<cv::Point2d> inliers;
  for (const cv::Point2d &p : steps)
    if (std::abs(p.x - best_a * p.y - best_b) <= kInlierPx) inliers.push_back(p);
  return inliers;
}

// Homogeneous line (A, B, C), A x + B y + C = 0, fitted to `points`.
cv::Vec3d fit_line(const std::vector<cv::Point2d> &points) {
  cv::Vec4f l;
  std::vector<cv::Point2f> p(points.begin(), points.end());
  cv::fitLine(p, l, cv::DIST_L2, 0, 0.01, 0.01);
  // Direction (l[0], l[1]) through (l[2], l[3]); the normal is (-l[1], l[0]).
  return {-l[1], l[0], double(l[1]) * l[2] - double(l[0]) * l[3]};
}

}  // namespace

std::optional<std::array<cv::Point2d, 4>> find_paper(const cv::Mat &bgr) {
  const double shrink = std::min(1.0, double(kAnalysisLongSidePx) / std::max(bgr.cols, bgr.rows));
  cv::Mat small, value, log_v;
  cv::resize(bgr, small, cv::Size(), shrink, shrink, cv::INTER_AREA);
  std::vector<cv::Mat> planes;
  cv::split(small, planes);
  value = cv::max(cv::max(planes[0], planes[1]), planes[2]);
  cv::morphologyEx(value, value, cv::MORPH_CLOSE,
                   cv::getStructuringElement(cv::MORPH_RECT, {kCloseWindowPx, kCloseWindowPx}));
  // Logarithm: light and shadow multiply, so a step's size does not depend on them.
  value.convertTo(log_v, CV_32F, 1.0, 16.0);
  cv::log(log_v, log_v);

  const int w = log_v.cols, h = log_v.rows;
  const double sx = double(bgr.cols) / w, sy = double(bgr.rows) / h;
  // Each side is searched as the left side of a flipped or transposed view;
  // `back` maps that view's points to `small`. Lines are moved one pixel
  // into the paper so that the edge's blur stays outside.
  struct Side {
    cv::Mat view;
    std::function<cv::Point2d(cv::Point2d)> back;
    cv::Vec3d border;  // just beyond the image border in bgr px, used when no edge is found
  };
  cv::Mat transposed = log_v.t(), flipped, flipped_transposed;
  cv::flip(log_v, flipped, 1);
  cv::flip(transposed, flipped_transposed, 1);
  const double right = bgr.cols, bottom = bgr.rows;
  const Side sides[4] = {
      {log_v, [](cv::Point2d p) { return p; }, {1, 0, 1}},
      {transposed, [](cv::Point2d p) { return cv::Point2d(p.y, p.x); }, {0, 1, 1}},
      {flipped, [w](cv::Point2d p) { return cv::Point2d(w - 1 - p.x, p.y); }, {1, 0, -right}},
      {flipped_transposed, [h](cv::Point2d p) { return cv::Point2d(p.y, h - 1 - p.x); }, {0, 1, -bottom}}};
  cv::Vec3d lines[4];  // left, top, right, bottom
  for (int s = 0; s < 4; ++s) {
    const Side &side = sides[s];
    std::vector<cv::Point2d> inliers = side_inliers(left_steps(side.view), side.view.rows, side.view.cols);
    if (inliers.empty()) {
      lines[s] = side.border;
      continue;
    }
    for (cv::Point2d &p : inliers) {
      const cv::Point2d q = side.back(cv::Point2d(p.x + 1, p.y));
      p = cv::Point2d((q.x + 0.5) * sx - 0.5, (q.y + 0.5) * sy - 0.5);
    }
    lines[s] = fit_line(inliers);
  }

  std::array<cv::Point2d, 4> corners;
  const int pairs[4][2] = {{1, 0}, {1, 2}, {3, 2}, {3, 0}};  // top-left, top-right, bottom-right, bottom-left
  for (int c = 0; c < 4; ++c) {
    const cv::Vec3d p = lines[pairs[c][0]].cross(lines[pairs[c][1]]);
    if (std::abs(p[2]) < 1e-12) return std::nullopt;
    corners[static_cast<std::size_t>(c)] = cv::Point2d(p[0] / p[2], p[1] / p[2]);
  }
  const std::vector<cv::Point2f> polygon(corners.begin(), corners.end());
  if (!cv::isContourConvex(polygon) || cv::contourArea(polygon) < kMinPaperShare * bgr.total()) return std::nullopt;
  return corners;
}

}  // namespace detail
}  // namespace v1
}  // namespace ecgdig
