#include "ecgdig/types.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <limits>
#include <set>

#include <fmt/format.h>
#include <opencv2/core/utility.hpp>
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

namespace {

// The bend at a rectified point, bilinear between its samples (clamped at the edges).
cv::Vec2d bend_at(const Geometry &g, double x, double y) {
  const cv::Mat &b = g.bend_px;
  const double fx = std::clamp(x / g.bend_step_px, 0.0, b.cols - 1.0);
  const double fy = std::clamp(y / g.bend_step_px, 0.0, b.rows - 1.0);
  const int j = std::min(static_cast<int>(fx), std::max(0, b.cols - 2));
  const int i = std::min(static_cast<int>(fy), std::max(0, b.rows - 2));
  const int j1 = std::min(j + 1, b.cols - 1), i1 = std::min(i + 1, b.rows - 1);
  const double tx = fx - j, ty = fy - i;
  const cv::Vec2f &a00 = b.at<cv::Vec2f>(i, j), &a01 = b.at<cv::Vec2f>(i, j1);
  const cv::Vec2f &a10 = b.at<cv::Vec2f>(i1, j), &a11 = b.at<cv::Vec2f>(i1, j1);
  cv::Vec2d out;
  for (int c = 0; c < 2; ++c)
    out[c] = (1 - ty) * ((1 - tx) * a00[c] + tx * a01[c]) + ty * ((1 - tx) * a10[c] + tx * a11[c]);
  return out;
}

bool bent(const Geometry &g) {
  return !g.bend_px.empty() && g.bend_px.type() == CV_32FC2 && g.bend_step_px > 0;
}

cv::Point2d apply(const cv::Matx33d &h, double x, double y) {
  const cv::Vec3d v = h * cv::Vec3d(x, y, 1);
  return {v[0] / v[2], v[1] / v[2]};
}

}  // namespace

cv::Point2d image_point(const Geometry &geometry, cv::Point2d page_px) {
  if (bent(geometry)) {
    const cv::Vec2d d = bend_at(geometry, page_px.x, page_px.y);
    page_px += cv::Point2d(d[0], d[1]);
  }
  return apply(geometry.page_from_image.inv(), page_px.x, page_px.y);
}

cv::Point2d page_point(const Geometry &geometry, cv::Point2d image_px) {
  const cv::Point2d flat = apply(geometry.page_from_image, image_px.x, image_px.y);
  if (!bent(geometry)) return flat;
  // The bend changes slowly (far less than a pixel per pixel), so
  // p = flat - bend(p) converges in a few steps.
  cv::Point2d p = flat;
  for (int it = 0; it < 20; ++it) {
    const cv::Vec2d d = bend_at(geometry, p.x, p.y);
    const cv::Point2d next(flat.x - d[0], flat.y - d[1]);
    const bool settled = std::abs(next.x - p.x) + std::abs(next.y - p.y) < 1e-4;
    p = next;
    if (settled) break;
  }
  return p;
}

cv::Mat rectify(const cv::Mat &image, const Geometry &geometry, int interpolation) {
  if (image.empty()) throw Error(ErrorCode::InvalidArgument, "rectify: empty image");
  cv::Size size = geometry.rectified_size.area() > 0 ? geometry.rectified_size : image.size();
  // Outside the source image is blank paper: white for 8-bit images, zero for
  // maps. Replicating the border would smear grid lines and traces into the
  // corners of a turned page.
  const cv::Scalar blank = image.depth() == CV_8U ? cv::Scalar::all(255) : cv::Scalar::all(0);
  cv::Mat out;
  if (!bent(geometry)) {
    cv::warpPerspective(image, out, cv::Mat(geometry.page_from_image), size, interpolation,
                        cv::BORDER_CONSTANT, blank);
    return out;
  }
  // One source position per rectified pixel: bend, then the inverse homography.
  const cv::Matx33d inv = geometry.page_from_image.inv();
  cv::Mat map(size, CV_32FC2);
  cv::parallel_for_(cv::Range(0, size.height), [&](const cv::Range &rows) {
    for (int y = rows.start; y < rows.end; ++y) {
      cv::Vec2f *row = map.ptr<cv::Vec2f>(y);
      for (int x = 0; x < size.width; ++x) {
        const cv::Vec2d d = bend_at(geometry, x, y);
        const cv::Point2d s = apply(inv, x + d[0], y + d[1]);
        row[x] = cv::Vec2f(static_cast<float>(s.x), static_cast<float>(s.y));
      }
    }
  });
  cv::remap(image, out, map, cv::noArray(), interpolation, cv::BORDER_CONSTANT, blank);
  return out;
}

}  // namespace v1
}  // namespace ecgdig
