#pragma once
/// @file
/// Decoding page images and PDFs from disk, with limits against hostile files.

#include <cstdint>
#include <filesystem>
#include <vector>

#include <opencv2/core.hpp>

#include "ecgdig/export.hpp"

namespace ecgdig {
inline namespace v1 {

/// Limits and settings for read_image_pages().
struct ImageReadOptions {
  /// Resolution at which PDF pages are rendered, in dots per inch (36..1200).
  double pdf_dpi = 300.0;
  /// Largest page, in pixels, that is decoded. JPEGs above it are decoded
  /// at 1/2, 1/4 or 1/8 scale; PDF pages are rendered at a lower DPI; other
  /// formats above it are refused with Error(Unsupported).
  double max_pixels = 100e6;
  /// Most pages read from one PDF or multi-page TIFF; a file with more pages
  /// is refused with Error(Unsupported) rather than silently cut.
  int max_pdf_pages = 100;
};

/// Reads every page of an image file.
///
/// The format is taken from the file's first bytes, not its name: PNG (8 or
/// 16 bit, grey, palette, alpha), JPEG (EXIF orientation applied), TIFF
/// (every page of a multi-page file), BMP, WebP and PDF (each page rendered
/// at options.pdf_dpi). Alpha is composited on white; 16-bit samples are
/// scaled to 8 bit. The size is read from the file header before decoding, so
/// a header that claims a huge image is refused without allocating it.
///
/// @param path file to read
/// @param options limits; see ImageReadOptions
/// @return one CV_8UC3 BGR image per page, in page order (never empty)
/// @throws Error(Io) when the path does not exist, is a directory or cannot be read;
///         Error(Format) when the file is empty, not an image, truncated or corrupt;
///         Error(Unsupported) for encrypted PDFs, images over max_pixels that cannot be
///         decoded smaller, more than max_pdf_pages pages, or formats this build cannot decode;
///         Error(InvalidArgument) for out-of-range options.
ECGDIG_API std::vector<cv::Mat> read_image_pages(const std::filesystem::path &path,
                                                 const ImageReadOptions &options = {});

}  // namespace v1
}  // namespace ecgdig
