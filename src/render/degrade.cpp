// degrade(): the presets, the checks, and the order in which paper, copier,
// camera geometry, light, lens, sensor and codec act on a rendered page.

#include <algorithm>
#include <cmath>
#include <map>

#include <fmt/format.h>
#include <opencv2/imgproc.hpp>

#include "core/homography.hpp"
#include "ecgdig/error.hpp"
#include "ecgdig/render.hpp"
#include "render/degrade_ops.hpp"

namespace ecgdig {
inline namespace v1 {

namespace {

using namespace degrade_detail;

// Independent random streams, one per step.
enum Stream : std::uint64_t {
  kRotation = 1, kPerspective, kFraming, kCrop, kCurl, kCreases,
  kStains = 10, kCopy, kBackground, kLight, kBlur, kLowDpi, kNoise, kJpeg,
};

const std::map<std::string, DegradeOptions> &presets() {
  static const std::map<std::string, DegradeOptions> kPresets = [] {
    std::map<std::string, DegradeOptions> p;
    p["none"] = {};

    DegradeOptions light;
    light.max_rotation_deg = 2;
    light.blur_sigma_px = 1.0;
    light.noise_sigma = 4;
    light.jpeg_quality_min = 70;
    light.illumination = 0.15;
    light.colour_cast = 0.1;
    p["light"] = light;

    DegradeOptions heavy;
    heavy.max_rotation_deg = 8;
    heavy.perspective = 0.04;
    heavy.creases = 3;
    heavy.blur_sigma_px = 2.5;
    heavy.noise_sigma = 14;
    heavy.jpeg_quality_min = 30;
    heavy.illumination = 0.6;
    heavy.colour_cast = 0.4;
    heavy.stains = 5;
    heavy.bw_probability = 0.25;
    heavy.low_dpi_probability = 0.25;
    heavy.crop = 0.03;
    p["heavy"] = heavy;

    DegradeOptions photo;
    photo.max_rotation_deg = 4;
    photo.perspective = 0.08;
    photo.curl = 0.02;
    photo.blur_sigma_px = 2.0;
    photo.noise_sigma = 8;
    photo.jpeg_quality_min = 40;
    photo.illumination = 0.8;
    photo.colour_cast = 0.4;
    photo.background = 0.8;
    p["photo"] = photo;

    DegradeOptions bw;
    bw.bw_probability = 1;
    bw.max_rotation_deg = 1;
    bw.blur_sigma_px = 0.7;
    bw.noise_sigma = 4;
    p["bw"] = bw;

    DegradeOptions rotated;
    rotated.max_rotation_deg = 8;
    p["rotated"] = rotated;

    DegradeOptions crease;
    crease.creases = 4;
    p["crease"] = crease;
    return p;
  }();
  return kPresets;
}

void check_range(double value, double lo, double hi, const char *field) {
  if (!std::isfinite(value) || value < lo || value > hi)
    throw Error(ErrorCode::InvalidArgument,
                fmt::format("degrade: DegradeOptions::{} must be in [{}, {}], got {}", field, lo, hi, value));
}

void check_options(const DegradeOptions &o) {
  check_range(o.max_rotation_deg, 0, 45, "max_rotation_deg");
  check_range(o.perspective, 0, 0.25, "perspective");
  check_range(o.curl, 0, 0.1, "curl");
  check_range(o.creases, 0, 64, "creases");
  check_range(o.blur_sigma_px, 0, 50, "blur_sigma_px");
  check_range(o.noise_sigma, 0, 255, "noise_sigma");
  check_range(o.jpeg_quality_min, 0, 100, "jpeg_quality_min");
  check_range(o.illumination, 0, 1, "illumination");
  check_range(o.colour_cast, 0, 1, "colour_cast");
  check_range(o.stains, 0, 256, "stains");
  check_range(o.bw_probability, 0, 1, "bw_probability");
  check_range(o.low_dpi_probability, 0, 1, "low_dpi_probability");
  check_range(o.crop, 0, 0.4, "crop");
  check_range(o.background, 0, 1, "background");
}

void check_page(const RenderedPage &page) {
  if (page.bgr.empty() || page.bgr.type() != CV_8UC3)
    throw Error(ErrorCode::InvalidArgument, "degrade: RenderedPage::bgr must be a non-empty CV_8UC3 image");
  if (page.bgr.cols < 32 || page.bgr.rows < 32)
    throw Error(ErrorCode::InvalidArgument,
                fmt::format("degrade: RenderedPage::bgr is {}x{} px, at least 32x32 is needed", page.bgr.cols,
                            page.bgr.rows));
  const std::pair<const cv::Mat *, const char *> masks[] = {
      {&page.trace_mask, "trace_mask"}, {&page.grid_mask, "grid_mask"}, {&page.text_mask, "text_mask"}};
  for (const auto &[mask, name] : masks) {
    if (!mask->empty() && (mask->type() != CV_8UC1 || mask->size() != page.bgr.size()))
      throw Error(ErrorCode::InvalidArgument,
                  fmt::format("degrade: RenderedPage::{} must be empty or CV_8UC1 of the image's size", name));
  }
}

// All three masks in one byte per pixel, so one lookup warps them together.
cv::Mat pack_labels(const RenderedPage &page) {
  cv::Mat labels(page.bgr.size(), CV_8UC1);
  const cv::Mat none = cv::Mat::zeros(page.bgr.size(), CV_8UC1);
  const cv::Mat &trace = page.trace_mask.empty() ? none : page.trace_mask;
  const cv::Mat &grid = page.grid_mask.empty() ? none : page.grid_mask;
  const cv::Mat &text = page.text_mask.empty() ? none : page.text_mask;
  for (int y = 0; y < labels.rows; ++y) {
    const auto *t = trace.ptr<std::uint8_t>(y);
    const auto *g = grid.ptr<std::uint8_t>(y);
    const auto *x = text.ptr<std::uint8_t>(y);
    auto *l = labels.ptr<std::uint8_t>(y);
    for (int i = 0; i < labels.cols; ++i)
      l[i] = std::uint8_t(kPageBit | (t[i] != 0) * kTraceBit | (g[i] != 0) * kGridBit | (x[i] != 0) * kTextBit);
  }
  return labels;
}

void unpack_labels(const cv::Mat &labels, RenderedPage &page) {
  // Fresh buffers: the caller's copies of the page may share the old ones.
  cv::Mat trace(labels.size(), CV_8UC1), grid(labels.size(), CV_8UC1), text(labels.size(), CV_8UC1);
  for (int y = 0; y < labels.rows; ++y) {
    const auto *l = labels.ptr<std::uint8_t>(y);
    auto *t = trace.ptr<std::uint8_t>(y);
    auto *g = grid.ptr<std::uint8_t>(y);
    auto *x = text.ptr<std::uint8_t>(y);
    for (int i = 0; i < labels.cols; ++i) {
      // 0 - bit is 0 or all ones: branch-free, so the loop vectorises.
      t[i] = std::uint8_t(0 - (l[i] & kTraceBit));
      g[i] = std::uint8_t(0 - ((l[i] & kGridBit) >> 1));
      x[i] = std::uint8_t(0 - ((l[i] & kTextBit) >> 2));
    }
  }
  page.trace_mask = trace;
  page.grid_mask = grid;
  page.text_mask = text;
}

cv::Matx33d rotation_about(const cv::Point2d &centre, double angle_deg) {
  const cv::Mat r = cv::getRotationMatrix2D(centre, angle_deg, 1.0);
  return {r.at<double>(0, 0), r.at<double>(0, 1), r.at<double>(0, 2),
          r.at<double>(1, 0), r.at<double>(1, 1), r.at<double>(1, 2), 0, 0, 1};
}

// Draws the whole geometric change from the options; records what it chose.
Warp draw_warp(const DegradeOptions &o, const cv::Size &size, std::uint64_t seed, bool &table,
               std::vector<std::string> &log) {
  Warp warp;
  warp.page_size = size;
  warp.out_size = size;
  warp.centre = cv::Point2d((size.width - 1) / 2.0, (size.height - 1) / 2.0);
  const double scale = std::max(size.width, size.height) / 1100.0;

  cv::Matx33d h = cv::Matx33d::eye();
  if (o.max_rotation_deg > 0) {
    Rng rng(seed, kRotation);
    const double angle = rng.uniform(-o.max_rotation_deg, o.max_rotation_deg);
    h = rotation_about(warp.centre, angle);
    log.push_back(fmt::format("rotation angle_deg={:.2f}", angle));
  }
  if (o.perspective > 0) {
    Rng rng(seed, kPerspective);
    const cv::Point2f corners[4] = {{0, 0}, {float(size.width), 0}, {float(size.width), float(size.height)},
                                    {0, float(size.height)}};
    cv::Point2f moved[4];
    const double jitter = rng.uniform(0.3, 1.0) * o.perspective;
    for (int k = 0; k < 4; ++k) {
      const cv::Point2d p = detail::apply_homography(h, corners[k]);
      moved[k] = cv::Point2f(float(p.x + rng.uniform(-1, 1) * jitter * size.width),
                             float(p.y + rng.uniform(-1, 1) * jitter * size.height));
    }
    h = cv::Matx33d(cv::getPerspectiveTransform(corners, moved));
    log.push_back(fmt::format("perspective corner_jitter={:.3f}", jitter));
  }
  {
    Rng rng(seed, kFraming);
    table = rng.chance(o.background);
    if (table) {
      // The camera sees the page on a table: the page fills less of the frame.
      const double s = rng.uniform(0.72, 0.92);
      const double tx = rng.uniform(-0.35, 0.35) * (1 - s) * size.width;
      const double ty = rng.uniform(-0.35, 0.35) * (1 - s) * size.height;
      const cv::Matx33d shrink(s, 0, warp.centre.x * (1 - s) + tx, 0, s, warp.centre.y * (1 - s) + ty, 0, 0, 1);
      h = shrink * h;
      log.push_back(fmt::format("framing page_scale={:.2f}", s));
    }
  }
  if (o.crop > 0) {
    Rng rng(seed, kCrop);
    const int left = cvFloor(rng.uniform(0, o.crop) * size.width);
    const int right = cvFloor(rng.uniform(0, o.crop) * size.width);
    const int top = cvFloor(rng.uniform(0, o.crop) * size.height);
    const int bottom = cvFloor(rng.uniform(0, o.crop) * size.height);
    warp.out_size = cv::Size(size.width - left - right, size.height - top - bottom);
    h = cv::Matx33d(1, 0, -left, 0, 1, -top, 0, 0, 1) * h;
    log.push_back(fmt::format("crop left={} right={} top={} bottom={}", left, right, top, bottom));
  }
  warp.homography = h;

  if (o.curl > 0) {
    Rng rng(seed, kCurl);
    const double amplitude = rng.uniform(0.5, 1.0) * o.curl * size.height;
    const double longest = std::max(size.width, size.height);
    for (int k = 0; k < 2; ++k) {
      const double dir_a = rng.uniform(0, 2 * CV_PI), dir_k = rng.uniform(0, 2 * CV_PI);
      const double a = amplitude * rng.uniform(0.3, 0.6);
      const double kk = 2 * CV_PI * rng.uniform(0.3, 1.0) / longest;
      warp.waves.push_back({cv::Vec2d(a * std::cos(dir_a), a * std::sin(dir_a)),
                            cv::Vec2d(kk * std::cos(dir_k), kk * std::sin(dir_k)), rng.uniform(0, 2 * CV_PI)});
    }
    warp.bend_px = amplitude * rng.uniform(-1, 1);
    log.push_back(fmt::format("curl amplitude_px={:.1f} bend_px={:.1f}", amplitude, warp.bend_px));
  }
  if (o.creases > 0) {
    Rng rng(seed, kCreases);
    const int count = rng.uniform_int(1, o.creases);
    for (int k = 0; k < count; ++k) {
      // Most folds run along or across the page (folded in halves or
      // thirds); the rest are random wrinkles.
      const double angle = rng.chance(0.6) ? rng.uniform_int(0, 1) * CV_PI / 2 + rng.uniform(-0.05, 0.05)
                                           : rng.uniform(0, CV_PI);
      Crease c;
      c.normal = cv::Vec2d(std::cos(angle), std::sin(angle));
      const cv::Vec2d through(rng.uniform(0.1, 0.9) * size.width, rng.uniform(0.1, 0.9) * size.height);
      c.offset_px = c.normal.dot(through);
      // At least 8 px, the lattice spacing of the inverse map (see apply_warp).
      c.width_px = std::max(8.0, rng.uniform(8, 16) * scale);
      // shift / width stays <= 0.15, so the warp cannot fold over itself.
      c.shift_px = rng.uniform(-0.15, 0.15) * c.width_px;
      c.shade = rng.uniform(0.1, 0.35);
      c.highlight = rng.uniform(-0.25, 0.25);
      warp.creases.push_back(c);
    }
    log.push_back(fmt::format("creases count={}", count));
  }
  return warp;
}

}  // namespace

std::vector<std::string> degrade_preset_names() {
  return {"none", "light", "heavy", "photo", "bw", "rotated", "crease"};
}

DegradeOptions degrade_preset(const std::string &name) {
  const auto &all = presets();
  const auto it = all.find(name);
  if (it == all.end()) {
    std::string known;
    for (const auto &n : degrade_preset_names()) known += (known.empty() ? "" : ", ") + n;
    throw Error(ErrorCode::InvalidArgument,
                fmt::format("degrade_preset: unknown preset '{}'; known presets: {}", name, known));
  }
  return it->second;
}

void degrade(RenderedPage &page, const DegradeOptions &options, std::uint64_t seed) {
  check_options(options);
  check_page(page);
  // Copies of a RenderedPage share pixel buffers; never draw into theirs.
  page.bgr = page.bgr.clone();
  cv::Mat labels = pack_labels(page);
  std::vector<std::string> log;
  bool table = false;
  const Warp warp = draw_warp(options, page.bgr.size(), seed, table, log);
  std::vector<std::string> applied;

  // On the paper: stains and scribbles, then the copier, then the folds.
  if (options.stains > 0) {
    Rng rng(seed, kStains);
    applied.push_back(draw_stains(page.bgr, options.stains, rng));
  }
  bool grey = false;
  {
    Rng rng(seed, kCopy);
    if (rng.chance(options.bw_probability)) {
      applied.push_back(photocopy(page.bgr, labels, rng));
      grey = true;
    }
  }
  if (!warp.creases.empty()) applied.push_back(shade_creases(page.bgr, warp.creases));

  // The camera or scanner geometry, all in one remap.
  applied.insert(applied.end(), log.begin(), log.end());
  if (!warp.identity()) {
    cv::Mat bgr, warped_labels;
    apply_warp(warp, page.bgr, labels, bgr, warped_labels);
    page.bgr = bgr;
    labels = warped_labels;
    for (auto &lead : page.leads)
      for (auto &p : lead.path_px) {
        const cv::Point2d q = warp.forward(p);
        p = cv::Point2f(float(q.x), float(q.y));
      }
    // With curl or creases this is the homographic part only; the paths and
    // masks carry the exact non-linear map.
    page.image_from_page = warp.homography * page.image_from_page;
    cv::Mat off_page;
    cv::compare(labels & cv::Scalar(kPageBit), cv::Scalar(0), off_page, cv::CMP_EQ);
    if (cv::countNonZero(off_page) > 0) {
      Rng rng(seed, kBackground);
      applied.push_back(fill_background(page.bgr, labels, table, grey, rng));
    }
  }

  // Light, lens, sensor, codec.
  if (options.illumination > 0 || (options.colour_cast > 0 && !grey)) {
    Rng rng(seed, kLight);
    applied.push_back(apply_light(page.bgr, options.illumination, options.colour_cast, grey, rng));
  }
  if (options.blur_sigma_px > 0) {
    Rng rng(seed, kBlur);
    applied.push_back(blur(page.bgr, options.blur_sigma_px, rng));
  }
  {
    Rng rng(seed, kLowDpi);
    if (rng.chance(options.low_dpi_probability)) applied.push_back(lower_resolution(page.bgr, rng));
  }
  if (options.noise_sigma > 0) {
    Rng rng(seed, kNoise);
    applied.push_back(add_noise(page.bgr, options.noise_sigma, grey, rng));
  }
  if (options.jpeg_quality_min > 0) {
    Rng rng(seed, kJpeg);
    applied.push_back(compress_jpeg(page.bgr, options.jpeg_quality_min, grey, rng));
  }
  unpack_labels(labels, page);
  page.degradations.insert(page.degradations.end(), applied.begin(), applied.end());
}

}  // namespace v1
}  // namespace ecgdig
