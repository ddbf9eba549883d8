#include "preprocess/standard_preprocessor.hpp"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>
#include <opencv2/imgproc.hpp>

#include "ecgdig/error.hpp"
#include "preprocess/paper_background.hpp"
#include "preprocess/pixel_convert.hpp"

namespace ecgdig {
inline namespace v1 {
namespace detail {
namespace {

// Below this short side no 12-lead page is legible (a 3x4 page needs ~40 px per row).
constexpr int kMinShortSidePx = 200;
// Small images are enlarged at most this much; more would invent detail.
constexpr double kMaxUpscale = 2.0;

class StandardPreprocessor final : public Preprocessor {
 public:
  explicit StandardPreprocessor(const StageOptions &options)
      : working_long_side_px_(options.get_int("working_long_side_px", 2200)),
        normalize_colour_(options.get_bool("normalize_colour", true)) {
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
    out.scale = std::min(kMaxUpscale, double(working_long_side_px_) / std::max(bgr.cols, bgr.rows));
    if (std::abs(out.scale - 1.0) < 1e-9) {
      out.scale = 1.0;
      out.bgr = bgr.clone();
    } else {
      cv::resize(bgr, out.bgr, cv::Size(), out.scale, out.scale, out.scale < 1 ? cv::INTER_AREA : cv::INTER_LINEAR);
    }
    if (normalize_colour_) flatten_paper(out.bgr);
    return out;
  }

 private:
  // Dividing by the local paper colour brings tinted or grey paper, colour
  // casts and uneven light all near white while ink keeps its contrast.
  static void flatten_paper(cv::Mat &bgr) {
    cv::Mat background;
    cv::resize(estimate_paper_background(bgr), background, bgr.size(), 0, 0, cv::INTER_LINEAR);
    cv::divide(bgr, background, bgr, 255.0);
  }

  int working_long_side_px_;
  bool normalize_colour_;
};

}  // namespace

std::unique_ptr<Preprocessor> make_standard_preprocessor(const StageOptions &options) {
  return std::make_unique<StandardPreprocessor>(options);
}

}  // namespace detail
}  // namespace v1
}  // namespace ecgdig
