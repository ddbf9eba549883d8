// The C facade over the C++ library. Every fallible function body is a single
// try whose handlers (ECGDIG_C_CATCH) turn any exception into a status and a
// thread-local message, so no exception crosses the C boundary.

#include "ecgdig.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <limits>
#include <memory>
#include <new>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "ecgdig/error.hpp"
#include "ecgdig/image_io.hpp"
#include "ecgdig/io.hpp"
#include "ecgdig/overlay.hpp"
#include "ecgdig/pipeline.hpp"
#include "ecgdig/version.hpp"

static_assert(ECGDIG_E_INVALID_ARG == static_cast<int>(ecgdig::ErrorCode::InvalidArgument));
static_assert(ECGDIG_E_IO == static_cast<int>(ecgdig::ErrorCode::Io));
static_assert(ECGDIG_E_NO_GRID == static_cast<int>(ecgdig::ErrorCode::NoGrid));
static_assert(ECGDIG_E_FORMAT == static_cast<int>(ecgdig::ErrorCode::Format));
static_assert(ECGDIG_E_NOT_AN_ECG == static_cast<int>(ecgdig::ErrorCode::NotAnEcg));
static_assert(ECGDIG_E_UNSUPPORTED == static_cast<int>(ecgdig::ErrorCode::Unsupported));
static_assert(ECGDIG_E_INTERNAL == static_cast<int>(ecgdig::ErrorCode::Internal));

struct ecgdig_pipeline {
  ecgdig::Pipeline pipeline;
};

struct ecgdig_result {
  ecgdig::Result result;  // record holds the 12 standard leads
};

struct ecgdig_maps {
  cv::Mat planes[4];  // CV_32FC1, continuous, indexed by ecgdig_map_class
};

