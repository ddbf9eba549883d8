#include "preprocess/standard_preprocessor.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <optional>
#include <vector>

#include <fmt/format.h>
#include <opencv2/imgproc.hpp>

#include "ecgdig/error.hpp"
#include "preprocess/paper_background.hpp"
#include "preprocess/paper_region.hpp"
#include "preprocess/pixel_convert.hpp"

namespace ecgdig {
inline namespace v1 {
namespace detail {
namespace {

// Below this short side no 12-lead page is legible (a 3x4 page needs ~40 px per row).
constexpr int kMinShortSidePx = 200;
// Small images are enlarged at most this much; more would invent detail.
constexpr double kMaxUpscale = 2.0;
// A thinner surround (the corners a slightly turned scan uncovers) is left
// as it is: it holds no texture, and rectification paints such corners white.
constexpr double kMinSurroundShare = 0.05;

// Share of an image of `size` outside the paper's corners.
double surround_share(const std::array<cv::Point2d, 4> &paper, cv::Size size) {
  std::vector<cv::Point2f> inside;
  const std::vector<cv::Point2f> corners(paper.begin(), paper.end());
  const std::vector<cv::Point2f> image = {{0, 0}, {float(size.width), 0}, {float(size.width), float(size.height)},
                                          {0, float(size.height)}};
  const float overlap = cv::intersectConvexConvex(corners, image, inside);
  return 1.0 - overlap / size.area();
}

class StandardPreprocessor final : public Preprocessor {
 public:
  explicit StandardPreprocessor(const StageOptions &options)
      : working_long_side_px_(options.get_int("working_long_side_px", 2200)),
        normalize_colour_(options.get_bool("normalize_colour", true)),
        find_paper_(options.get_bool("find_paper", true)) {
    if (working_long_side_px_ < 256 || working_long_side_px_ > 20000)
      throw Error(ErrorCode::InvalidArgument,
                  fmt::format("option working_long_side_px must be in 256..20000, not {}", working_long_side_px_));
  }

  PreparedImage prepare(const cv::Mat &image) const override {
    const cv::Mat bgr = to_bgr8(image, "the image given to the standard preprocessor");
    if (std::min(bgr.cols, bgr.rows) < kMinShortSidePx)
      throw Error(ErrorCode::InvalidArgument,
                  fmt::format("the image is {}x{} px; an ECG page needs at least {} px on its short side",
                              bgr.cols, bgr.rows, kMinShortSidePx));
    PreparedImage out;
    std::optional<std::array<cv::Point2d, 4>> paper = find_paper_ ? find_paper(bgr) : std::nullopt;
    if (paper && surround_share(*paper, bgr.size()) < kMinSurroundShare) paper.reset();
    out.page_px = cv::Rect(0, 0, bgr.cols, bgr.rows);
    if (paper) {
      const std::vector<cv::Point2f> corners(paper->begin(), paper->end());
      out.page_px &= cv::boundingRect(corners);
    }
    const cv::Mat page = bgr(out.page_px);
    out.scale = std::min(kMaxUpscale, double(working_long_side_px_) / std::max(page.cols, page.rows));
    if (std::abs(out.scale - 1.0) < 1e-9) {
      out.scale = 1.0;
      out.bgr = page.clone();
    } else {
      cv::resize(page, out.bgr, cv::Size(), out.scale, out.scale, out.scale < 1 ? cv::INTER_AREA : cv::INTER_LINEAR);
    }
    cv::Mat outside;
    if (paper) outside = outside_paper(*paper, out);
    if (!outside.empty()) {
      out.paper_px.assign(paper->begin(), paper->end());
      extend_paper(out.bgr, outside);
    }
    if (normalize_colour_) flatten_paper(out.bgr);
    if (!outside.empty()) out.bgr.setTo(cv::Scalar::all(255), outside);
    return out;
  }

 private:
  // Working pixels outside the paper quadrilateral; empty when there are none.
  static cv::Mat outside_paper(const std::array<cv::Point2d, 4> &paper, const PreparedImage &prepared) {
    std::vector<cv::Point> corners;
    for (const cv::Point2d &p : paper)
      corners.emplace_back(cvRound((p.x - prepared.page_px.x) * prepared.scale),
                           cvRound((p.y - prepared.page_px.y) * prepared.scale));
    cv::Mat outside(prepared.bgr.size(), CV_8U, cv::Scalar(255));
    cv::fillConvexPoly(outside, corners, cv::Scalar(0));
    if (cv::countNonZero(outside) == 0) return {};
    return outside;
  }

  // Dividing by the local paper colour brings tinted or grey paper, colour
  // casts and uneven light all near white while ink keeps its contrast.
  static void flatten_paper(cv::Mat &bgr) {
    cv::Mat background;
    cv::resize(estimate_paper_background(bgr), background, bgr.size(), 0, 0, cv::INTER_LINEAR);
    cv::divide(bgr, background, bgr, 255.0);
  }

  int working_long_side_px_;
  bool normalize_colour_;
  bool find_paper_;
};

}  // namespace

std::unique_ptr<Preprocessor> make_standard_preprocessor(const StageOptions &options) {
  return std::make_unique<StandardPreprocessor>(options);
}

}  // namespace detail
}  // namespace v1
}  // namespace ecgdig
