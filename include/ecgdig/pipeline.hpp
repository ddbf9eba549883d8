#pragma once
/// @file
/// The five stages chained: an image in, a Result out.

#include <filesystem>
#include <memory>
#include <string>

#include <opencv2/core.hpp>

#include "ecgdig/export.hpp"
#include "ecgdig/grid_detector.hpp"
#include "ecgdig/lead_layout.hpp"
#include "ecgdig/preprocessor.hpp"
#include "ecgdig/segmenter.hpp"
#include "ecgdig/signal_extractor.hpp"
#include "ecgdig/stage_options.hpp"
#include "ecgdig/types.hpp"

namespace ecgdig {
inline namespace v1 {

/// Which stages to build, by registry name, and their settings.
struct PipelineOptions {
  std::string preprocessor = "standard";
  std::string segmenter = "auto";  ///< "auto": "unet" where its weights are found, else "classical"
  std::string grid_detector = "hough";
  std::string lead_layout = "template";
  std::string signal_extractor = "trace";
  StageOptions stage_options;  ///< handed to every stage; each reads its own keys
  double output_fs_hz = 500.0; ///< sampling rate of the output record
  int num_threads = 0;         ///< threads for OpenCV and models; 0 = all cores
};

/// Runs Preprocessor -> Segmenter -> GridDetector -> LeadLayout ->
/// SignalExtractor and records the time of each. One Pipeline is used by one
/// thread at a time; make one per thread for parallel work.
class ECGDIG_API Pipeline {
 public:
  /// Builds every stage by name; throws Error(InvalidArgument) for an unknown name.
  explicit Pipeline(const PipelineOptions &options = {});
  /// Uses the given stages (any may be user-defined); none may be null.
  Pipeline(std::unique_ptr<Preprocessor> preprocessor, std::unique_ptr<Segmenter> segmenter,
           std::unique_ptr<GridDetector> grid_detector, std::unique_ptr<LeadLayout> lead_layout,
           std::unique_ptr<SignalExtractor> signal_extractor, const PipelineOptions &options = {});
  ~Pipeline();
  Pipeline(Pipeline &&) noexcept;
  Pipeline &operator=(Pipeline &&) noexcept;

  /// Digitizes one decoded page.
  /// @param image CV_8UC1, CV_8UC3 (BGR) or CV_8UC4 (BGRA)
  /// @throws Error naming the stage that failed
  Result run(const cv::Mat &image) const;

  /// The stages, for running or benchmarking one alone.
  const Preprocessor &preprocessor() const;
  const Segmenter &segmenter() const;
  const GridDetector &grid_detector() const;
  const LeadLayout &lead_layout() const;
  const SignalExtractor &signal_extractor() const;
  const PipelineOptions &options() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace v1
}  // namespace ecgdig
