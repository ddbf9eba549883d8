// Draws a record on an ECG page: grid, calibration pulses, traces, labels,
// header and footer, each on its own coverage layer so that the masks and the
// sub-pixel paths are exact.

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <map>
#include <limits>
#include <string>
#include <vector>

#include <opencv2/imgproc.hpp>
#ifdef ECGDIG_HAVE_FREETYPE
#include <opencv2/freetype.hpp>
#endif

#include "ecgdig/error.hpp"
#include "ecgdig/render.hpp"
#include "render/page_layouts.hpp"
#include "render/render_random.hpp"

namespace ecgdig {
inline namespace v1 {
namespace {

using render_detail::find_layout_spec;
using render_detail::LayoutSpec;
using render_detail::PanelSpec;
using render_detail::RenderRandom;

/// A pixel belongs to a mask when the element covers at least a quarter of it.
constexpr int kMaskCoverage = 64;
constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();
/// Longest time span a page shows.
constexpr double kPageSeconds = 10.0;

enum class LabelPlace { AboveLeft, BelowLeft, Inside };

/// TrueType fonts found on this machine (none without OpenCV's freetype module).
const std::vector<std::string> &truetype_fonts() {
  static const std::vector<std::string> fonts = [] {
    std::vector<std::string> found;
#ifdef ECGDIG_HAVE_FREETYPE
    const char *candidates[] = {
        "/usr/share/fonts/truetype/liberation2/LiberationSans-Regular.ttf",
        "/usr/share/fonts/truetype/liberation2/LiberationSans-Bold.ttf",
        "/usr/share/fonts/truetype/liberation2/LiberationSerif-Regular.ttf",
        "/usr/share/fonts/truetype/liberation2/LiberationMono-Regular.ttf",
        "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf",
        "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
        "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
        "/usr/share/fonts/truetype/dejavu/DejaVuSansCondensed.ttf",
        "/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf",
        "/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf",
        "/usr/share/fonts/truetype/freefont/FreeSans.ttf",
        "/usr/share/fonts/truetype/freefont/FreeSansBold.ttf",
        "/usr/share/fonts/truetype/freefont/FreeMono.ttf",
        "/usr/share/fonts/truetype/freefont/FreeSerif.ttf",
        "/usr/share/fonts/TTF/DejaVuSans.ttf",
        "/Library/Fonts/Arial.ttf",
        "C:/Windows/Fonts/arial.ttf"};
    for (const char *path : candidates) {
      std::error_code ec;
      if (std::filesystem::is_regular_file(path, ec)) found.emplace_back(path);
    }
#endif
    return found;
  }();
  return fonts;
}

/// The small choices a style leaves open, drawn from style.seed.
struct Look {
  LabelPlace label_place = LabelPlace::AboveLeft;
  int font = cv::FONT_HERSHEY_SIMPLEX;
  std::string font_file;           ///< a TrueType font used instead of `font`, when set
  double label_height_mm = 3;
  double text_weight = 0.09;       ///< stroke thickness / text height
  double label_offset_mm = 2;      ///< label distance from the baseline
  bool upper_case_augmented = false;  ///< "AVR" instead of "aVR"
  double minor_width_mm = 0.1, major_width_mm = 0.2;
  double minor_alpha = 1, major_alpha = 1;
  bool dotted = false;             ///< minor grid printed as dots
  bool grid_full_page = true;
  cv::Point2d grid_shift_mm{0, 0}; ///< grid origin relative to the first sample and row 0
  cv::Scalar text_bgr{0, 0, 0};
  double header_mm = 28, footer_mm = 10;
  double margin_fraction = 0.5;    ///< where the content sits in the horizontal slack
  double separator_mm = 3;         ///< half height of the bars between panels
  bool frame = false;              ///< thin border round the page
};

Look draw_look(const PageStyle &style) {
  RenderRandom rng(style.seed);
  Look look;
  look.label_place = LabelPlace(rng.weighted({0.5, 0.25, 0.25}));
  const int fonts[] = {cv::FONT_HERSHEY_SIMPLEX, cv::FONT_HERSHEY_DUPLEX, cv::FONT_HERSHEY_COMPLEX,
                       cv::FONT_HERSHEY_TRIPLEX, cv::FONT_HERSHEY_PLAIN};
  look.font = fonts[rng.weighted({0.45, 0.25, 0.12, 0.08, 0.1})] | (rng.chance(0.08) ? cv::FONT_ITALIC : 0);
  look.label_height_mm = rng.uniform(2.2, 4.2);
  look.text_weight = rng.uniform(0.06, 0.14);
  look.label_offset_mm = rng.uniform(1.0, 4.0);
  look.upper_case_augmented = rng.chance(0.2);
  look.minor_width_mm = rng.uniform(0.05, 0.15);
  look.major_width_mm = look.minor_width_mm * rng.uniform(1.3, 2.5);
  look.minor_alpha = rng.uniform(0.45, 1.0);
  look.major_alpha = rng.uniform(0.7, 1.0);
  look.dotted = rng.chance(0.1);
  look.grid_full_page = rng.chance(0.5);
  if (rng.chance(0.3)) look.grid_shift_mm = {rng.uniform(0, 5), rng.uniform(0, 5)};
  look.text_bgr = rng.chance(0.6) ? style.trace_bgr : cv::Scalar::all(rng.uniform(0, 60));
  look.header_mm = rng.uniform(20, 34);
  look.footer_mm = rng.uniform(7, 12);
  look.margin_fraction = rng.uniform(0.25, 0.75);
  look.separator_mm = rng.uniform(2, 4.5);
  look.frame = rng.chance(0.15);
  // Drawn last, and always, so the choices above do not depend on the fonts installed.
  const bool truetype = rng.chance(0.6);
  const double font_pick = rng.uniform();
  const auto &installed = truetype_fonts();
  if (truetype && !installed.empty())
    look.font_file = installed[std::size_t(font_pick * double(installed.size()))];
  return look;
}

/// Where things go on the page, in pixels.
struct Plan {
  double x_start_px = 0;            ///< x of time 0 (left edge of column 0)
  double column_s = 0;              ///< time span of one column
  double pitch_px = 0;              ///< row height
  std::vector<double> baseline_px;  ///< per row: main rows, then rhythm rows
  double pulse_from_px = 0, pulse_to_px = 0;  ///< calibration pulse span before x_start
  cv::Point2d grid_origin_px;       ///< a point where a major line crossing lies
  cv::Rect2d grid_area_px;          ///< where the grid is printed
  double header_top_px = 0, header_bottom_px = 0, footer_y_px = 0, left_px = 0;
  double label_height_px = 0;
  cv::Point2d label_offset_px;      ///< label top-left relative to (panel x, baseline), when fixed
  bool label_offset_fixed = false;
  double separator_up_px = 0, separator_down_px = 0, separator_width_px = 0;
};

/// Panels sit in a band fitted to the page: margins, header, footer, rows of equal pitch.
Plan plan_standard(const PageStyle &style, const LayoutSpec &spec, double record_s, const Look &look,
                   double px_per_mm, double width_mm, double height_mm) {
  Plan plan;
  const double speed = style.paper_speed_mm_s;
  const double pulse_mm = style.calibration_pulse ? 0.2 * speed + 2.0 : 0.0;
  constexpr double kMinMarginMm = 4;
  const double avail_mm = width_mm - 2 * kMinMarginMm - pulse_mm;
  // A 12-lead page shows (at most) the first 10 s, as the machines print them.
  const double shown_s = std::min(record_s, kPageSeconds);
  if (shown_s * speed <= avail_mm) {
    plan.column_s = shown_s / spec.columns;
  } else {
    // What fits, in steps of 0.05 s per column.
    plan.column_s = std::floor(avail_mm / speed / spec.columns * 20) / 20;
  }
  if (!(plan.column_s > 0))
    throw Error(ErrorCode::InvalidArgument,
                "render_page: page_width_mm " + std::to_string(width_mm) + " is too narrow for paper_speed_mm_s " +
                    std::to_string(speed));
  const double content_mm = plan.column_s * spec.columns * speed + pulse_mm;
  const double left_mm = kMinMarginMm + (width_mm - content_mm - 2 * kMinMarginMm) * look.margin_fraction;
  plan.left_px = left_mm * px_per_mm;
  plan.x_start_px = (left_mm + pulse_mm) * px_per_mm;
  plan.pulse_from_px = plan.left_px;
  plan.pulse_to_px = plan.x_start_px;

  const double header_mm = style.header_text ? std::min(look.header_mm, 0.2 * height_mm) : 5.0;
  const double footer_mm = style.header_text ? std::min(look.footer_mm, 0.07 * height_mm) : 4.0;
  const int rows = spec.rows + spec.rhythm_rows;
  const double pitch_mm = (height_mm - header_mm - footer_mm) / rows;
  plan.pitch_px = pitch_mm * px_per_mm;
  for (int r = 0; r < rows; ++r) plan.baseline_px.push_back((header_mm + pitch_mm * (r + 0.55)) * px_per_mm);
  plan.header_top_px = 3.0 * px_per_mm;
  plan.header_bottom_px = header_mm * px_per_mm;
  plan.footer_y_px = (height_mm - 2.0) * px_per_mm;
  plan.grid_origin_px = {plan.x_start_px + look.grid_shift_mm.x * px_per_mm,
                         plan.baseline_px[0] + look.grid_shift_mm.y * px_per_mm};
  const double w_px = width_mm * px_per_mm, h_px = height_mm * px_per_mm;
  plan.grid_area_px = look.grid_full_page
                          ? cv::Rect2d(0, 0, w_px, h_px)
                          : cv::Rect2d(plan.left_px - 2 * px_per_mm, (header_mm - 2) * px_per_mm,
                                       (content_mm + 4) * px_per_mm, (height_mm - header_mm - footer_mm + 3) * px_per_mm);
  plan.label_height_px = look.label_height_mm * px_per_mm;
  plan.separator_up_px = plan.separator_down_px = look.separator_mm * px_per_mm;
  plan.separator_width_px = std::max(style.trace_width_mm, 0.35) * px_per_mm;
  return plan;
}

/// ecg-image-kit's letter page (measured on its 200-dpi renders, scaled with the DPI):
/// x0 = 10 mm (15 mm after a calibration pulse), rows at 2.5/6, 3.5/6, 4.5/6 of
/// the height, the rhythm strip at 1534.71/1700, grid anchored to the bottom edge.
Plan plan_ecg_image_kit(const PageStyle &style, const LayoutSpec &spec, double record_s, double px_per_mm,
                        double height_px) {
  if (spec.name != "3x4" && spec.name != "3x4+1")
    throw Error(ErrorCode::InvalidArgument,
                "render_page: geometry \"ecg-image-kit\" supports layouts 3x4 and 3x4+1, not " + spec.name);
  Plan plan;
  const double scale = px_per_mm / (200 / 25.4);  // their numbers are 200-dpi pixels
  // Their coordinates put pixel centres at i + 0.5 (matplotlib/Agg), ours at i.
  constexpr double kCentre = -0.5;
  plan.column_s = std::min({record_s, kPageSeconds, 250.0 / style.paper_speed_mm_s}) / spec.columns;
  plan.left_px = 10 * px_per_mm + kCentre;
  plan.x_start_px = (style.calibration_pulse ? 15 : 10) * px_per_mm + kCentre;
  plan.pulse_from_px = plan.left_px;
  plan.pulse_to_px = plan.x_start_px;
  plan.pitch_px = height_px / 6;
  for (int r = 0; r < spec.rows; ++r) plan.baseline_px.push_back(height_px * (2.5 + r) / 6 + kCentre);
  if (spec.rhythm_rows > 0) plan.baseline_px.push_back(height_px * 1534.71 / 1700 + kCentre);
  plan.header_top_px = 23 * scale;
  plan.header_bottom_px = 125 * scale;
  plan.footer_y_px = 1663 * scale;
  plan.grid_origin_px = {0, height_px};
  plan.grid_area_px = cv::Rect2d(0, 0, std::numeric_limits<double>::max() / 4, height_px);
  plan.label_height_px = 21 * scale;
  plan.label_offset_px = {3 * scale, 33 * scale};
  plan.label_offset_fixed = true;
  plan.separator_up_px = 27 * scale;
  plan.separator_down_px = 51 * scale;
  plan.separator_width_px = 5 * scale;
  return plan;
}

/// Adds the coverage (0..1) of lines of `width_px` at origin + k * period to a
/// 1-D profile; pixel i spans [i - 0.5, i + 0.5).
void add_line_profile(std::vector<float> &profile, double origin, double period, double width_px, double lo,
                      double hi) {
  const double half = std::max(width_px, 1.0) / 2;
  const double k0 = std::ceil((lo - origin) / period), k1 = std::floor((hi - origin) / period);
  for (double k = k0; k <= k1; ++k) {
    const double c = origin + k * period, a = c - half, b = c + half;
    const int i0 = std::max(0, int(std::floor(a + 0.5))), i1 = std::min(int(profile.size()) - 1, int(std::floor(b + 0.5)));
    for (int i = i0; i <= i1; ++i) {
      const double cover = std::min(b, i + 0.5) - std::max(a, i - 0.5);
      profile[std::size_t(i)] = std::max(profile[std::size_t(i)], float(std::clamp(cover, 0.0, 1.0)));
    }
  }
}

/// Coverage of a stroke of `width_px` through `a`-`b`: 1 inside, falling off
/// over one pixel at the edge. Kept as the maximum with what is there, so the
/// joints of a polyline do not darken.
void draw_segment(cv::Mat &layer, const cv::Point2d &a, const cv::Point2d &b, double width_px) {
  const double reach = std::max(width_px, 1.0) / 2 + 0.5;
  const int x0 = std::max(0, int(std::floor(std::min(a.x, b.x) - reach)));
  const int x1 = std::min(layer.cols - 1, int(std::ceil(std::max(a.x, b.x) + reach)));
  const int y0 = std::max(0, int(std::floor(std::min(a.y, b.y) - reach)));
  const int y1 = std::min(layer.rows - 1, int(std::ceil(std::max(a.y, b.y) + reach)));
  if (x0 > x1 || y0 > y1) return;
  const double dx = b.x - a.x, dy = b.y - a.y, len2 = dx * dx + dy * dy;
  const double inv_len2 = len2 > 0 ? 1.0 / len2 : 0.0, reach2 = reach * reach;
  for (int y = y0; y <= y1; ++y) {
    auto *row = layer.ptr<std::uint8_t>(y);
    const double py = y - a.y;
    for (int x = x0; x <= x1; ++x) {
      const double px = x - a.x;
      const double t = std::clamp((px * dx + py * dy) * inv_len2, 0.0, 1.0);
      const double ex = px - t * dx, ey = py - t * dy, dist2 = ex * ex + ey * ey;
      if (dist2 >= reach2) continue;
      const double cover = std::min(1.0, reach - std::sqrt(dist2));
      const auto value = std::uint8_t(cover * 255 + 0.5);
      if (value > row[x]) row[x] = value;
    }
  }
}

/// Draws a polyline of the given width as coverage 0..255; NaN points break it.
void draw_polyline(cv::Mat &layer, const std::vector<cv::Point2f> &points, double width_px) {
  for (std::size_t i = 0; i < points.size(); ++i) {
    const cv::Point2f &p = points[i];
    if (!std::isfinite(p.x) || !std::isfinite(p.y)) continue;
    const bool next = i + 1 < points.size() && std::isfinite(points[i + 1].x) && std::isfinite(points[i + 1].y);
    const bool prev = i > 0 && std::isfinite(points[i - 1].x) && std::isfinite(points[i - 1].y);
    if (next)
      draw_segment(layer, p, points[i + 1], width_px);
    else if (!prev)
      draw_segment(layer, p, p, width_px);  // a lone sample is still a dot
  }
}

#ifdef ECGDIG_HAVE_FREETYPE
/// Draws `text` with a TrueType font: the ink's top-left goes to `top_left`,
/// capitals are `height_px` tall. Returns false when the font cannot be used.
bool draw_truetype(cv::Mat &layer, const std::string &text, cv::Point2d top_left, double height_px,
                   const std::string &font_file) {
  thread_local std::map<std::string, cv::Ptr<cv::freetype::FreeType2>> loaded;
  cv::Ptr<cv::freetype::FreeType2> &ft = loaded[font_file];
  try {
    if (!ft) {
      ft = cv::freetype::createFreeType2();
      ft->loadFontData(font_file, 0);
    }
    const int em = std::max(4, int(std::lround(height_px / 0.72)));  // capitals are ~0.72 em
    int base = 0;
    const cv::Size size = ft->getTextSize(text, em, -1, &base);
    cv::Mat patch = cv::Mat::zeros(3 * em, size.width + 2 * em, CV_8UC3);  // freetype draws on colour images
    ft->putText(patch, text, cv::Point(em / 2, em / 2), em, cv::Scalar::all(255), -1, cv::LINE_AA, false);
    cv::Mat ink;
    cv::extractChannel(patch, ink, 0);
    const cv::Rect box = cv::boundingRect(ink);
    if (box.empty()) return true;
    const cv::Rect target(int(std::lround(top_left.x)), int(std::lround(top_left.y)), box.width, box.height);
    const cv::Rect visible = target & cv::Rect(0, 0, layer.cols, layer.rows);
    if (visible.empty()) return true;
    const cv::Mat src = ink(cv::Rect(box.x + visible.x - target.x, box.y + visible.y - target.y, visible.width, visible.height));
    cv::Mat dst = layer(visible);
    cv::max(dst, src, dst);
    return true;
  } catch (const cv::Exception &) {
    ft.release();
    loaded.erase(font_file);
    return false;
  }
}
#endif

void draw_text(cv::Mat &layer, const std::string &text, cv::Point2d top_left, double height_px, const Look &look) {
#ifdef ECGDIG_HAVE_FREETYPE
  if (!look.font_file.empty() && draw_truetype(layer, text, top_left, height_px, look.font_file)) return;
#endif
  int base = 0;
  const double ref = std::max(1, cv::getTextSize("H", look.font, 1.0, 1, &base).height);
  const double scale = height_px / ref;
  const int thickness = std::max(1, int(std::lround(height_px * look.text_weight)));
  const cv::Point2d org(top_left.x, top_left.y + height_px);
  cv::putText(layer, text, cv::Point(int(std::lround(org.x)), int(std::lround(org.y))), look.font, scale,
              cv::Scalar(255), thickness, cv::LINE_AA);
}

bool is_chest_lead(const std::string &lead) { return standard_lead_index(lead) >= 6; }

/// Fake but plausible header and footer lines.
std::vector<std::string> header_lines(RenderRandom &rng) {
  const char *syllables[] = {"an", "ber", "co", "da", "el", "fa", "gu", "han", "is", "jo", "ka", "lin",
                             "mo", "ne", "os", "per", "ri", "sen", "to", "vik", "wa", "ys", "zen"};
  auto name = [&] {
    std::string s;
    const int n = rng.integer(2, 3);
    for (int i = 0; i < n; ++i) s += syllables[rng.integer(0, 22)];
    s[0] = char(std::toupper(static_cast<unsigned char>(s[0])));
    return s;
  };
  char buf[160];
  std::vector<std::string> lines;
  std::snprintf(buf, sizeof buf, "%s, %s   ID: %07d   %s", name().c_str(), name().c_str(), rng.integer(0, 9999999),
                rng.chance(0.5) ? "Male" : "Female");
  lines.emplace_back(buf);
  std::snprintf(buf, sizeof buf, "%02d-%02d-%04d %02d:%02d:%02d   Age: %d   Room: %d", rng.integer(1, 28),
                rng.integer(1, 12), rng.integer(1995, 2025), rng.integer(0, 23), rng.integer(0, 59),
                rng.integer(0, 59), rng.integer(18, 95), rng.integer(1, 40));
  lines.emplace_back(buf);
  std::snprintf(buf, sizeof buf, "Vent. rate %d BPM   PR int %d ms   QRS dur %d ms", rng.integer(40, 150),
                rng.integer(110, 220), rng.integer(70, 160));
  lines.emplace_back(buf);
  std::snprintf(buf, sizeof buf, "QT/QTc %d/%d ms   P-R-T axes %d %d %d", rng.integer(300, 460), rng.integer(360, 500),
                rng.integer(-30, 90), rng.integer(-90, 180), rng.integer(-30, 90));
  lines.emplace_back(buf);
  return lines;
}

std::string gain_text(double mm_per_mv) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g mm/mV", mm_per_mv);
  return buf;
}

void validate(const Record &record, const PageStyle &style, const LayoutSpec *spec) {
  auto bad = [](const std::string &what) { throw Error(ErrorCode::InvalidArgument, "render_page: " + what); };
  if (!spec) bad("unknown layout \"" + style.layout + "\"");
  if (!(style.dpi >= 72 && style.dpi <= 600)) bad("dpi must be in 72..600, got " + std::to_string(style.dpi));
  if (!(style.paper_speed_mm_s > 0 && style.paper_speed_mm_s <= 1000))
    bad("paper_speed_mm_s must be positive, got " + std::to_string(style.paper_speed_mm_s));
  if (!(style.limb_gain_mm_per_mv > 0 && style.limb_gain_mm_per_mv <= 1000))
    bad("limb_gain_mm_per_mv must be positive, got " + std::to_string(style.limb_gain_mm_per_mv));
  if (!(style.chest_gain_mm_per_mv > 0 && style.chest_gain_mm_per_mv <= 1000))
    bad("chest_gain_mm_per_mv must be positive, got " + std::to_string(style.chest_gain_mm_per_mv));
  if (!(style.page_width_mm >= 50 && style.page_width_mm <= 1000 && style.page_height_mm >= 50 &&
        style.page_height_mm <= 1000))
    bad("page_width_mm and page_height_mm must be in 50..1000");
  if (!(style.trace_width_mm > 0 && style.trace_width_mm <= 5))
    bad("trace_width_mm must be in (0, 5], got " + std::to_string(style.trace_width_mm));
  if (style.geometry != "standard" && style.geometry != "ecg-image-kit")
    bad("unknown geometry \"" + style.geometry + "\" (use \"standard\" or \"ecg-image-kit\")");
  record.validate();
  if (record.num_samples() == 0) bad("record \"" + record.name + "\" has no samples");
  for (const PanelSpec &panel : spec->panels)
    if (!record.find(panel.lead))
      bad("record \"" + record.name + "\" has no lead " + panel.lead + ", which layout " + spec->name + " shows");
}

/// Blends `colour` over `c` with coverage `a` (0..255).
inline void blend(cv::Vec3b &c, const cv::Vec3i &colour, int a) {
  const float t = float(a) * (1.f / 255.f);
  for (int k = 0; k < 3; ++k) c[k] = cv::saturate_cast<std::uint8_t>(float(c[k]) + float(colour[k] - c[k]) * t);
}

/// Blends the layers onto the paper and thresholds them into the masks.
/// Rows without a horizontal grid line share one precomputed row, which
/// keeps the page cost close to a memory copy.
void compose(RenderedPage &page, const PageStyle &style, const Look &look, const std::vector<float> &minor_x,
             const std::vector<float> &minor_y, const std::vector<float> &major_x, const std::vector<float> &major_y,
             const cv::Rect &grid_area, const cv::Mat &text, const cv::Mat &marks, const cv::Mat &trace) {
  const int w = page.bgr.cols, h = page.bgr.rows;
  auto vec = [](const cv::Scalar &s) {
    return cv::Vec3i(int(std::lround(s[0])), int(std::lround(s[1])), int(std::lround(s[2])));
  };
  const cv::Vec3i paper = vec(style.paper_bgr), minor_c = vec(style.grid_minor_bgr), major_c = vec(style.grid_major_bgr);
  const cv::Vec3i text_c = vec(look.text_bgr), ink_c = vec(style.trace_bgr);
  const float minor_a = float(look.minor_alpha) * 255.f, major_a = float(look.major_alpha) * 255.f;
  const float mask_level = kMaskCoverage / 255.0f;

  // One grid row: paper, then minor and major coverage from the x and y profiles.
  std::vector<cv::Vec3b> row_bgr(static_cast<std::size_t>(w));
  std::vector<std::uint8_t> row_grid(static_cast<std::size_t>(w));
  auto grid_row = [&](float my, float jy, bool in_area) {
    const cv::Vec3b p{std::uint8_t(paper[0]), std::uint8_t(paper[1]), std::uint8_t(paper[2])};
    std::fill(row_bgr.begin(), row_bgr.end(), p);
    std::fill(row_grid.begin(), row_grid.end(), std::uint8_t(0));
    if (!in_area) return;
    for (int x = grid_area.x; x < grid_area.x + grid_area.width; ++x) {
      const float mx = minor_x[std::size_t(x)];
      const float minor = look.dotted ? mx * my : std::max(mx, my);
      const float major = std::max(major_x[std::size_t(x)], jy);
      cv::Vec3b &c = row_bgr[std::size_t(x)];
      if (minor > 0) blend(c, minor_c, int(minor * minor_a + 0.5f));
      if (major > 0) blend(c, major_c, int(major * major_a + 0.5f));
      row_grid[std::size_t(x)] = (minor >= mask_level || major >= mask_level) ? 255 : 0;
    }
  };
  // Paper rows outside the grid, and a cache of grid rows: a row depends only on
  // its two (8-bit) horizontal-line coverages, so a page has few distinct rows.
  grid_row(0.f, 0.f, false);
  const std::vector<cv::Vec3b> paper_bgr = row_bgr;
  std::vector<int> row_of_key(256 * 256, -1);
  std::vector<cv::Vec3b> cached_bgr;
  std::vector<std::uint8_t> cached_grid;
  const std::size_t row_px = static_cast<std::size_t>(w);
  auto cached_row = [&](int key) {
    int &row = row_of_key[std::size_t(key)];
    if (row < 0) {
      grid_row(float(key >> 8) / 255.f, float(key & 255) / 255.f, true);
      row = int(cached_bgr.size() / row_px);
      cached_bgr.insert(cached_bgr.end(), row_bgr.begin(), row_bgr.end());
      cached_grid.insert(cached_grid.end(), row_grid.begin(), row_grid.end());
    }
    return std::size_t(row) * row_px;
  };
  cv::Mat any_ink;
  cv::bitwise_or(text, marks, any_ink);
  cv::bitwise_or(any_ink, trace, any_ink);

  const std::size_t row_bytes = row_px * sizeof(cv::Vec3b);
  for (int y = 0; y < h; ++y) {
    auto *out = page.bgr.ptr<cv::Vec3b>(y);
    if (style.grid && y >= grid_area.y && y < grid_area.y + grid_area.height) {
      const int key = int(std::lround(minor_y[std::size_t(y)] * 255.f)) * 256 +
                      int(std::lround(major_y[std::size_t(y)] * 255.f));
      const std::size_t at = cached_row(key);
      std::memcpy(page.bgr.ptr(y), cached_bgr.data() + at, row_bytes);
      std::memcpy(page.grid_mask.ptr(y), cached_grid.data() + at, row_px);
    } else {
      std::memcpy(page.bgr.ptr(y), paper_bgr.data(), row_bytes);
    }
    const auto *ink = any_ink.ptr<std::uint8_t>(y);
    const auto *t_row = text.ptr<std::uint8_t>(y);
    const auto *k_row = marks.ptr<std::uint8_t>(y);
    const auto *s_row = trace.ptr<std::uint8_t>(y);
    auto *text_m = page.text_mask.ptr<std::uint8_t>(y);
    auto *trace_m = page.trace_mask.ptr<std::uint8_t>(y);
    for (int x = 0; x < w; ++x) {
      // Most of a page is blank: skip eight empty pixels at a time.
      if (x + 8 <= w) {
        std::uint64_t word;
        std::memcpy(&word, ink + x, sizeof word);
        if (word == 0) {
          x += 7;
          continue;
        }
      }
      if (!ink[x]) continue;
      if (t_row[x]) blend(out[x], text_c, t_row[x]);
      if (k_row[x]) blend(out[x], ink_c, k_row[x]);
      if (s_row[x]) blend(out[x], ink_c, s_row[x]);
      text_m[x] = (t_row[x] >= kMaskCoverage || k_row[x] >= kMaskCoverage) ? 255 : 0;
      trace_m[x] = s_row[x] >= kMaskCoverage ? 255 : 0;
    }
  }
}

}  // namespace

RenderedPage render_page(const Record &record, const PageStyle &style) {
  const LayoutSpec *spec = find_layout_spec(style.layout);
  validate(record, style, spec);
  const bool eik = style.geometry == "ecg-image-kit";

  const double px_per_mm = style.dpi / 25.4;
  const int width = int(std::lround(style.page_width_mm * px_per_mm));
  const int height = int(std::lround(style.page_height_mm * px_per_mm));
  Look look = draw_look(style);
  if (eik) {
    look.label_place = LabelPlace::BelowLeft;
    look.font = cv::FONT_HERSHEY_SIMPLEX;
    look.font_file.clear();
    look.text_weight = 0.09;
    look.upper_case_augmented = false;
    look.minor_width_mm = 0.5 * 25.4 / 72 / 1.5;
    look.major_width_mm = 0.5 * 25.4 / 72;
    look.minor_alpha = look.major_alpha = 1;
    look.dotted = false;
    look.text_bgr = {0, 0, 0};
    look.frame = true;
  }
  const double fs = record.fs_hz;
  const double record_s = double(record.num_samples()) / fs;
  const Plan plan = eik ? plan_ecg_image_kit(style, *spec, record_s, px_per_mm, height)
                        : plan_standard(style, *spec, record_s, look, px_per_mm, style.page_width_mm,
                                        style.page_height_mm);

  RenderedPage page;
  page.layout = spec->name;
  page.style = style;
  page.px_per_mm = px_per_mm;
  page.bgr.create(height, width, CV_8UC3);
  page.trace_mask = cv::Mat::zeros(height, width, CV_8UC1);
  page.grid_mask = cv::Mat::zeros(height, width, CV_8UC1);
  page.text_mask = cv::Mat::zeros(height, width, CV_8UC1);
  cv::Mat text = cv::Mat::zeros(height, width, CV_8UC1);   // text colour
  cv::Mat marks = cv::Mat::zeros(height, width, CV_8UC1);  // ink colour, text class: pulses, separators
  cv::Mat trace = cv::Mat::zeros(height, width, CV_8UC1);
  const double ink_px = style.trace_width_mm * px_per_mm;
  const double speed_px_s = style.paper_speed_mm_s * px_per_mm;

  page.truth.name = record.name;
  page.truth.fs_hz = fs;
  const std::size_t n_total = record.num_samples();
  for (const char *name : kStandardLeads) page.truth.leads.push_back(Lead{name, std::vector<float>(n_total, kNaN), 1.0});

  auto gain_px_per_mv = [&](const std::string &lead) {
    return (is_chest_lead(lead) ? style.chest_gain_mm_per_mv : style.limb_gain_mm_per_mv) * px_per_mm;
  };

  // Traces, with their truth.
  const int full_columns = spec->columns;
  for (const PanelSpec &panel : spec->panels) {
    const bool rhythm = panel.column < 0;
    const double t0 = rhythm ? 0.0 : panel.column * plan.column_s;
    const double span_s = rhythm ? plan.column_s * full_columns : plan.column_s;
    const std::size_t n0 = std::size_t(std::ceil(t0 * fs - 1e-6));
    const std::size_t n1 = std::min(n_total, std::size_t(std::ceil((t0 + span_s) * fs - 1e-6)));
    const double baseline = plan.baseline_px[std::size_t(panel.row)];
    const double x_panel = plan.x_start_px + t0 * speed_px_s;
    const Lead &lead = *record.find(panel.lead);
    const double gain = gain_px_per_mv(panel.lead) * (panel.inverted ? -1.0 : 1.0);

    LeadTruth truth;
    truth.name = panel.printed;
    truth.box_px = cv::Rect2d(x_panel, baseline - plan.pitch_px * 0.55, span_s * speed_px_s, plan.pitch_px);
    truth.baseline_y_px = baseline;
    truth.t_start_s = t0;
    truth.duration_s = span_s;
    truth.first_sample = n0;
    truth.path_px.reserve(n1 > n0 ? n1 - n0 : 0);
    const int truth_index = standard_lead_index(panel.lead);
    for (std::size_t n = n0; n < n1; ++n) {
      const float v = lead.mv[n];
      const double x = plan.x_start_px + double(n) / fs * speed_px_s;
      truth.path_px.emplace_back(float(x), std::isfinite(v) ? float(baseline - gain * v) : kNaN);
      if (truth_index >= 0) page.truth.leads[std::size_t(truth_index)].mv[n] = v;
    }
    draw_polyline(trace, truth.path_px, ink_px);
    page.leads.push_back(std::move(truth));
  }

  // Calibration pulses: 1 mV for 0.2 s at the start of each row.
  if (style.calibration_pulse) {
    const int rows = spec->rows + spec->rhythm_rows;
    for (int r = 0; r < rows; ++r) {
      const PanelSpec *first = nullptr;
      for (const PanelSpec &p : spec->panels)
        if (p.row == r && p.column <= 0) first = &p;
      const double base = plan.baseline_px[std::size_t(r)];
      const double top = base - gain_px_per_mv(first ? first->lead : "II");
      const double a = plan.pulse_from_px, b = plan.pulse_to_px;
      const double pulse_px = std::min(0.2 * speed_px_s, b - a);
      const double rise = eik ? a + 2 / fs * speed_px_s : a + (b - a - pulse_px) / 2;
      const double fall = eik ? b - 2 / fs * speed_px_s : rise + pulse_px;
      draw_polyline(marks, {{float(a), float(base)}, {float(rise), float(base)}, {float(rise), float(top)},
                            {float(fall), float(top)}, {float(fall), float(base)}, {float(b), float(base)}},
                    ink_px);
    }
  }

  // Separators between the columns of the main grid.
  if (style.separators && spec->columns > 1) {
    for (const PanelSpec &p : spec->panels) {
      if (p.column < 1) continue;
      const double x = plan.x_start_px + p.column * plan.column_s * speed_px_s;
      const double base = plan.baseline_px[std::size_t(p.row)];
      draw_polyline(marks, {{float(x), float(base - plan.separator_up_px)}, {float(x), float(base + plan.separator_down_px)}},
                    plan.separator_width_px);
    }
  }

  // Lead labels.
  if (style.lead_labels) {
    for (std::size_t i = 0; i < spec->panels.size(); ++i) {
      const PanelSpec &p = spec->panels[i];
      std::string label = p.printed;
      if (look.upper_case_augmented)
        for (char &ch : label) ch = char(std::toupper(static_cast<unsigned char>(ch)));
      const LeadTruth &lt = page.leads[i];
      const double h = plan.label_height_px;
      cv::Point2d top_left;
      if (plan.label_offset_fixed) {
        top_left = {lt.box_px.x + plan.label_offset_px.x, lt.baseline_y_px + plan.label_offset_px.y};
      } else {
        const double gap = look.label_offset_mm * px_per_mm, x = lt.box_px.x + 1.0 * px_per_mm;
        switch (look.label_place) {
          case LabelPlace::AboveLeft: top_left = {x, lt.baseline_y_px - gap - h}; break;
          case LabelPlace::BelowLeft: top_left = {x, lt.baseline_y_px + gap}; break;
          case LabelPlace::Inside: top_left = {x, lt.box_px.y + 0.5 * px_per_mm}; break;
        }
      }
      draw_text(text, label, top_left, h, look);
    }
  }

  // Header and footer.
  if (style.header_text) {
    RenderRandom rng(style.seed ^ 0x7E47ULL);
    const std::vector<std::string> lines = header_lines(rng);
    const double x_left = eik ? plan.left_px : std::max(plan.left_px, 3 * px_per_mm);
    // Two blocks side by side; on narrow pages the text shrinks so both fit.
    // kAdvance bounds a glyph's width relative to the capital height.
    constexpr double kAdvance = 0.8;
    const double left_chars = double(std::max(lines[0].size(), lines[1].size()));
    const double right_chars = double(std::max(lines[2].size(), lines[3].size()));
    const double gap_px = 4 * px_per_mm;
    double h = eik ? 18 * px_per_mm / (200 / 25.4) : std::clamp(2.6 * px_per_mm, 6.0, 60.0);
    h = std::min(h, (width - 2 * x_left - gap_px) / (kAdvance * (left_chars + right_chars)));
    const double step = (plan.header_bottom_px - plan.header_top_px - h) / 3;
    for (std::size_t k = 0; k < 2; ++k)
      draw_text(text, lines[k], {x_left, plan.header_top_px + double(k) * std::min(step, 2.2 * h)}, h, look);
    const double right_lo = x_left + kAdvance * h * left_chars + gap_px;
    const double right_hi = width - x_left - kAdvance * h * right_chars;
    const double x_right =
        std::max(right_lo, std::min(right_hi, width * (eik ? 0.5 : rng.uniform(0.45, 0.6))));
    for (std::size_t k = 2; k < lines.size(); ++k)
      draw_text(text, lines[k], {x_right, plan.header_top_px + double(k - 2) * std::min(step, 2.2 * h)}, h, look);
    std::string footer = std::to_string(int(style.paper_speed_mm_s)) + " mm/s   " +
                         gain_text(style.limb_gain_mm_per_mv);
    if (style.chest_gain_mm_per_mv != style.limb_gain_mm_per_mv)
      footer += " (limb), " + gain_text(style.chest_gain_mm_per_mv) + " (chest)";
    if (!eik && rng.chance(0.6)) footer += rng.chance(0.5) ? "   0.05-150 Hz   50 Hz" : "   0.5-40 Hz   60 Hz";
    draw_text(text, footer, {x_left, plan.footer_y_px - h}, h, look);
  }
  if (look.frame) cv::rectangle(marks, cv::Rect(0, 0, width, height), cv::Scalar(255), 1);

  // Grid profiles: 1 mm minor and 5 mm major lines through the grid origin.
  std::vector<float> minor_x(std::size_t(width), 0.f), major_x(std::size_t(width), 0.f);
  std::vector<float> minor_y(std::size_t(height), 0.f), major_y(std::size_t(height), 0.f);
  const cv::Rect grid_area = cv::Rect(cv::Point(int(std::floor(std::max(0.0, plan.grid_area_px.x))),
                                                int(std::floor(std::max(0.0, plan.grid_area_px.y)))),
                                      cv::Point(int(std::ceil(std::min<double>(width, plan.grid_area_px.br().x))),
                                                int(std::ceil(std::min<double>(height, plan.grid_area_px.br().y)))));
  if (style.grid) {
    const double lo_x = grid_area.x, hi_x = grid_area.br().x - 1, lo_y = grid_area.y, hi_y = grid_area.br().y - 1;
    add_line_profile(minor_x, plan.grid_origin_px.x, px_per_mm, look.minor_width_mm * px_per_mm, lo_x, hi_x);
    add_line_profile(minor_y, plan.grid_origin_px.y, px_per_mm, look.minor_width_mm * px_per_mm, lo_y, hi_y);
    add_line_profile(major_x, plan.grid_origin_px.x, 5 * px_per_mm, look.major_width_mm * px_per_mm, lo_x, hi_x);
    add_line_profile(major_y, plan.grid_origin_px.y, 5 * px_per_mm, look.major_width_mm * px_per_mm, lo_y, hi_y);
  }
  compose(page, style, look, minor_x, minor_y, major_x, major_y, grid_area, text, marks, trace);
  return page;
}

}  // namespace v1
}  // namespace ecgdig