namespace {

using ecgdig::Error;
using ecgdig::ErrorCode;

thread_local std::string t_last_error = "no error";

ecgdig_status fail(ecgdig_status status, const char *message) noexcept {
  try {
    t_last_error = message;
  } catch (...) {
    // Out of memory for the message itself: keep the previous text.
  }
  return status;
}

ecgdig_status fail(ErrorCode code, const char *message) noexcept {
  return fail(static_cast<ecgdig_status>(code), message);
}

#define ECGDIG_C_CATCH                                                           \
  catch (const ecgdig::Error &e) {                                               \
    return fail(e.code(), e.what());                                             \
  }                                                                              \
  catch (const std::bad_alloc &) {                                               \
    return fail(ECGDIG_E_INTERNAL, "out of memory");                             \
  }                                                                              \
  catch (const std::exception &e) {                                              \
    return fail(ECGDIG_E_INTERNAL, e.what());                                    \
  }                                                                              \
  catch (...) {                                                                  \
    return fail(ECGDIG_E_INTERNAL, "unknown exception");                         \
  }

template <class T>
void require(const T *pointer, const char *function, const char *parameter) {
  if (!pointer)
    throw Error(ErrorCode::InvalidArgument, fmt::format("{}: {} is NULL", function, parameter));
}

// Clears an object output first, so a failing call never leaves a stale pointer.
template <class T>
void require_out(T **out, const char *function) {
  require(out, function, "out");
  *out = nullptr;
}

ecgdig_pipeline_options default_options() {
  ecgdig_pipeline_options o = ECGDIG_PIPELINE_OPTIONS_INIT;
  return o;
}

// Reads a caller's options struct of any size, as Linux's copy_struct_from_user
// does: fields beyond the caller's struct_size keep their defaults, and bytes
// beyond the fields this library knows must be zero.
ecgdig_pipeline_options read_options(const ecgdig_pipeline_options *opts) {
  ecgdig_pipeline_options o = default_options();
  if (!opts) return o;
  const std::size_t size = opts->struct_size;
  if (size < ECGDIG_PIPELINE_OPTIONS_SIZE_V1)
    throw Error(ErrorCode::InvalidArgument,
                fmt::format("ecgdig_pipeline_options: struct_size {} is smaller than the first "
                            "version's {}; start from ECGDIG_PIPELINE_OPTIONS_INIT",
                            size, ECGDIG_PIPELINE_OPTIONS_SIZE_V1));
  const auto *bytes = reinterpret_cast<const unsigned char *>(opts);
  for (std::size_t i = sizeof(o); i < size; ++i)
    if (bytes[i] != 0)
      throw Error(ErrorCode::InvalidArgument,
                  fmt::format("ecgdig_pipeline_options: struct_size {} is larger than this "
                              "library's {} and byte {} of the unknown fields is not zero; "
                              "this library (ecgdig {}) is too old for the options set",
                              size, sizeof(o), i, ecgdig::version()));
  std::memcpy(&o, opts, std::min(size, sizeof(o)));
  return o;
}

ecgdig::PipelineOptions to_pipeline_options(const ecgdig_pipeline_options &c) {
  ecgdig::PipelineOptions o;
  o.num_threads = c.num_threads;
  o.output_fs_hz = c.output_fs_hz;
  if (c.segmenter) o.segmenter = c.segmenter;
  if (c.preprocessor) o.preprocessor = c.preprocessor;
  if (c.grid_detector) o.grid_detector = c.grid_detector;
  if (c.lead_layout) o.lead_layout = c.lead_layout;
  if (c.signal_extractor) o.signal_extractor = c.signal_extractor;
  if (c.layout) o.stage_options.set("layout", c.layout);
  if (c.weights_path) o.stage_options.set("weights", c.weights_path);
  for (const char *const *kv = c.stage_options; kv && *kv; ++kv) {
    const std::string item = *kv;
    const auto eq = item.find('=');
    if (eq == std::string::npos || eq == 0)
      throw Error(ErrorCode::InvalidArgument,
                  fmt::format("ecgdig_pipeline_options: stage option '{}' is not key=value", item));
    o.stage_options.set(item.substr(0, eq), item.substr(eq + 1));
  }
  return o;
}

int channels_of(ecgdig_pixel_format format) {
  switch (format) {
    case ECGDIG_PIXEL_GRAY8: return 1;
    case ECGDIG_PIXEL_RGB8:
    case ECGDIG_PIXEL_BGR8: return 3;
    case ECGDIG_PIXEL_RGBA8:
    case ECGDIG_PIXEL_BGRA8: return 4;
  }
  throw Error(ErrorCode::InvalidArgument,
              fmt::format("ecgdig_image_view: unknown pixel format {}", static_cast<int>(format)));
}

// The caller's pixels as CV_8UC3 BGR. BGR8 input is wrapped without a copy;
// alpha is composited on white paper, as the file reader does.
cv::Mat to_bgr(const ecgdig_image_view *view, const char *function) {
  require(view, function, "image");
  if (!view->data)
    throw Error(ErrorCode::InvalidArgument, fmt::format("{}: image data is NULL", function));
  if (view->width <= 0 || view->height <= 0)
    throw Error(ErrorCode::InvalidArgument,
                fmt::format("{}: image size {}x{} is not positive", function, view->width,
                            view->height));
  const int channels = channels_of(view->format);
  const std::int64_t row_bytes = std::int64_t{view->width} * channels;
  if (view->stride_bytes < row_bytes)
    throw Error(ErrorCode::InvalidArgument,
                fmt::format("{}: stride_bytes {} is shorter than a row of {} pixels x {} bytes",
                            function, view->stride_bytes, view->width, channels));
  cv::Mat wrapped(view->height, view->width, CV_8UC(channels), const_cast<uint8_t *>(view->data),
                  static_cast<std::size_t>(view->stride_bytes));
  cv::Mat bgr;
  switch (view->format) {
    case ECGDIG_PIXEL_GRAY8: cv::cvtColor(wrapped, bgr, cv::COLOR_GRAY2BGR); break;
    case ECGDIG_PIXEL_RGB8: cv::cvtColor(wrapped, bgr, cv::COLOR_RGB2BGR); break;
    case ECGDIG_PIXEL_BGR8: bgr = wrapped; break;
    case ECGDIG_PIXEL_RGBA8:
    case ECGDIG_PIXEL_BGRA8: {
      const bool rgb_order = view->format == ECGDIG_PIXEL_RGBA8;
      bgr.create(view->height, view->width, CV_8UC3);
      for (int y = 0; y < view->height; ++y) {
        const uint8_t *in = wrapped.ptr<uint8_t>(y);
        uint8_t *o = bgr.ptr<uint8_t>(y);
        for (int x = 0; x < view->width; ++x, in += 4, o += 3) {
          const unsigned a = in[3];
          for (int c = 0; c < 3; ++c) {
            const unsigned v = in[rgb_order ? 2 - c : c];
            o[c] = static_cast<uint8_t>((v * a + 255u * (255u - a) + 127u) / 255u);
          }
        }
      }
      break;
    }
  }
  return bgr;
}

std::vector<cv::Mat> read_pages(const char *path, const char *function) {
  require(path, function, "path");
  return ecgdig::read_image_pages(std::filesystem::u8path(path));
}

ecgdig_result *make_result(ecgdig::Result result) {
  result.record = ecgdig::to_standard_leads(result.record);
  for (auto &lead : result.record.leads)
    if (std::none_of(lead.mv.begin(), lead.mv.end(), [](float v) { return std::isfinite(v); }))
      lead.confidence = 0.0;
  return new ecgdig_result{std::move(result)};
}

const ecgdig::Lead &lead_at(const ecgdig_result *result, std::size_t index, const char *function) {
  require(result, function, "result");
  const auto &leads = result->result.record.leads;
  if (index >= leads.size())
    throw Error(ErrorCode::InvalidArgument,
                fmt::format("{}: lead index {} is not below the lead count {}", function, index,
                            leads.size()));
  return leads[index];
}

template <class T>
const T &item_at(const std::vector<T> &items, std::size_t index, const char *function,
                 const char *what) {
  if (index >= items.size())
    throw Error(ErrorCode::InvalidArgument,
                fmt::format("{}: {} index {} is not below the {} count {}", function, what, index,
                            what, items.size()));
  return items[index];
}

cv::Mat continuous(const cv::Mat &map, const char *what) {
  if (map.type() != CV_32FC1)
    throw Error(ErrorCode::Internal, fmt::format("segmenter gave a {} map that is not CV_32FC1", what));
  return map.isContinuous() ? map : map.clone();
}

}  // namespace

