#include "ecgdig/types.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <limits>
#include <set>

#include <fmt/format.h>
#include <opencv2/core/utility.hpp>
#include <opencv2/imgproc.hpp>

#include "core/homography.hpp"
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

const char *to_string(NameEvidence evidence) {
  switch (evidence) {
    case NameEvidence::Option: return "option";
    case NameEvidence::PrintedNames: return "printed names";
    case NameEvidence::LeadRelations: return "lead relations";
    case NameEvidence::Assumed: return "assumed";
  }
  return "unknown";
}

namespace {

// True for a geometry with a bend; throws on a malformed one.
bool bent(const Geometry &g) {
  if (g.bend_px.empty()) return false;
  if (g.bend_px.type() != CV_32FC2 || g.bend_px.rows < 2 || g.bend_px.cols < 2 ||
      !(g.bend_step_px > 0) || !std::isfinite(g.bend_step_px))
    throw Error(ErrorCode::InvalidArgument,
                fmt::format("geometry: bend_px must be CV_32FC2 with at least 2 x 2 samples and bend_step_px "
                            "positive, got type {} {} x {} step {}",
                            g.bend_px.type(), g.bend_px.cols, g.bend_px.rows, g.bend_step_px));
  return true;
}

// The bend at a rectified point, bilinear between its samples (held at the edges).
cv::Vec2d bend_at(const Geometry &g, double x, double y) {
  const cv::Mat &b = g.bend_px;
  const double fx = std::clamp(x / g.bend_step_px, 0.0, b.cols - 1.0);
  const double fy = std::clamp(y / g.bend_step_px, 0.0, b.rows - 1.0);
  const int j = std::min(static_cast<int>(fx), b.cols - 2), i = std::min(static_cast<int>(fy), b.rows - 2);
  const double tx = fx - j, ty = fy - i;
  const cv::Vec2f &a00 = b.at<cv::Vec2f>(i, j), &a01 = b.at<cv::Vec2f>(i, j + 1);
  const cv::Vec2f &a10 = b.at<cv::Vec2f>(i + 1, j), &a11 = b.at<cv::Vec2f>(i + 1, j + 1);
  cv::Vec2d out;
  for (int c = 0; c < 2; ++c)
    out[c] = (1 - ty) * ((1 - tx) * a00[c] + tx * a01[c]) + ty * ((1 - tx) * a10[c] + tx * a11[c]);
  return out;
}

}  // namespace

cv::Point2d image_point(const Geometry &geometry, cv::Point2d page_px) {
  if (bent(geometry)) {
    const cv::Vec2d d = bend_at(geometry, page_px.x, page_px.y);
    page_px += cv::Point2d(d[0], d[1]);
  }
  return detail::apply_homography(geometry.page_from_image.inv(), page_px);
}

cv::Point2d page_point(const Geometry &geometry, cv::Point2d image_px) {
  const cv::Point2d flat = detail::apply_homography(geometry.page_from_image, image_px);
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

namespace {

// Where each rectified pixel comes from in the working image (bend, then the
// inverse homography), in OpenCV's fixed-point form for a fast remap.
struct SourceMap {
  cv::Mat xy, fraction;  // fraction: empty for nearest-neighbour sampling
};

SourceMap source_map(const Geometry &g, cv::Size size, int interpolation) {
  // The whole map is as smooth as the bend: exact at the bend's samples,
  // bilinear in between (a homography bends less than 0.01 px over a cell).
  const double step = g.bend_step_px;
  const cv::Matx33d h = g.page_from_image.inv();
  cv::Mat coarse(g.bend_px.size(), CV_32FC2);
  for (int i = 0; i < coarse.rows; ++i)
    for (int j = 0; j < coarse.cols; ++j) {
      const cv::Vec2f b = g.bend_px.at<cv::Vec2f>(i, j);
      const cv::Point2d s = detail::apply_homography(h, {j * step + b[0], i * step + b[1]});
      coarse.at<cv::Vec2f>(i, j) = cv::Vec2f(static_cast<float>(s.x), static_cast<float>(s.y));
    }
  cv::Mat map(size, CV_32FC2);
  cv::parallel_for_(cv::Range(0, size.height), [&](const cv::Range &rows) {
    std::vector<cv::Vec2f> across(static_cast<std::size_t>(coarse.cols));
    for (int y = rows.start; y < rows.end; ++y) {
      const int i = std::min(static_cast<int>(y / step), coarse.rows - 2);
      const float ty = static_cast<float>(y / step - i);
      const cv::Vec2f *above = coarse.ptr<cv::Vec2f>(i), *below = coarse.ptr<cv::Vec2f>(i + 1);
      for (int j = 0; j < coarse.cols; ++j) across[j] = above[j] + ty * (below[j] - above[j]);
      cv::Vec2f *m = map.ptr<cv::Vec2f>(y);
      for (int x = 0; x < size.width; ++x) {
        const int j = std::min(static_cast<int>(x / step), coarse.cols - 2);
        const float tx = static_cast<float>(x / step - j);
        m[x] = across[j] + tx * (across[j + 1] - across[j]);
      }
    }
  });
  SourceMap out;
  if (interpolation == cv::INTER_NEAREST)
    cv::convertMaps(map, cv::noArray(), out.xy, cv::noArray(), CV_16SC2, true);
  else
    cv::convertMaps(map, cv::noArray(), out.xy, out.fraction, CV_16SC2);
  return out;
}

// Outside the source image is blank paper: white for 8-bit images, zero for
// maps. Replicating the border would smear grid lines and traces into the
// corners of a turned page.
cv::Scalar blank(const cv::Mat &image) {
  return image.depth() == CV_8U ? cv::Scalar::all(255) : cv::Scalar::all(0);
}

}  // namespace

std::vector<cv::Mat> rectify(const std::vector<cv::Mat> &images, const Geometry &geometry, int interpolation) {
  std::vector<cv::Mat> out(images.size());
  if (images.empty()) return out;
  for (const cv::Mat &image : images) {
    if (image.empty()) throw Error(ErrorCode::InvalidArgument, "rectify: empty image");
    if (image.size() != images.front().size())
      throw Error(ErrorCode::InvalidArgument, "rectify: the images differ in size");
  }
  const cv::Size size = geometry.rectified_size.area() > 0 ? geometry.rectified_size : images.front().size();
  if (!bent(geometry)) {
    for (std::size_t k = 0; k < images.size(); ++k)
      cv::warpPerspective(images[k], out[k], cv::Mat(geometry.page_from_image), size, interpolation,
                          cv::BORDER_CONSTANT, blank(images[k]));
    return out;
  }
  if ((geometry.bend_px.cols - 1) * geometry.bend_step_px < size.width - 1 ||
      (geometry.bend_px.rows - 1) * geometry.bend_step_px < size.height - 1)
    throw Error(ErrorCode::InvalidArgument,
                fmt::format("rectify: the bend's {} x {} samples every {} px do not cover the {} x {} page",
                            geometry.bend_px.cols, geometry.bend_px.rows, geometry.bend_step_px, size.width,
                            size.height));
  const SourceMap map = source_map(geometry, size, interpolation);
  for (std::size_t k = 0; k < images.size(); ++k)
    cv::remap(images[k], out[k], map.xy, map.fraction, interpolation, cv::BORDER_CONSTANT, blank(images[k]));
  return out;
}

cv::Mat rectify(const cv::Mat &image, const Geometry &geometry, int interpolation) {
  return rectify(std::vector<cv::Mat>{image}, geometry, interpolation).front();
}

}  // namespace v1
}  // namespace ecgdig
