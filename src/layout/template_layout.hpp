#pragma once
// LeadLayout "template": finds the trace rows and panel columns on the
// rectified page and matches them against the known page layouts.

#include <string>

#include "ecgdig/lead_layout.hpp"
#include "ecgdig/stage_options.hpp"

namespace ecgdig {
inline namespace v1 {
namespace detail {

/// Settings of the "template" lead layout (StageOptions keys in brackets).
struct TemplateLayoutOptions {
  std::string layout = "auto";      ///< ["layout"] a template name forces it
  /// ["paper_speed_mm_s"] 0 = from the page (pulse width, printed scale, row length), else 25
  double paper_speed_mm_s = 0;
  /// ["gain_mm_per_mv"] 0 = from the page (pulse height, printed scale), else 10
  double gain_mm_per_mv = 0;
  /// ["chest_gain_mm_per_mv"] 0 = from the page (pulses of chest rows, printed
  /// scale), else as gain_mm_per_mv
  double chest_gain_mm_per_mv = 0;

  /// Reads the keys above; throws Error(InvalidArgument) on unknown layouts
  /// or non-positive values.
  static TemplateLayoutOptions from(const StageOptions &options);
};

/// Rows from the horizontal projection of the trace map, columns from
/// separators, gaps and lead-name marks, names and time windows from the
/// best-matching template.
class TemplateLayout final : public LeadLayout {
 public:
  explicit TemplateLayout(TemplateLayoutOptions options) : options_(std::move(options)) {}
  Layout locate(const cv::Mat &rectified_bgr, const SegmentationMaps &rectified_maps,
                const Geometry &geometry) const override;

 private:
  TemplateLayoutOptions options_;
};

}  // namespace detail
}  // namespace v1
}  // namespace ecgdig