extern "C" {

const char *ecgdig_version(void) { return ecgdig::version(); }

uint32_t ecgdig_abi_version(void) { return ECGDIG_ABI_VERSION; }

int ecgdig_has_feature(ecgdig_feature feature) {
  try {
    if (feature == ECGDIG_FEATURE_TORCH)
      return ecgdig::built_with_torch() ? 1 : 0;
    return 0;
  } catch (...) {
    return 0;
  }
}

const char *ecgdig_last_error_message(void) { return t_last_error.c_str(); }

const char *ecgdig_status_name(ecgdig_status status) {
  return status == ECGDIG_OK ? "ok" : ecgdig::to_string(static_cast<ErrorCode>(status));
}

ecgdig_status ecgdig_pipeline_options_init(ecgdig_pipeline_options *opts) {
  try {
    require(opts, "ecgdig_pipeline_options_init", "opts");
    *opts = default_options();
    return ECGDIG_OK;
  }
  ECGDIG_C_CATCH
}

ecgdig_status ecgdig_pipeline_create(const ecgdig_pipeline_options *opts, ecgdig_pipeline **out) {
  try {
    require_out(out, "ecgdig_pipeline_create");
    *out = new ecgdig_pipeline{ecgdig::Pipeline(to_pipeline_options(read_options(opts)))};
    return ECGDIG_OK;
  }
  ECGDIG_C_CATCH
}

void ecgdig_pipeline_free(ecgdig_pipeline *pipeline) { delete pipeline; }

ecgdig_status ecgdig_file_page_count(const char *path, size_t *out) {
  try {
    require(out, "ecgdig_file_page_count", "out");
    *out = read_pages(path, "ecgdig_file_page_count").size();
    return ECGDIG_OK;
  }
  ECGDIG_C_CATCH
}

ecgdig_status ecgdig_digitize_file(ecgdig_pipeline *pipeline, const char *path,
                                   ecgdig_result **out) {
  return ecgdig_digitize_file_page(pipeline, path, 0, out);
}

ecgdig_status ecgdig_digitize_file_page(ecgdig_pipeline *pipeline, const char *path,
                                        size_t page_index, ecgdig_result **out) {
  try {
    const char *fn = "ecgdig_digitize_file";
    require_out(out, fn);
    require(pipeline, fn, "pipeline");
    const std::vector<cv::Mat> pages = read_pages(path, fn);
    if (page_index >= pages.size())
      throw Error(ErrorCode::InvalidArgument,
                  fmt::format("{}: page {} asked of '{}', which has {} page(s)", fn, page_index,
                              path, pages.size()));
    *out = make_result(pipeline->pipeline.run(pages[page_index]));
    return ECGDIG_OK;
  }
  ECGDIG_C_CATCH
}

ecgdig_status ecgdig_digitize_image(ecgdig_pipeline *pipeline, const ecgdig_image_view *image,
                                    ecgdig_result **out) {
  try {
    const char *fn = "ecgdig_digitize_image";
    require_out(out, fn);
    require(pipeline, fn, "pipeline");
    *out = make_result(pipeline->pipeline.run(to_bgr(image, fn)));
    return ECGDIG_OK;
  }
  ECGDIG_C_CATCH
}

ecgdig_status ecgdig_result_lead_count(const ecgdig_result *result, size_t *out) {
  try {
    require(result, "ecgdig_result_lead_count", "result");
    require(out, "ecgdig_result_lead_count", "out");
    *out = result->result.record.leads.size();
    return ECGDIG_OK;
  }
  ECGDIG_C_CATCH
}

ecgdig_status ecgdig_result_lead_name(const ecgdig_result *result, size_t index,
                                      const char **out) {
  try {
    require(out, "ecgdig_result_lead_name", "out");
    *out = lead_at(result, index, "ecgdig_result_lead_name").name.c_str();
    return ECGDIG_OK;
  }
  ECGDIG_C_CATCH
}

ecgdig_status ecgdig_result_lead_samples(const ecgdig_result *result, size_t index,
                                         const float **samples, size_t *count, double *fs_hz,
                                         double *start_s) {
  try {
    const char *fn = "ecgdig_result_lead_samples";
    require(samples, fn, "samples");
    require(count, fn, "count");
    require(fs_hz, fn, "fs_hz");
    require(start_s, fn, "start_s");
    const ecgdig::Lead &lead = lead_at(result, index, fn);
    const double fs = result->result.record.fs_hz;
    const auto first = std::find_if(lead.mv.begin(), lead.mv.end(),
                                    [](float v) { return std::isfinite(v); });
    *samples = lead.mv.empty() ? nullptr : lead.mv.data();
    *count = lead.mv.size();
    *fs_hz = fs;
    *start_s = first == lead.mv.end() ? std::numeric_limits<double>::quiet_NaN()
                                      : static_cast<double>(first - lead.mv.begin()) / fs;
    return ECGDIG_OK;
  }
  ECGDIG_C_CATCH
}

ecgdig_status ecgdig_result_lead_confidence(const ecgdig_result *result, size_t index,
                                            double *out) {
  try {
    require(out, "ecgdig_result_lead_confidence", "out");
    *out = lead_at(result, index, "ecgdig_result_lead_confidence").confidence;
    return ECGDIG_OK;
  }
  ECGDIG_C_CATCH
}

ecgdig_status ecgdig_result_layout_name(const ecgdig_result *result, const char **out) {
  try {
    require(result, "ecgdig_result_layout_name", "result");
    require(out, "ecgdig_result_layout_name", "out");
    *out = result->result.layout.name.c_str();
    return ECGDIG_OK;
  }
  ECGDIG_C_CATCH
}

ecgdig_status ecgdig_result_px_per_mm(const ecgdig_result *result, double *px_per_mm_x,
                                      double *px_per_mm_y) {
  try {
    require(result, "ecgdig_result_px_per_mm", "result");
    require(px_per_mm_x, "ecgdig_result_px_per_mm", "px_per_mm_x");
    require(px_per_mm_y, "ecgdig_result_px_per_mm", "px_per_mm_y");
    *px_per_mm_x = result->result.geometry.px_per_mm_x;
    *px_per_mm_y = result->result.geometry.px_per_mm_y;
    return ECGDIG_OK;
  }
  ECGDIG_C_CATCH
}

ecgdig_status ecgdig_result_warning_count(const ecgdig_result *result, size_t *out) {
  try {
    require(result, "ecgdig_result_warning_count", "result");
    require(out, "ecgdig_result_warning_count", "out");
    *out = result->result.diagnostics.warnings.size();
    return ECGDIG_OK;
  }
  ECGDIG_C_CATCH
}

ecgdig_status ecgdig_result_warning(const ecgdig_result *result, size_t index, const char **out) {
  try {
    const char *fn = "ecgdig_result_warning";
    require(result, fn, "result");
    require(out, fn, "out");
    *out = item_at(result->result.diagnostics.warnings, index, fn, "warning").c_str();
    return ECGDIG_OK;
  }
  ECGDIG_C_CATCH
}

ecgdig_status ecgdig_result_stage_count(const ecgdig_result *result, size_t *out) {
  try {
    require(result, "ecgdig_result_stage_count", "result");
    require(out, "ecgdig_result_stage_count", "out");
    *out = result->result.diagnostics.timings.size();
    return ECGDIG_OK;
  }
  ECGDIG_C_CATCH
}

ecgdig_status ecgdig_result_stage_timing(const ecgdig_result *result, size_t index,
                                         const char **stage, double *ms) {
  try {
    const char *fn = "ecgdig_result_stage_timing";
    require(result, fn, "result");
    require(stage, fn, "stage");
    require(ms, fn, "ms");
    const ecgdig::StageTiming &t = item_at(result->result.diagnostics.timings, index, fn, "stage");
    *stage = t.stage.c_str();
    *ms = t.ms;
    return ECGDIG_OK;
  }
  ECGDIG_C_CATCH
}

ecgdig_status ecgdig_result_write(const ecgdig_result *result, const char *path,
                                  ecgdig_record_format format) {
  try {
    const char *fn = "ecgdig_result_write";
    require(result, fn, "result");
    require(path, fn, "path");
    ecgdig::RecordFormat f;
    switch (format) {
      case ECGDIG_RECORD_WFDB: f = ecgdig::RecordFormat::Wfdb; break;
      case ECGDIG_RECORD_CSV: f = ecgdig::RecordFormat::Csv; break;
      case ECGDIG_RECORD_JSON: f = ecgdig::RecordFormat::Json; break;
      default:
        throw Error(ErrorCode::InvalidArgument,
                    fmt::format("{}: unknown record format {}", fn, static_cast<int>(format)));
    }
    const auto file = std::filesystem::u8path(path);
    ecgdig::Record record = result->result.record;
    record.name = (f == ecgdig::RecordFormat::Wfdb ? file.stem() : file.filename()).string();
    ecgdig::write_record(record, file, f);
    return ECGDIG_OK;
  }
  ECGDIG_C_CATCH
}

ecgdig_status ecgdig_result_write_overlay(const ecgdig_result *result, const char *png_path) {
  try {
    const char *fn = "ecgdig_result_write_overlay";
    require(result, fn, "result");
    require(png_path, fn, "png_path");
    std::vector<uchar> png;
    if (!cv::imencode(".png", ecgdig::draw_overlay(result->result), png))
      throw Error(ErrorCode::Internal, fmt::format("{}: the overlay cannot be encoded", fn));
    std::FILE *file = std::fopen(png_path, "wb");
    if (!file) throw Error(ErrorCode::Io, fmt::format("{}: cannot open '{}' for writing", fn, png_path));
    const bool written = std::fwrite(png.data(), 1, png.size(), file) == png.size();
    if (std::fclose(file) != 0 || !written)
      throw Error(ErrorCode::Io, fmt::format("{}: cannot write '{}'", fn, png_path));
    return ECGDIG_OK;
  }
  ECGDIG_C_CATCH
}

void ecgdig_result_free(ecgdig_result *result) { delete result; }

ecgdig_status ecgdig_segment_image(ecgdig_pipeline *pipeline, const ecgdig_image_view *image,
                                   ecgdig_maps **out) {
  try {
    const char *fn = "ecgdig_segment_image";
    require_out(out, fn);
    require(pipeline, fn, "pipeline");
    const ecgdig::SegmentationMaps maps = pipeline->pipeline.segmenter().segment(to_bgr(image, fn));
    auto result = std::make_unique<ecgdig_maps>();
    result->planes[ECGDIG_MAP_TRACE] = continuous(maps.trace, "trace");
    result->planes[ECGDIG_MAP_GRID] = continuous(maps.grid, "grid");
    result->planes[ECGDIG_MAP_TEXT] = continuous(maps.text, "text");
    cv::Mat background = 1.0 - (maps.trace + maps.grid + maps.text);
    result->planes[ECGDIG_MAP_BACKGROUND] = cv::max(background, 0.0);
    *out = result.release();
    return ECGDIG_OK;
  }
  ECGDIG_C_CATCH
}

ecgdig_status ecgdig_maps_get(const ecgdig_maps *maps, ecgdig_map_class map_class,
                              const float **data, int32_t *width, int32_t *height) {
  try {
    const char *fn = "ecgdig_maps_get";
    require(maps, fn, "maps");
    require(data, fn, "data");
    require(width, fn, "width");
    require(height, fn, "height");
    const int index = static_cast<int>(map_class);
    if (index < 0 || index > ECGDIG_MAP_BACKGROUND)
      throw Error(ErrorCode::InvalidArgument, fmt::format("{}: unknown map class {}", fn, index));
    const cv::Mat &plane = maps->planes[index];
    *data = plane.ptr<float>();
    *width = plane.cols;
    *height = plane.rows;
    return ECGDIG_OK;
  }
  ECGDIG_C_CATCH
}

void ecgdig_maps_free(ecgdig_maps *maps) { delete maps; }

ecgdig_status ecgdig_detect_grid(ecgdig_pipeline *pipeline, const ecgdig_image_view *image,
                                 double *px_per_mm, double *rotation_deg) {
  try {
    const char *fn = "ecgdig_detect_grid";
    require(pipeline, fn, "pipeline");
    require(px_per_mm, fn, "px_per_mm");
    require(rotation_deg, fn, "rotation_deg");
    const cv::Mat bgr = to_bgr(image, fn);
    const ecgdig::Pipeline &p = pipeline->pipeline;
    const ecgdig::Geometry g = p.grid_detector().detect(bgr, p.segmenter().segment(bgr));
    *px_per_mm = 0.5 * (g.px_per_mm_x + g.px_per_mm_y);
    *rotation_deg = g.rotation_deg;
    return ECGDIG_OK;
  }
  ECGDIG_C_CATCH
}

}  // extern "C"
