/**
 * @file
 * ecgdig C API: digitize pictures of paper ECGs into 12-lead signals.
 *
 * Stable across minor releases (see ECGDIG_ABI_VERSION). Conventions:
 * - Every fallible call returns an ecgdig_status: ECGDIG_OK (0) on success, a
 *   negative code otherwise. On failure, ecgdig_last_error_message() says why.
 * - Outputs come last. On failure an object output (`ecgdig_x **out`) is set
 *   to NULL and other outputs are left untouched.
 * - Objects are opaque, created by ecgdig_* calls and released with their
 *   own ecgdig_*_free; every _free accepts NULL. Never release library memory
 *   with free().
 * - Strings are UTF-8 and NUL-terminated. Strings and arrays the library hands
 *   out are borrowed: they stay valid until the object they came from is freed.
 *   Strings and pixels the caller passes in are borrowed for the call only.
 * - Threads: an ecgdig_pipeline is used by one thread at a time (make one per
 *   thread for parallel work); results and maps are independent objects that
 *   may be read from any thread. No global initialisation is needed.
 */
#ifndef ECGDIG_H
#define ECGDIG_H

#include <stddef.h>
#include <stdint.h>

#ifndef ECGDIG_API
#  if defined(_WIN32)
#    if defined(ECGDIG_BUILDING)
#      define ECGDIG_API __declspec(dllexport)
#    elif defined(ECGDIG_SHARED)
#      define ECGDIG_API __declspec(dllimport)
#    else
#      define ECGDIG_API
#    endif
#  else
#    define ECGDIG_API __attribute__((visibility("default")))
#  endif
#endif

#if defined(__GNUC__) || defined(__clang__)
#  define ECGDIG_DEPRECATED(message) __attribute__((deprecated(message)))
#elif defined(_MSC_VER)
#  define ECGDIG_DEPRECATED(message) __declspec(deprecated(message))
#else
#  define ECGDIG_DEPRECATED(message)
#endif

/* C++ sees the enums with int as their fixed underlying type (the same
 * representation C gives them), so any int a caller passes is a valid value
 * there and is refused with ECGDIG_E_INVALID_ARG rather than being undefined. */
#ifdef __cplusplus
#  define ECGDIG_ENUM_INT : int
#else
#  define ECGDIG_ENUM_INT
#endif

