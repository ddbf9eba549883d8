// The native C++ API with a stage of one's own: a Segmenter subclass that
// refines the built-in "classical" maps (trace kept only where it is likely,
// grid and text untouched), registered by name and plugged into a Pipeline.
// Usage: custom_segmenter_cpp PAGE.png
#include <cmath>
#include <cstdio>
#include <memory>

#include <opencv2/imgproc.hpp>

#include <ecgdig/ecgdig.hpp>

namespace {

/// Keeps trace probability only where it is at least `threshold`, so faint
/// grid or text pixels the inner segmenter half-believes are not followed.
class ConfidentTraceSegmenter final : public ecgdig::Segmenter {
 public:
  ConfidentTraceSegmenter(std::unique_ptr<ecgdig::Segmenter> inner, double threshold)
      : inner_(std::move(inner)), threshold_(threshold) {}

  ecgdig::SegmentationMaps segment(const cv::Mat &bgr) const override {
    ecgdig::SegmentationMaps maps = inner_->segment(bgr);
    cv::threshold(maps.trace, maps.trace, threshold_, 0.0, cv::THRESH_TOZERO);
    return maps;
  }

 private:
  std::unique_ptr<ecgdig::Segmenter> inner_;
  double threshold_;
};

}  // namespace

int main(int argc, char **argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s PAGE\n", argv[0]);
    return 2;
  }
  try {
    // Registered by name, it can be chosen like a built-in stage (also from
    // the C API's ecgdig_pipeline_options.segmenter in this process).
    ecgdig::Registry<ecgdig::Segmenter>::global().add(
        "confident", [](const ecgdig::StageOptions &options) {
          return std::make_unique<ConfidentTraceSegmenter>(
              ecgdig::Registry<ecgdig::Segmenter>::global().create("classical", options),
              options.get_double("trace_threshold", 0.3));
        });
    ecgdig::PipelineOptions options;
    options.segmenter = "confident";
    options.stage_options.set("trace_threshold", "0.4");
    const ecgdig::Pipeline pipeline(options);

    const cv::Mat page = ecgdig::read_image_pages(argv[1]).at(0);
    const ecgdig::Result result = pipeline.run(page);
    const ecgdig::Record record = ecgdig::to_standard_leads(result.record);
    std::printf("segmenter 'confident': layout %s, %.2f px/mm, %zu leads at %.0f Hz\n",
                result.layout.name.c_str(), result.geometry.px_per_mm_x, record.leads.size(),
                record.fs_hz);
    int shown = 0;
    for (const ecgdig::Lead &lead : record.leads) {
      std::size_t finite = 0;
      for (float v : lead.mv) finite += std::isfinite(v) ? 1 : 0;
      shown += finite > 0 ? 1 : 0;
      std::printf("%-4s %5zu of %zu samples on the page\n", lead.name.c_str(), finite,
                  lead.mv.size());
    }
    for (const ecgdig::StageTiming &t : result.diagnostics.timings)
      std::printf("  %-10s %7.1f ms\n", t.stage.c_str(), t.ms);
    return shown == 12 ? 0 : 1;
  } catch (const ecgdig::Error &e) {
    std::fprintf(stderr, "error (%s): %s\n", ecgdig::to_string(e.code()), e.what());
    return 1;
  }
}
