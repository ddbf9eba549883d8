#include "ecgdig/types.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <limits>
#include <set>

#include <fmt/format.h>
#include <opencv2/imgproc.hpp>

#include "ecgdig/error.hpp"

namespace ecgdig {
inline namespace v1 {
namespace {

bool equal_ignore_case(const std::string &a, const std::string &b) {
  return a.size() == b.size() &&
         std::equal(a.begin(), a.end(), b.begin(), [](unsigned char x, unsigned char y) {
           return std::tolower(x) == std::tolower(y);
         });
}

}  // namespace

int standard_lead_index(const std::string &name) {
  for (std::size_t i = 0; i < kStandardLeads.size(); ++i)
    if (equal_ignore_case(name, kStandardLeads[i])) return static_cast<int>(i);
  return -1;
}

std::size_t Record::num_samples() const { return leads.empty() ? 0 : leads.front().mv.size(); }

const Lead *Record::find(const std::string &lead_name) const {
  for (const auto &lead : leads)
    if (equal_ignore_case(lead.name, lead_name)) return &lead;
  return nullptr;
}

void Record::validate() const {
  if (!(fs_hz > 0) || !std::isfinite(fs_hz))
    throw Error(ErrorCode::InvalidArgument,
                fmt::format("record '{}': sampling rate {} Hz is not positive", name, fs_hz));
  std::set<std::string> seen;
  for (const auto &lead : leads) {
    if (lead.name.empty())
      throw Error(ErrorCode::InvalidArgument, fmt::format("record '{}': a lead has no name", name));
    std::string key = lead.name;
    std::transform(key.begin(), key.end(), key.begin(), [](unsigned char c) { return std::tolower(c); });
    if (!seen.insert(key).second)
      throw Error(ErrorCode::InvalidArgument,
                  fmt::format("record '{}': lead '{}' appears twice", name, lead.name));
    if (lead.mv.size() != num_samples())
      throw Error(ErrorCode::InvalidArgument,
                  fmt::format("record '{}': lead '{}' has {} samples, lead '{}' has {}", name,
                              lead.name, lead.mv.size(), leads.front().name, num_samples()));
  }
}

cv::Mat Record::to_matrix() const {
  validate();
  cv::Mat m(static_cast<int>(num_samples()), static_cast<int>(leads.size()), CV_32F);
  for (int c = 0; c < m.cols; ++c)
    for (int r = 0; r < m.rows; ++r) m.at<float>(r, c) = leads[c].mv[r];
  return m;
}

double lead_gain_mm_per_mv(const Layout &layout, const std::string &lead_name) {
  const std::size_t first = !lead_name.empty() && lead_name[0] == '-' ? 1 : 0;
  const bool chest = lead_name.size() > first && (lead_name[first] == 'V' || lead_name[first] == 'v');
  return chest ? layout.chest_gain_mm_per_mv : layout.gain_mm_per_mv;
}

const char *to_string(ScaleSource source) {
  switch (source) {
    case ScaleSource::Grid: return "grid";
    case ScaleSource::CalibrationPulse: return "calibration pulse";
    case ScaleSource::TraceRows: return "trace rows";
    case ScaleSource::PageSize: return "page size";
    case ScaleSource::Assumed: return "assumed";
  }
  return "unknown";
}

const char *to_string(ScaleEvidence evidence) {
  switch (evidence) {
    case ScaleEvidence::Option: return "option";
    case ScaleEvidence::CalibrationPulse: return "calibration pulse";
    case ScaleEvidence::PrintedText: return "printed scale";
    case ScaleEvidence::PageGeometry: return "row length";
    case ScaleEvidence::Assumed: return "assumed";
  }
  return "unknown";
}

cv::Mat rectify(const cv::Mat &image, const Geometry &geometry, int interpolation) {
  if (image.empty()) throw Error(ErrorCode::InvalidArgument, "rectify: empty image");
  cv::Size size = geometry.rectified_size.area() > 0 ? geometry.rectified_size : image.size();
  // Outside the source image is blank paper: white for 8-bit images, zero for
  // maps. Replicating the border would smear grid lines and traces into the
  // corners of a turned page.
  const cv::Scalar blank = image.depth() == CV_8U ? cv::Scalar::all(255) : cv::Scalar::all(0);
  cv::Mat out;
  cv::warpPerspective(image, out, cv::Mat(geometry.page_from_image), size, interpolation,
                      cv::BORDER_CONSTANT, blank);
  return out;
}

}  // namespace v1
}  // namespace ecgdig
