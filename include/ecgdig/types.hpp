#pragma once
/// @file
/// Value types that carry data between the stages.

#include <array>
#include <cstddef>
#include <string>
#include <vector>

#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>

#include "ecgdig/export.hpp"

namespace ecgdig {
inline namespace v1 {

/// The twelve standard leads in their conventional order.
inline constexpr std::array<const char *, 12> kStandardLeads = {
    "I", "II", "III", "aVR", "aVL", "aVF", "V1", "V2", "V3", "V4", "V5", "V6"};

/// Index of `name` in kStandardLeads, comparing without regard to case
/// ("AVR" == "aVR"); -1 when it is not a standard lead.
ECGDIG_API int standard_lead_index(const std::string &name);

/// One lead: samples in millivolts at the record's rate. Samples the page
/// does not show are NaN (never zero), so they are not scored.
struct Lead {
  std::string name;          ///< e.g. "II", "aVR", "V1"
  std::vector<float> mv;     ///< millivolts; NaN where unknown
  double confidence = 1.0;   ///< 0..1; 1 for recorded (not digitized) data
};

/// A multi-lead recording; every lead has the same number of samples.
struct ECGDIG_API Record {
  std::string name;           ///< record name (WFDB base name)
  double fs_hz = 500.0;       ///< sampling rate in Hz
  std::vector<Lead> leads;    ///< in file order

  /// Samples per lead (0 when there are no leads).
  std::size_t num_samples() const;
  /// Duration in seconds.
  double duration_s() const { return fs_hz > 0 ? double(num_samples()) / fs_hz : 0.0; }
  /// The lead called `name` (case-insensitive), or nullptr.
  const Lead *find(const std::string &name) const;
  /// Throws Error(InvalidArgument) unless fs > 0, lead names are unique and
  /// non-empty, and all leads have equal length.
  void validate() const;
  /// Leads as a num_samples x num_leads CV_32F matrix (NaN kept).
  cv::Mat to_matrix() const;
};

/// Per-class probability maps in [0, 1], CV_32FC1, all of the image's size.
/// Background is what the other three leave: 1 - trace - grid - text.
struct SegmentationMaps {
  cv::Mat trace;  ///< the ECG signal line
  cv::Mat grid;   ///< printed millimetre grid
  cv::Mat text;   ///< lead names, header and footer text, calibration marks
};

/// Where the scale (pixels per millimetre) came from.
enum class ScaleSource {
  Grid,              ///< period of the printed grid
  CalibrationPulse,  ///< height/width of the 1 mV calibration pulse
  TraceRows,         ///< spacing of the trace rows
  PageSize,          ///< the page's physical size (letter/A4)
  Assumed,           ///< nothing measurable; a default DPI was assumed
};

/// Short name of a scale source, e.g. "grid".
ECGDIG_API const char *to_string(ScaleSource source);

/// How the working image maps to the upright, rectified page and how large a
/// millimetre of paper is on that page.
struct Geometry {
  cv::Matx33d page_from_image = cv::Matx33d::eye();  ///< homography: working image px -> rectified px
  cv::Size rectified_size;                           ///< size of the rectified page in px
  double px_per_mm_x = 0.0;                          ///< rectified px per mm of paper, horizontal
  double px_per_mm_y = 0.0;                          ///< rectified px per mm of paper, vertical
  double rotation_deg = 0.0;                         ///< rotation that was removed (counter-clockwise +)
  double confidence = 0.0;                           ///< 0..1
  ScaleSource scale_source = ScaleSource::Grid;      ///< what gave px_per_mm
  /// The paper's bend (curl) that the homography leaves: CV_32FC2 offsets
  /// sampled every bend_step_px on the rectified page (sample (row i, col j)
  /// at x = j * step, y = i * step, bilinear in between; at least 2 x 2
  /// samples, covering the page). The rectified pixel p shows the
  /// homography's pixel p + bend(p). Empty when the paper lies flat.
  cv::Mat bend_px;
  double bend_step_px = 0;  ///< spacing of the bend_px samples in rectified px
};

/// Where the rectified page's point `page_px` lies in the working image.
ECGDIG_API cv::Point2d image_point(const Geometry &geometry, cv::Point2d page_px);

/// Where the working image's point `image_px` lies on the rectified page
/// (the inverse of image_point; the bend is undone by fixed-point iteration).
ECGDIG_API cv::Point2d page_point(const Geometry &geometry, cv::Point2d image_px);

/// Warps a working-size image or map onto the rectified page (homography,
/// then bend). Areas outside the source are white for 8-bit images and 0 for maps.
/// @param image any cv::Mat of the working image's size
/// @param interpolation cv::INTER_LINEAR for images and maps, cv::INTER_NEAREST for labels
ECGDIG_API cv::Mat rectify(const cv::Mat &image, const Geometry &geometry,
                           int interpolation = cv::INTER_LINEAR);

/// rectify() for several images of one size (a page and its maps): a bent
/// page's pixel map is worked out once for all of them.
ECGDIG_API std::vector<cv::Mat> rectify(const std::vector<cv::Mat> &images, const Geometry &geometry,
                                        int interpolation = cv::INTER_LINEAR);

/// One lead's panel on the rectified page.
struct LeadBox {
  std::string name;           ///< lead name ("II", "V1", ...)
  cv::Rect2d box_px;          ///< panel on the rectified page; box_px.x is time t_start_s
  double baseline_y_px = 0;   ///< y of 0 mV on the rectified page
  double t_start_s = 0;       ///< recording time at box_px.x
  double duration_s = 0;      ///< time span of the panel
};

/// What a layout's paper speed or gain was taken from, most trusted first.
enum class ScaleEvidence {
  Option,            ///< given by the caller (stage options)
  CalibrationPulse,  ///< the 1 mV, 0.2 s calibration pulse at a row's start
  PrintedText,       ///< the scale printed on the page ("25 mm/s", "10 mm/mV")
  PageGeometry,      ///< the row length: a 12-lead page shows 10 s
  Assumed,           ///< nothing on the page told; 25 mm/s and 10 mm/mV
};

/// Short name of a scale evidence, e.g. "calibration pulse".
ECGDIG_API const char *to_string(ScaleEvidence evidence);

/// What a layout's lead names were taken from.
enum class NameEvidence {
  Option,         ///< the layout was given by the caller (stage options)
  PrintedNames,   ///< lead names printed on the page
  LeadRelations,  ///< the limb leads' fixed relations (II = I + III, aVR + aVL + aVF = 0) in the traces
  Assumed,        ///< nothing told; the most common layout of the panels found
};

/// Short name of a name evidence, e.g. "printed names".
ECGDIG_API const char *to_string(NameEvidence evidence);

/// Which lead is where on the page.
struct Layout {
  std::string name;               ///< template name, e.g. "3x4+1", "6x2", "12x1"
  double paper_speed_mm_s = 25;   ///< 25 or 50
  double gain_mm_per_mv = 10;     ///< 5, 10 or 20 (limb leads; see chest_gain_mm_per_mv)
  double chest_gain_mm_per_mv = 10;  ///< gain of V1-V6 when printed with a split gain
  std::vector<LeadBox> leads;     ///< one per panel (a lead may appear twice: rhythm strip)
  double confidence = 0;          ///< 0..1
  ScaleEvidence speed_evidence = ScaleEvidence::Assumed;       ///< source of paper_speed_mm_s
  ScaleEvidence gain_evidence = ScaleEvidence::Assumed;        ///< source of gain_mm_per_mv
  ScaleEvidence chest_gain_evidence = ScaleEvidence::Assumed;  ///< source of chest_gain_mm_per_mv
  NameEvidence name_evidence = NameEvidence::Assumed;         ///< source of the leads' names
};

/// The gain a lead is printed at: chest leads (names starting with V, also
/// when printed inverted as "-V...") use the layout's chest gain.
ECGDIG_API double lead_gain_mm_per_mv(const Layout &layout, const std::string &lead_name);

/// Time spent in one stage.
struct StageTiming {
  std::string stage;  ///< "preprocess", "segment", "grid", "layout", "extract"
  double ms = 0;      ///< wall-clock milliseconds
};

/// What happened on the way, for people checking a result.
struct Diagnostics {
  std::vector<StageTiming> timings;   ///< in pipeline order
  std::vector<std::string> warnings;  ///< e.g. "no grid found; scale from calibration pulse"
};

/// Everything the pipeline found on one page.
struct Result {
  Record record;            ///< the digitized leads, in mV
  Layout layout;            ///< lead panels on the rectified page
  Geometry geometry;        ///< rectification and scale
  Diagnostics diagnostics;  ///< timings and warnings
  cv::Mat rectified_bgr;    ///< the upright page (CV_8UC3), for overlays
  SegmentationMaps rectified_maps;  ///< maps on the rectified page
};

}  // namespace v1
}  // namespace ecgdig
