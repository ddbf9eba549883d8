#pragma once
/// @file
/// Synthetic ECG pages with exact ground truth, and the degradations of real
/// scans and photos. Feeds training, tests and benchmarks.

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include <opencv2/core.hpp>

#include "ecgdig/export.hpp"
#include "ecgdig/types.hpp"

namespace ecgdig {
inline namespace v1 {

/// Settings of the built-in synthetic 12-lead ECG generator.
struct SynthOptions {
  double fs_hz = 500.0;       ///< sampling rate of the generated record
  double duration_s = 10.0;   ///< length of the generated record
  double heart_rate_bpm = 0;  ///< 0 = drawn at random (40-150)
};

/// A random but physiologically plausible 12-lead ECG (a dynamical model in
/// the manner of ECGSYN, projected to 12 leads) with varied rate, rhythm
/// irregularity, axis, amplitudes, baseline wander and noise. Deterministic per seed.
ECGDIG_API Record synthesize_ecg(const SynthOptions &options, std::uint64_t seed);

/// How a page looks. Every field has a sensible default; random_page_style()
/// draws a varied one.
struct PageStyle {
  std::string layout = "3x4+1";    ///< see page_layout_names()
  double paper_speed_mm_s = 25;    ///< 25 or 50
  double limb_gain_mm_per_mv = 10; ///< 5, 10 or 20
  double chest_gain_mm_per_mv = 10;///< 5, 10 or 20
  double dpi = 200;                ///< 72..600
  double page_width_mm = 279.4;    ///< letter landscape by default
  double page_height_mm = 215.9;
  bool calibration_pulse = true;   ///< a 1 mV pulse at the start of each row
  bool grid = true;                ///< draw the millimetre grid
  bool lead_labels = true;         ///< print the lead names
  bool header_text = true;         ///< patient / measurement lines and footer
  bool separators = true;          ///< short bars between panels
  cv::Scalar grid_major_bgr{0, 0, 255};   ///< colour of the 5 mm lines
  cv::Scalar grid_minor_bgr{200, 200, 255};///< colour of the 1 mm lines
  cv::Scalar trace_bgr{0, 0, 0};   ///< colour of the trace
  double trace_width_mm = 0.25;    ///< line thickness
  std::uint64_t seed = 0;          ///< drives the remaining small choices (fonts, text)
  cv::Scalar paper_bgr{255, 255, 255};  ///< colour of the paper
  /// Where panels go: "standard" (margins, header and rows fitted to the page)
  /// or "ecg-image-kit" (the row baselines and x0 of ecg-image-kit's letter page;
  /// layouts "3x4" and "3x4+1" at 25 mm/s only).
  std::string geometry = "standard";
};

/// The look of ecg-image-kit's clean pages (PhysioNet Challenge 2024): letter
/// landscape at 200 dpi (2200 x 1700 px), 3x4+1 with a lead-II rhythm strip,
/// red grid, x0 = 10 mm without and 15 mm with the calibration pulse.
ECGDIG_API PageStyle ecg_image_kit_page_style(bool calibration_pulse = false);

/// Names of the page layouts: "3x4", "3x4+1", "3x4+3", "6x2", "6x2+1", "12x1",
/// "6x1-limb", "6x1-chest", "3x4-cabrera".
ECGDIG_API std::vector<std::string> page_layout_names();

/// A varied style (layout, speed, gain, DPI, colours, fonts...) drawn from `seed`.
ECGDIG_API PageStyle random_page_style(std::uint64_t seed);

/// Truth of one drawn panel.
struct LeadTruth {
  std::string name;                 ///< printed lead name; "-aVR" (drawn inverted) on Cabrera pages
  cv::Rect2d box_px;                ///< panel on the page (before degradation)
  double baseline_y_px = 0;         ///< y of 0 mV (before degradation)
  double t_start_s = 0;             ///< recording time at the panel's left edge
  double duration_s = 0;            ///< time span shown
  std::size_t first_sample = 0;     ///< index in the record of path_px[0]
  /// Sub-pixel position of every drawn sample, in the final image, pixel
  /// centres at integer coordinates; y is NaN where the sample is NaN.
  std::vector<cv::Point2f> path_px;
};

/// A rendered page and everything known about it.
struct RenderedPage {
  cv::Mat bgr;          ///< CV_8UC3 page image (after degradation, if any)
  cv::Mat trace_mask;   ///< CV_8UC1, 255 where the trace is drawn
  cv::Mat grid_mask;    ///< CV_8UC1, 255 where grid lines are
  cv::Mat text_mask;    ///< CV_8UC1, 255 on labels, header, footer and separators
  std::vector<LeadTruth> leads;  ///< one per panel
  Record truth;         ///< the 12 leads as shown (NaN outside the panels), at the source rate
  std::string layout;   ///< layout name
  PageStyle style;      ///< the style it was drawn with
  double px_per_mm = 0; ///< scale of the undegraded page
  /// Maps undegraded page px to final image px when the degradations were a
  /// pure homography; identity when none was applied. Non-linear warps are
  /// already applied to path_px and the masks.
  cv::Matx33d image_from_page = cv::Matx33d::eye();
  std::vector<std::string> degradations;  ///< what was applied, in order
};

/// Draws `record` on a page: the first 10 s at most, each panel showing the
/// samples of its time window. Safe to call from several threads at once.
/// @throws Error(InvalidArgument) on an unknown layout, DPI outside 72..600,
/// non-positive gain or speed, or a record without the layout's leads.
ECGDIG_API RenderedPage render_page(const Record &record, const PageStyle &style);

/// Strength of each degradation; 0 disables it. Ranges are sampled per seed.
struct DegradeOptions {
  double max_rotation_deg = 0;     ///< uniform in ±max
  double perspective = 0;          ///< corner jitter as a fraction of the page size
  double curl = 0;                 ///< smooth paper curl amplitude, fraction of height
  int creases = 0;                 ///< up to this many crease / fold lines
  double blur_sigma_px = 0;        ///< defocus / motion blur, up to
  double noise_sigma = 0;          ///< sensor noise (0..255 scale), up to
  int jpeg_quality_min = 0;        ///< 0 = no JPEG; otherwise quality in [min, 95]
  double illumination = 0;         ///< uneven light and shadows, 0..1
  double colour_cast = 0;          ///< white-balance shift, 0..1
  int stains = 0;                  ///< up to this many stains / scribbles
  double bw_probability = 0;       ///< chance of a black-and-white photocopy
  double low_dpi_probability = 0;  ///< chance of down- then up-sampling
  double crop = 0;                 ///< margin cut / skew, fraction of the page
  double background = 0;           ///< chance of a table / hand around the page
};

/// The named ladder: "none", "light", "heavy", "photo" (plus "bw", "rotated", "crease").
ECGDIG_API DegradeOptions degrade_preset(const std::string &name);
/// Names accepted by degrade_preset().
ECGDIG_API std::vector<std::string> degrade_preset_names();

/// Applies the degradations to the image, the masks and the truth paths
/// together, so the truth stays exact. Deterministic per seed.
ECGDIG_API void degrade(RenderedPage &page, const DegradeOptions &options, std::uint64_t seed);

/// Writes STEM.png, STEM_trace.png, STEM_grid.png, STEM_text.png, STEM.json
/// (truth: leads, paths, boxes, scale, layout, transform) and the truth record
/// (WFDB STEM.hea/.dat) into `dir`.
ECGDIG_API void save_rendered_page(const RenderedPage &page, const std::filesystem::path &dir,
                                   const std::string &stem);

}  // namespace v1
}  // namespace ecgdig
