#pragma once
// SignalExtractor "trace": follows each panel's trace through the trace map
// and converts it to millivolts over time.

#include "ecgdig/signal_extractor.hpp"
#include "ecgdig/stage_options.hpp"

namespace ecgdig {
inline namespace v1 {
namespace detail {

/// Settings of the "trace" extractor (StageOptions keys in brackets).
struct TraceExtractorOptions {
  double max_gap_mm =
      2.0;  ///< ["max_gap_mm"] gaps up to this are interpolated, longer ones are NaN

  /// Reads the keys above; throws Error(InvalidArgument) on negative values.
  static TraceExtractorOptions from(const StageOptions &options);
};

/// A dynamic programme picks one vertical run of trace pixels per column for
/// each panel, jointly for each panel and the one below it: continuity beats
/// nearness to the baseline, so tall complexes that reach into the
/// neighbouring rows are followed, and where two traces overlap the pixels go
/// to the trace they continue (neither clipped nor swapped). The run's
/// probability-weighted centre gives the trace's y; a tall wave's run through
/// the other trace, less that trace's line, gives its extreme. Time along a
/// panel, and a row's duration, follow the grid's local period where the grid
/// gave the page's scale (PanelClock), so a page left unevenly stretched by a
/// photo keeps its timing.
class TraceExtractor final : public SignalExtractor {
 public:
  explicit TraceExtractor(TraceExtractorOptions options) : options_(options) {}
  Record extract(const SegmentationMaps &rectified_maps, const Geometry &geometry, Layout &layout,
                 double output_fs_hz) const override;

 private:
  TraceExtractorOptions options_;
};

}  // namespace detail
}  // namespace v1
}  // namespace ecgdig