#ifdef __cplusplus
extern "C" {
#endif

/** ABI version of this header. Raised only on an incompatible change. */
#define ECGDIG_ABI_VERSION 1

/** Result of every fallible call. Values equal ecgdig::ErrorCode and are never renumbered. */
typedef enum ecgdig_status ECGDIG_ENUM_INT {
  ECGDIG_OK = 0,                /**< success */
  ECGDIG_E_INVALID_ARG = -1,    /**< a parameter or option is NULL, out of range or unknown */
  ECGDIG_E_IO = -2,             /**< a file could not be opened, read or written */
  ECGDIG_E_NO_GRID = -3,        /**< no usable grid or scale was found on the page */
  ECGDIG_E_FORMAT = -4,         /**< a file exists but its content is malformed */
  ECGDIG_E_NOT_AN_ECG = -5,     /**< the image holds nothing that looks like ECG traces */
  ECGDIG_E_UNSUPPORTED = -6,    /**< valid input that this build cannot handle */
  ECGDIG_E_INTERNAL = -99       /**< a bug (or out of memory); please report it */
} ecgdig_status;

/** Optional parts of the library, for ecgdig_has_feature(). */
typedef enum ecgdig_feature ECGDIG_ENUM_INT {
  ECGDIG_FEATURE_TORCH = 1 /**< the LibTorch U-Net segmenter ("unet") is built in */
} ecgdig_feature;

/** Layout of the pixels of an ecgdig_image_view; every channel is 8 bits. */
typedef enum ecgdig_pixel_format ECGDIG_ENUM_INT {
  ECGDIG_PIXEL_GRAY8 = 1, /**< 1 byte per pixel, grey */
  ECGDIG_PIXEL_RGB8 = 2,  /**< 3 bytes per pixel: red, green, blue */
  ECGDIG_PIXEL_BGR8 = 3,  /**< 3 bytes per pixel: blue, green, red (OpenCV order) */
  ECGDIG_PIXEL_RGBA8 = 4, /**< 4 bytes per pixel: red, green, blue, alpha (composited on white) */
  ECGDIG_PIXEL_BGRA8 = 5  /**< 4 bytes per pixel: blue, green, red, alpha (composited on white) */
} ecgdig_pixel_format;

/** On-disk record formats for ecgdig_result_write(). */
typedef enum ecgdig_record_format ECGDIG_ENUM_INT {
  ECGDIG_RECORD_WFDB = 0, /**< PhysioNet WFDB: PATH.hea + PATH.dat (an extension on PATH is dropped) */
  ECGDIG_RECORD_CSV = 1,  /**< one column per lead, one row per sample */
  ECGDIG_RECORD_JSON = 2  /**< {"name", "fs_hz", "leads": [{"name", "mv": [...]}]} */
} ecgdig_record_format;

/** Classes of the segmentation maps, for ecgdig_maps_get(). */
typedef enum ecgdig_map_class ECGDIG_ENUM_INT {
  ECGDIG_MAP_TRACE = 0,     /**< the ECG signal line */
  ECGDIG_MAP_GRID = 1,      /**< printed millimetre grid */
  ECGDIG_MAP_TEXT = 2,      /**< lead names, header and footer text, calibration marks */
  ECGDIG_MAP_BACKGROUND = 3 /**< what the other three leave: 1 - trace - grid - text, at least 0 */
} ecgdig_map_class;

/** A digitizing pipeline. One thread at a time; free with ecgdig_pipeline_free(). */
typedef struct ecgdig_pipeline ecgdig_pipeline;
/** What the pipeline found on one page. Immutable; free with ecgdig_result_free(). */
typedef struct ecgdig_result ecgdig_result;
/** Per-class probability maps of one image. Immutable; free with ecgdig_maps_free(). */
typedef struct ecgdig_maps ecgdig_maps;

/**
 * Pixels owned by the caller, borrowed for the duration of one call.
 * Row r starts at data + r * stride_bytes; stride_bytes is at least
 * width * (bytes per pixel of format).
 */
typedef struct ecgdig_image_view {
  const uint8_t *data;        /**< first row; caller-owned, borrowed for the call */
  int32_t width;              /**< pixels per row, > 0 */
  int32_t height;             /**< rows, > 0 */
  int32_t stride_bytes;       /**< bytes from one row to the next */
  ecgdig_pixel_format format; /**< layout of each pixel */
} ecgdig_image_view;

/**
 * Settings of ecgdig_pipeline_create(). Start from ECGDIG_PIPELINE_OPTIONS_INIT
 * or ecgdig_pipeline_options_init(), then change fields.
 *
 * The struct only grows by appending fields. The library reads only the
 * fields inside struct_size, so a program built against an older header keeps
 * working. struct_size must be at least ECGDIG_PIPELINE_OPTIONS_SIZE_V1; a
 * struct_size larger than the library knows is accepted only when every
 * unknown byte is zero (a newer program that leaves new fields at their
 * defaults runs on an older library; one that sets them gets
 * ECGDIG_E_INVALID_ARG instead of being silently ignored).
 *
 * Every string is caller-owned and borrowed for the ecgdig_pipeline_create()
 * call only; NULL selects the default.
 */
typedef struct ecgdig_pipeline_options {
  uint32_t struct_size;         /**< sizeof(ecgdig_pipeline_options) */
  int32_t num_threads;          /**< threads for one page; 0 = all cores */
  double output_fs_hz;          /**< sampling rate of the output leads in Hz, (0, 100000]; default 500 */
  const char *segmenter;        /**< "auto" (default: "unet" where its weights are found, else "classical"), "classical" or "unet" (see ECGDIG_FEATURE_TORCH) */
  const char *weights_path;     /**< model weights for a learned segmenter (stage option "weights") */
  const char *layout;           /**< layout template name such as "3x4+1", or "auto" (default) */
  const char *preprocessor;     /**< preprocessor name; default "standard" */
  const char *grid_detector;    /**< grid detector name; default "hough" */
  const char *lead_layout;      /**< lead layout stage name; default "template" */
  const char *signal_extractor; /**< signal extractor name; default "trace" */
  const char *const *stage_options; /**< NULL-terminated array of "key=value" stage settings, or NULL */
} ecgdig_pipeline_options;

/** Smallest struct_size accepted: the size of the first version of ecgdig_pipeline_options. */
#define ECGDIG_PIPELINE_OPTIONS_SIZE_V1 \
  (offsetof(ecgdig_pipeline_options, stage_options) + sizeof(const char *const *))

/** Defaults for ecgdig_pipeline_options. */
#define ECGDIG_PIPELINE_OPTIONS_INIT \
  { (uint32_t)sizeof(ecgdig_pipeline_options), 0, 500.0, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL }

/* ---- Library ---------------------------------------------------------- */

/** Version of the loaded library, e.g. "0.1.0". Static storage; never NULL. */
ECGDIG_API const char *ecgdig_version(void);

/**
 * ABI version of the loaded library. Refuse to run when it is lower than the
 * ECGDIG_ABI_VERSION your program was compiled with.
 */
ECGDIG_API uint32_t ecgdig_abi_version(void);

/** 1 when the feature is built in, 0 when not (or unknown). */
ECGDIG_API int ecgdig_has_feature(ecgdig_feature feature);

/**
 * Message of the last failing call on this thread: a sentence naming the file
 * or parameter concerned. Owned by the library (thread-local storage), valid
 * until the next failing call on this thread; never NULL. Successful calls
 * leave it as it was, so it is meaningful only after a call returned an
 * error: the status, not the message, says whether a call succeeded.
 */
ECGDIG_API const char *ecgdig_last_error_message(void);

/** Short stable name of a status, e.g. "io". Static storage; never NULL. */
ECGDIG_API const char *ecgdig_status_name(ecgdig_status status);

/* ---- Pipeline --------------------------------------------------------- */

/**
 * Fills *opts with the defaults (same as ECGDIG_PIPELINE_OPTIONS_INIT).
 * @param opts caller-owned; its struct_size is set to this header's size
 * @return ECGDIG_E_INVALID_ARG when opts is NULL
 */
ECGDIG_API ecgdig_status ecgdig_pipeline_options_init(ecgdig_pipeline_options *opts);

/**
 * Builds a pipeline.
 * @param opts caller-owned, borrowed for the call; NULL means all defaults
 * @param out receives the pipeline; free with ecgdig_pipeline_free()
 * @return ECGDIG_E_INVALID_ARG for a bad struct_size, an unknown stage name or
 *         an out-of-range setting; ECGDIG_E_UNSUPPORTED for a stage this build lacks
 */
ECGDIG_API ecgdig_status ecgdig_pipeline_create(const ecgdig_pipeline_options *opts,
                                                ecgdig_pipeline **out);

/** Frees a pipeline; NULL is a no-op. Results made by it stay valid. */
ECGDIG_API void ecgdig_pipeline_free(ecgdig_pipeline *pipeline);

/* ---- Digitizing ------------------------------------------------------- */

/**
 * Number of pages in an image file (1 for PNG, JPEG, BMP, WebP; every page
 * of a multi-page TIFF or PDF).
 * @param path caller-owned, borrowed for the call
 * @param out receives the page count
 * @return ECGDIG_E_IO when the file cannot be read, ECGDIG_E_FORMAT when it is not an image
 */
ECGDIG_API ecgdig_status ecgdig_file_page_count(const char *path, size_t *out);

/**
 * Digitizes the first page of an image file (PNG, JPEG, TIFF, BMP, WebP, PDF).
 * @param pipeline borrowed; used by this thread only during the call
 * @param path caller-owned, borrowed for the call
 * @param out receives the result; free with ecgdig_result_free()
 */
ECGDIG_API ecgdig_status ecgdig_digitize_file(ecgdig_pipeline *pipeline, const char *path,
                                              ecgdig_result **out);

/**
 * Digitizes one page of an image file.
 * @param pipeline borrowed; used by this thread only during the call
 * @param path caller-owned, borrowed for the call
 * @param page_index 0-based; ECGDIG_E_INVALID_ARG when not below the page count
 * @param out receives the result; free with ecgdig_result_free()
 */
ECGDIG_API ecgdig_status ecgdig_digitize_file_page(ecgdig_pipeline *pipeline, const char *path,
                                                   size_t page_index, ecgdig_result **out);

/**
 * Digitizes a decoded page held in memory.
 * @param pipeline borrowed; used by this thread only during the call
 * @param image caller-owned view; the pixels are borrowed for the call only
 * @param out receives the result; free with ecgdig_result_free()
 * @return ECGDIG_E_INVALID_ARG for NULL data, a non-positive size, an unknown
 *         pixel format or a stride shorter than a row
 */
ECGDIG_API ecgdig_status ecgdig_digitize_image(ecgdig_pipeline *pipeline,
                                               const ecgdig_image_view *image,
                                               ecgdig_result **out);

/* ---- Results ---------------------------------------------------------- */

/**
 * Number of leads: the 12 standard leads (I, II, III, aVR, aVL, aVF, V1-V6)
 * in that order. A lead the page does not show is all NaN.
 * @param result borrowed
 * @param out receives the count
 */
ECGDIG_API ecgdig_status ecgdig_result_lead_count(const ecgdig_result *result, size_t *out);

/**
 * Name of a lead, e.g. "aVR".
 * @param result borrowed
 * @param index 0-based, below ecgdig_result_lead_count()
 * @param out receives the name, borrowed until the result is freed
 */
ECGDIG_API ecgdig_status ecgdig_result_lead_name(const ecgdig_result *result, size_t index,
                                                 const char **out);

/**
 * Samples of a lead in millivolts. Every lead has the same count and rate;
 * samples the page does not show are NaN (never 0).
 * @param result borrowed
 * @param index 0-based, below ecgdig_result_lead_count()
 * @param samples receives the first sample, borrowed until the result is freed
 *        (NULL when count is 0)
 * @param count receives the number of samples
 * @param fs_hz receives the sampling rate in Hz
 * @param start_s receives the time in seconds of the first finite sample
 *        (index / fs_hz), NaN when the lead has none
 */
ECGDIG_API ecgdig_status ecgdig_result_lead_samples(const ecgdig_result *result, size_t index,
                                                    const float **samples, size_t *count,
                                                    double *fs_hz, double *start_s);

/**
 * Confidence of a lead's trace, 0..1; 0 for a lead the page does not show.
 * @param result borrowed
 * @param index 0-based, below ecgdig_result_lead_count()
 * @param out receives the confidence
 */
ECGDIG_API ecgdig_status ecgdig_result_lead_confidence(const ecgdig_result *result, size_t index,
                                                       double *out);

/**
 * Name of the layout template found, e.g. "3x4+1".
 * @param result borrowed
 * @param out receives the name, borrowed until the result is freed
 */
ECGDIG_API ecgdig_status ecgdig_result_layout_name(const ecgdig_result *result, const char **out);

/**
 * Scale of the rectified page: pixels per millimetre of paper.
 * @param result borrowed
 * @param px_per_mm_x receives the horizontal scale
 * @param px_per_mm_y receives the vertical scale
 */
ECGDIG_API ecgdig_status ecgdig_result_px_per_mm(const ecgdig_result *result, double *px_per_mm_x,
                                                 double *px_per_mm_y);

/**
 * Number of warnings, e.g. "no grid found; scale from calibration pulse".
 * @param result borrowed
 * @param out receives the count
 */
ECGDIG_API ecgdig_status ecgdig_result_warning_count(const ecgdig_result *result, size_t *out);

/**
 * One warning.
 * @param result borrowed
 * @param index 0-based, below ecgdig_result_warning_count()
 * @param out receives the message, borrowed until the result is freed
 */
ECGDIG_API ecgdig_status ecgdig_result_warning(const ecgdig_result *result, size_t index,
                                               const char **out);

/**
 * Number of timed stages (preprocess, segment, grid, layout, extract).
 * @param result borrowed
 * @param out receives the count
 */
ECGDIG_API ecgdig_status ecgdig_result_stage_count(const ecgdig_result *result, size_t *out);

/**
 * Wall-clock time of one stage.
 * @param result borrowed
 * @param index 0-based, below ecgdig_result_stage_count(), in pipeline order
 * @param stage receives the stage name, borrowed until the result is freed
 * @param ms receives the time in milliseconds
 */
ECGDIG_API ecgdig_status ecgdig_result_stage_timing(const ecgdig_result *result, size_t index,
                                                    const char **stage, double *ms);

/**
 * Writes the leads (the 12 standard leads, in mV) to a file.
 * @param result borrowed
 * @param path caller-owned, borrowed for the call; for WFDB the base name
 *        (PATH.hea and PATH.dat are written; an extension is dropped)
 * @param format the file format
 * @return ECGDIG_E_IO when the file cannot be written
 */
ECGDIG_API ecgdig_status ecgdig_result_write(const ecgdig_result *result, const char *path,
                                             ecgdig_record_format format);

/**
 * Writes a PNG of the rectified page with the digitized traces, panel boxes,
 * lead names and a scale mark drawn over it, for a person to check.
 * @param result borrowed
 * @param png_path caller-owned, borrowed for the call
 * @return ECGDIG_E_IO when the file cannot be written
 */
ECGDIG_API ecgdig_status ecgdig_result_write_overlay(const ecgdig_result *result,
                                                     const char *png_path);

/** Frees a result and everything borrowed from it; NULL is a no-op. */
ECGDIG_API void ecgdig_result_free(ecgdig_result *result);

/* ---- Single stages ---------------------------------------------------- */

/**
 * Runs only the pipeline's segmenter on an image, as given (no resizing), so
 * the maps have the image's size.
 * @param pipeline borrowed; used by this thread only during the call
 * @param image caller-owned view; the pixels are borrowed for the call only
 * @param out receives the maps; free with ecgdig_maps_free()
 */
ECGDIG_API ecgdig_status ecgdig_segment_image(ecgdig_pipeline *pipeline,
                                              const ecgdig_image_view *image, ecgdig_maps **out);

/**
 * One class's probability map: row-major floats in [0, 1], width per row, no padding.
 * @param maps borrowed
 * @param map_class which class
 * @param data receives the first value, borrowed until the maps are freed
 * @param width receives the width in pixels
 * @param height receives the height in pixels
 */
ECGDIG_API ecgdig_status ecgdig_maps_get(const ecgdig_maps *maps, ecgdig_map_class map_class,
                                         const float **data, int32_t *width, int32_t *height);

/** Frees maps; NULL is a no-op. */
ECGDIG_API void ecgdig_maps_free(ecgdig_maps *maps);

/**
 * Runs the pipeline's segmenter and grid detector on an image, as given (no
 * resizing), and reports the paper's scale and the page's rotation.
 * @param pipeline borrowed; used by this thread only during the call
 * @param image caller-owned view; the pixels are borrowed for the call only
 * @param px_per_mm receives the image's pixels per millimetre of paper
 *        (mean of the horizontal and vertical scale, after rectification)
 * @param rotation_deg receives the rotation removed to make the page upright,
 *        in degrees, counter-clockwise positive
 * @return ECGDIG_E_NO_GRID when neither the grid nor any fallback gives a scale
 */
ECGDIG_API ecgdig_status ecgdig_detect_grid(ecgdig_pipeline *pipeline,
                                            const ecgdig_image_view *image, double *px_per_mm,
                                            double *rotation_deg);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* ECGDIG_H */
