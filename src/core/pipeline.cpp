#include "ecgdig/pipeline.hpp"

#include <chrono>
#include <thread>

#include <fmt/format.h>
#include <opencv2/core.hpp>

#include "ecgdig/error.hpp"
#include "layout/lead_relations.hpp"

namespace ecgdig {
inline namespace v1 {

struct Pipeline::Impl {
  std::unique_ptr<Preprocessor> preprocessor;
  std::unique_ptr<Segmenter> segmenter;
  std::unique_ptr<GridDetector> grid_detector;
  std::unique_ptr<LeadLayout> lead_layout;
  std::unique_ptr<SignalExtractor> signal_extractor;
  PipelineOptions options;
};

namespace {

// Below this a layout template is a guess (template_layout.cpp scores 0..1).
constexpr double kMinLayoutConfidence = 0.1;

// Every stage sees the thread count the pipeline was given, unless the caller
// set one for the stages explicitly.
PipelineOptions with_thread_option(PipelineOptions options) {
  if (options.num_threads < 0)
    throw Error(ErrorCode::InvalidArgument,
                fmt::format("num_threads must be >= 0, got {}", options.num_threads));
  if (!(options.output_fs_hz > 0) || options.output_fs_hz > 100000)
    throw Error(ErrorCode::InvalidArgument,
                fmt::format("output rate must be in (0, 100000] Hz, got {}", options.output_fs_hz));
  if (options.num_threads == 0)
    options.num_threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  if (!options.stage_options.has("num_threads"))
    options.stage_options.set("num_threads", std::to_string(options.num_threads));
  return options;
}

// Runs one stage, adds its time to the diagnostics and prefixes its errors
// with the stage's name so a user knows where a page failed.
template <class F>
auto timed(const char *stage, Diagnostics &diagnostics, F &&fn) -> decltype(fn()) {
  auto start = std::chrono::steady_clock::now();
  try {
    auto out = fn();
    diagnostics.timings.push_back(
        {stage, std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
                    .count()});
    return out;
  } catch (const Error &e) {
    throw Error(e.code(), fmt::format("{}: {}", stage, e.what()));
  } catch (const cv::Exception &e) {
    throw Error(ErrorCode::Internal, fmt::format("{}: OpenCV: {}", stage, e.what()));
  }
}

}  // namespace

Pipeline::Pipeline(const PipelineOptions &options) : impl_(std::make_unique<Impl>()) {
  impl_->options = with_thread_option(options);
  const StageOptions &so = impl_->options.stage_options;
  impl_->preprocessor = Registry<Preprocessor>::global().create(options.preprocessor, so);
  impl_->segmenter = Registry<Segmenter>::global().create(options.segmenter, so);
  impl_->grid_detector = Registry<GridDetector>::global().create(options.grid_detector, so);
  impl_->lead_layout = Registry<LeadLayout>::global().create(options.lead_layout, so);
  impl_->signal_extractor = Registry<SignalExtractor>::global().create(options.signal_extractor, so);
}

Pipeline::Pipeline(std::unique_ptr<Preprocessor> preprocessor, std::unique_ptr<Segmenter> segmenter,
                   std::unique_ptr<GridDetector> grid_detector,
                   std::unique_ptr<LeadLayout> lead_layout,
                   std::unique_ptr<SignalExtractor> signal_extractor,
                   const PipelineOptions &options)
    : impl_(std::make_unique<Impl>()) {
  if (!preprocessor || !segmenter || !grid_detector || !lead_layout || !signal_extractor)
    throw Error(ErrorCode::InvalidArgument, "Pipeline: every stage must be given");
  impl_->options = with_thread_option(options);
  impl_->preprocessor = std::move(preprocessor);
  impl_->segmenter = std::move(segmenter);
  impl_->grid_detector = std::move(grid_detector);
  impl_->lead_layout = std::move(lead_layout);
  impl_->signal_extractor = std::move(signal_extractor);
}

Pipeline::~Pipeline() = default;
Pipeline::Pipeline(Pipeline &&) noexcept = default;
Pipeline &Pipeline::operator=(Pipeline &&) noexcept = default;

Result Pipeline::run(const cv::Mat &image) const {
  if (image.empty()) throw Error(ErrorCode::InvalidArgument, "empty image");
  const Impl &s = *impl_;
  Result result;
  Diagnostics &diag = result.diagnostics;

  PreparedImage prepared = timed("preprocess", diag, [&] { return s.preprocessor->prepare(image); });
  SegmentationMaps maps = timed("segment", diag, [&] { return s.segmenter->segment(prepared.bgr); });
  result.geometry = timed("grid", diag, [&] { return s.grid_detector->detect(prepared.bgr, maps); });
  if (result.geometry.scale_source != ScaleSource::Grid)
    diag.warnings.push_back(
        fmt::format("no grid found; scale from {}", to_string(result.geometry.scale_source)));

  const std::vector<cv::Mat> rectified = rectify({prepared.bgr, maps.trace, maps.grid, maps.text}, result.geometry);
  result.rectified_bgr = rectified[0];
  result.rectified_maps = SegmentationMaps{rectified[1], rectified[2], rectified[3]};
  result.layout = timed("layout", diag, [&] {
    return s.lead_layout->locate(result.rectified_bgr, result.rectified_maps, result.geometry);
  });
  // Speed and gains not measured on a calibration pulse (nor given) are worth a look.
  const Layout &layout = result.layout;
  const auto measured = [](ScaleEvidence e) {
    return e == ScaleEvidence::CalibrationPulse || e == ScaleEvidence::Option;
  };
  if (!measured(layout.speed_evidence) || !measured(layout.gain_evidence) ||
      !measured(layout.chest_gain_evidence))
    diag.warnings.push_back(fmt::format(
        "scale: {} mm/s ({}), {} mm/mV ({}), chest {} mm/mV ({})", layout.paper_speed_mm_s,
        to_string(layout.speed_evidence), layout.gain_mm_per_mv, to_string(layout.gain_evidence),
        layout.chest_gain_mm_per_mv, to_string(layout.chest_gain_evidence)));
  // Noise, photos and texture can still yield "rows"; with neither a measured
  // scale nor a fitting template there is no evidence of an ECG at all.
  const bool scale_measured = result.geometry.scale_source == ScaleSource::Grid ||
                              result.geometry.scale_source == ScaleSource::CalibrationPulse;
  if (!scale_measured && result.layout.confidence < kMinLayoutConfidence)
    throw Error(ErrorCode::NotAnEcg,
                fmt::format("layout: no grid, no calibration pulse and no layout template fits "
                            "(best {} at confidence {:.2f}); this does not look like an ECG page",
                            result.layout.name, result.layout.confidence));
  result.record = timed("extract", diag, [&] {
    const auto extract = [&](Layout &l) {
      return s.signal_extractor->extract(result.rectified_maps, result.geometry, l, s.options.output_fs_hz);
    };
    Record record = extract(result.layout);
    // Names left unread: of the layouts with these panels, the one whose limb leads keep their relations.
    if (result.layout.name_evidence == NameEvidence::Assumed)
      detail::rename_by_lead_relations(result.layout, record, extract);
    return record;
  });
  if (result.layout.name_evidence == NameEvidence::Assumed)
    diag.warnings.push_back(fmt::format("lead names: none read; layout {} assumed", result.layout.name));
  return result;
}

const Preprocessor &Pipeline::preprocessor() const { return *impl_->preprocessor; }
const Segmenter &Pipeline::segmenter() const { return *impl_->segmenter; }
const GridDetector &Pipeline::grid_detector() const { return *impl_->grid_detector; }
const LeadLayout &Pipeline::lead_layout() const { return *impl_->lead_layout; }
const SignalExtractor &Pipeline::signal_extractor() const { return *impl_->signal_extractor; }
const PipelineOptions &Pipeline::options() const { return impl_->options; }

}  // namespace v1
}  // namespace ecgdig
