#include "ecgdig/image_io.hpp"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <limits>
#include <memory>
#include <set>
#include <string>
#include <system_error>

#include <fmt/format.h>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <poppler-document.h>
#include <poppler-image.h>
#include <poppler-page-renderer.h>
#include <poppler-page.h>

#include "ecgdig/error.hpp"
#include "preprocess/pixel_convert.hpp"

namespace ecgdig {
inline namespace v1 {
namespace {

namespace fs = std::filesystem;
using Bytes = std::vector<std::uint8_t>;

// Larger files are refused before reading: no ECG page needs a gigabyte.
constexpr std::uintmax_t kMaxFileBytes = std::uintmax_t{1} << 30;

enum class Kind { Png, Jpeg, Tiff, Bmp, WebP, Pdf };

const char *kind_name(Kind kind) {
  switch (kind) {
    case Kind::Png: return "PNG";
    case Kind::Jpeg: return "JPEG";
    case Kind::Tiff: return "TIFF";
    case Kind::Bmp: return "BMP";
    case Kind::WebP: return "WebP";
    case Kind::Pdf: return "PDF";
  }
  return "?";
}

// True when bytes[offset, offset + n) equal `text`, comparing as unsigned bytes.
bool bytes_match(const Bytes &bytes, std::size_t offset, const char *text, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i)
    if (bytes[offset + i] != static_cast<unsigned char>(text[i])) return false;
  return true;
}

// Bounds-checked big/little-endian reads; out-of-range reads mean a truncated header.
class Reader {
 public:
  Reader(const Bytes &bytes, std::string name) : bytes_(bytes), name_(std::move(name)) {}
  std::size_t size() const { return bytes_.size(); }
  bool has(std::size_t offset, std::size_t n) const { return offset <= size() && n <= size() - offset; }
  std::uint8_t u8(std::size_t offset) const {
    need(offset, 1);
    return bytes_[offset];
  }
  std::uint32_t uint(std::size_t offset, int n, bool big_endian) const {
    need(offset, static_cast<std::size_t>(n));
    std::uint32_t v = 0;
    for (int i = 0; i < n; ++i) {
      const std::uint32_t b = bytes_[offset + static_cast<std::size_t>(big_endian ? i : n - 1 - i)];
      v = (v << 8) | b;
    }
    return v;
  }
  std::uint32_t be(std::size_t offset, int n) const { return uint(offset, n, true); }
  std::uint32_t le(std::size_t offset, int n) const { return uint(offset, n, false); }
  bool starts_with(std::size_t offset, const char *text) const {
    const std::size_t n = std::char_traits<char>::length(text);
    return has(offset, n) && bytes_match(bytes_, offset, text, n);
  }
  [[noreturn]] void fail(const std::string &why) const {
    throw Error(ErrorCode::Format, fmt::format("cannot read {}: {}", name_, why));
  }

 private:
  void need(std::size_t offset, std::size_t n) const {
    if (!has(offset, n)) fail("the file is truncated (header ends early)");
  }
  const Bytes &bytes_;
  std::string name_;
};

std::string describe_unknown(const Bytes &bytes) {
  const std::size_t n = std::min<std::size_t>(bytes.size(), 32);
  auto starts = [&](const char *magic) {
    const std::size_t m = std::char_traits<char>::length(magic);
    return bytes.size() >= m && bytes_match(bytes, 0, magic, m);
  };
  if (starts("GIF8")) return "it is a GIF image, which is not supported (convert it to PNG)";
  if (starts("PK\x03\x04")) return "it is a ZIP archive";
  if (starts("\x1f\x8b")) return "it is gzip-compressed data";
  const bool text = std::all_of(bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(n), [](std::uint8_t c) {
    return c == '\n' || c == '\r' || c == '\t' || (c >= 0x20 && c < 0x7f) || c >= 0x80;
  });
  std::string head;
  if (text) {
    for (std::size_t i = 0; i < n; ++i) head += (bytes[i] == '\n' || bytes[i] == '\r') ? ' ' : static_cast<char>(bytes[i]);
    return "it looks like a text file starting with \"" + head + "\"";
  }
  for (std::size_t i = 0; i < std::min<std::size_t>(n, 8); ++i) head += fmt::format("{:02x} ", bytes[i]);
  return "its first bytes (" + head.substr(0, head.size() - 1) + ") match no known image format";
}

Kind sniff(const Reader &r, const Bytes &bytes, const std::string &name) {
  if (r.starts_with(0, "\x89PNG\r\n\x1a\n")) return Kind::Png;
  if (r.has(0, 3) && r.u8(0) == 0xff && r.u8(1) == 0xd8 && r.u8(2) == 0xff) return Kind::Jpeg;
  if (r.starts_with(0, "II*") || r.starts_with(0, "MM")) {
    if (r.has(0, 4) && r.u8(2) + r.u8(3) == 42) return Kind::Tiff;
  }
  if (r.starts_with(0, "BM")) return Kind::Bmp;
  if (r.starts_with(0, "RIFF") && r.starts_with(8, "WEBP")) return Kind::WebP;
  // PDF readers accept the header anywhere in the first kilobyte.
  const std::string head(bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(std::min<std::size_t>(bytes.size(), 1024)));
  if (head.find("%PDF-") != std::string::npos) return Kind::Pdf;
  throw Error(ErrorCode::Format, fmt::format("cannot read {}: not a PNG, JPEG, TIFF, BMP, WebP or PDF file; {}",
                                             name, describe_unknown(bytes)));
}

Bytes read_file(const fs::path &path) {
  const std::string name = path.string();
  std::error_code ec;
  const fs::file_status status = fs::status(path, ec);
  if (ec || !fs::exists(status)) throw Error(ErrorCode::Io, fmt::format("cannot read {}: no such file", name));
  if (fs::is_directory(status))
    throw Error(ErrorCode::Io, fmt::format("cannot read {}: it is a directory, not an image file", name));
  const std::uintmax_t size = fs::file_size(path, ec);
  if (ec) throw Error(ErrorCode::Io, fmt::format("cannot read {}: {}", name, ec.message()));
  if (size == 0) throw Error(ErrorCode::Format, fmt::format("cannot read {}: the file is empty", name));
  if (size > kMaxFileBytes)
    throw Error(ErrorCode::Unsupported,
                fmt::format("cannot read {}: the file has {} bytes, more than the 1 GiB limit", name, size));
  std::ifstream in(path, std::ios::binary);
  Bytes bytes(static_cast<std::size_t>(size));
  if (!in.read(reinterpret_cast<char *>(bytes.data()), static_cast<std::streamsize>(bytes.size())))
    throw Error(ErrorCode::Io, fmt::format("cannot read {}: reading failed", name));
  return bytes;
}

void check_pixels(double width, double height, const ImageReadOptions &options, const std::string &name) {
  if (width < 1 || height < 1)
    throw Error(ErrorCode::Format, fmt::format("cannot read {}: the header gives an empty size {}x{}", name, width, height));
  if (width * height > options.max_pixels)
    throw Error(ErrorCode::Unsupported,
                fmt::format("cannot read {}: the image is {}x{} px ({:.0f} Mpx), more than the limit of {:.0f} Mpx "
                            "(ImageReadOptions::max_pixels)",
                            name, width, height, width * height / 1e6, options.max_pixels / 1e6));
}

cv::Mat decode(const Bytes &bytes, int flags, const std::string &name, Kind kind) {
  cv::Mat image;
  try {
    image = cv::imdecode(cv::_InputArray(bytes.data(), static_cast<int>(bytes.size())), flags);
  } catch (const cv::Exception &e) {
    throw Error(ErrorCode::Format, fmt::format("cannot decode {} as {}: {}", name, kind_name(kind), e.what()));
  }
  if (image.empty())
    throw Error(ErrorCode::Format, fmt::format("cannot decode {} as {}: the data is corrupt", name, kind_name(kind)));
  return image;
}

// ---- PNG: size from IHDR; every chunk up to IEND must be present.

cv::Mat read_png(const Bytes &bytes, const Reader &r, const ImageReadOptions &options, const std::string &name) {
  if (!r.has(0, 24)) r.fail("the PNG is truncated (header ends early)");
  if (!r.starts_with(12, "IHDR")) r.fail("the PNG has no IHDR header");
  check_pixels(r.be(16, 4), r.be(20, 4), options, name);
  std::size_t offset = 8;
  bool has_data = false;
  for (;;) {
    if (!r.has(offset, 8)) r.fail("the PNG is truncated (no IEND chunk)");
    const std::uint32_t length = r.be(offset, 4);
    const bool is_end = r.starts_with(offset + 4, "IEND");
    has_data = has_data || r.starts_with(offset + 4, "IDAT");
    if (!r.has(offset + 8, std::size_t{length} + 4)) r.fail("the PNG is truncated (a chunk ends past the end of the file)");
    offset += 12 + std::size_t{length};
    if (is_end) break;
  }
  if (!has_data) r.fail("the PNG holds no image data");
  return detail::to_bgr8(decode(bytes, cv::IMREAD_UNCHANGED, name, Kind::Png), name);
}

// ---- JPEG: size from SOF, orientation from EXIF, entropy data must reach EOI.

int exif_orientation(const Reader &r, std::size_t start, std::size_t length) {
  // APP1 payload: "Exif\0\0" then a TIFF structure whose IFD0 may hold tag 0x0112.
  const std::size_t tiff = start + 6;
  if (length < 14 || !r.starts_with(start, "Exif")) return 1;
  const bool big = r.starts_with(tiff, "MM");
  const std::size_t end = start + length;
  const std::size_t ifd = tiff + r.uint(tiff + 4, 4, big);
  if (ifd + 2 > end) return 1;
  const std::uint32_t count = r.uint(ifd, 2, big);
  for (std::uint32_t i = 0; i < count; ++i) {
    const std::size_t entry = ifd + 2 + 12 * std::size_t{i};
    if (entry + 12 > end) break;
    if (r.uint(entry, 2, big) == 0x0112) {
      const int value = static_cast<int>(r.uint(entry + 8, 2, big));
      return value >= 1 && value <= 8 ? value : 1;
    }
  }
  return 1;
}

cv::Mat apply_orientation(cv::Mat image, int orientation) {
  cv::Mat out;
  switch (orientation) {
    case 2: cv::flip(image, out, 1); return out;
    case 3: cv::rotate(image, out, cv::ROTATE_180); return out;
    case 4: cv::flip(image, out, 0); return out;
    case 5: cv::transpose(image, out); return out;
    case 6: cv::rotate(image, out, cv::ROTATE_90_CLOCKWISE); return out;
    case 7: cv::transpose(image, out); cv::rotate(out, out, cv::ROTATE_180); return out;
    case 8: cv::rotate(image, out, cv::ROTATE_90_COUNTERCLOCKWISE); return out;
    default: return image;
  }
}

cv::Mat read_jpeg(const Bytes &bytes, const Reader &r, const ImageReadOptions &options, const std::string &name) {
  std::size_t offset = 2;
  int width = 0, height = 0, orientation = 1;
  bool ended = false;
  while (!ended) {
    while (r.has(offset, 1) && r.u8(offset) != 0xff) ++offset;  // tolerate stray bytes between segments
    while (r.has(offset + 1, 1) && r.u8(offset + 1) == 0xff) ++offset;
    if (!r.has(offset, 2)) r.fail("the JPEG is truncated (no end-of-image marker)");
    const std::uint8_t marker = r.u8(offset + 1);
    offset += 2;
    if (marker == 0xd9) {
      ended = true;
    } else if (marker == 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
      continue;
    } else {
      const std::size_t length = r.be(offset, 2);
      if (length < 2 || !r.has(offset, length)) r.fail("the JPEG is truncated (a segment ends past the end of the file)");
      const bool sof = marker >= 0xc0 && marker <= 0xcf && marker != 0xc4 && marker != 0xc8 && marker != 0xcc;
      if (sof && width == 0) {
        height = static_cast<int>(r.be(offset + 3, 2));
        width = static_cast<int>(r.be(offset + 5, 2));
      } else if (marker == 0xe1 && orientation == 1) {
        orientation = exif_orientation(r, offset + 2, length - 2);
      }
      offset += length;
      if (marker == 0xda) {
        // Entropy-coded data runs to the next marker that is not a stuffed 0xff00 or a restart.
        for (;;) {
          if (!r.has(offset, 2)) r.fail("the JPEG is truncated (image data ends without an end-of-image marker)");
          if (r.u8(offset) == 0xff) {
            const std::uint8_t next = r.u8(offset + 1);
            if (next != 0x00 && next != 0xff && !(next >= 0xd0 && next <= 0xd7)) break;
          }
          ++offset;
        }
      }
    }
  }
  if (width == 0) r.fail("the JPEG has no frame header (SOF) giving its size");
  // The JPEG decoder can scale by 1/2, 1/4 or 1/8 while decoding.
  int reduce_flag = cv::IMREAD_COLOR;
  double w = width, h = height;
  for (const int flag : {cv::IMREAD_COLOR, cv::IMREAD_REDUCED_COLOR_2, cv::IMREAD_REDUCED_COLOR_4, cv::IMREAD_REDUCED_COLOR_8}) {
    const double factor = flag == cv::IMREAD_COLOR ? 1 : flag == cv::IMREAD_REDUCED_COLOR_2 ? 2 : flag == cv::IMREAD_REDUCED_COLOR_4 ? 4 : 8;
    reduce_flag = flag;
    w = std::ceil(width / factor);
    h = std::ceil(height / factor);
    if (w * h <= options.max_pixels) break;
  }
  check_pixels(w, h, options, name);
  const cv::Mat image = decode(bytes, reduce_flag | cv::IMREAD_IGNORE_ORIENTATION, name, Kind::Jpeg);
  return apply_orientation(detail::to_bgr8(image, name), orientation);
}

// ---- TIFF: size of every page from the IFD chain; decoded page by page from the file.

// The SHORT or LONG values of one IFD entry, stored inline or at an offset.
std::vector<std::uint32_t> tiff_values(const Reader &r, std::size_t entry, bool big) {
  const std::uint32_t type = r.uint(entry + 2, 2, big);
  const std::size_t count = r.uint(entry + 4, 4, big);
  const int width = type == 3 ? 2 : 4;
  if (type != 3 && type != 4) r.fail("a TIFF size or offset field has an unexpected type");
  if (count > r.size() / static_cast<std::size_t>(width)) r.fail("a TIFF field claims more values than the file holds");
  const std::size_t at = count * static_cast<std::size_t>(width) <= 4 ? entry + 8 : r.uint(entry + 8, 4, big);
  std::vector<std::uint32_t> values(count);
  for (std::size_t i = 0; i < count; ++i) values[i] = r.uint(at + i * static_cast<std::size_t>(width), width, big);
  return values;
}

// Every strip or tile must lie inside the file.
void check_tiff_data(const Reader &r, const std::vector<std::uint32_t> &offsets, const std::vector<std::uint32_t> &counts) {
  if (offsets.size() != counts.size()) r.fail("the TIFF strip offsets and sizes do not match");
  for (std::size_t i = 0; i < offsets.size(); ++i)
    if (!r.has(offsets[i], counts[i])) r.fail("the TIFF is truncated (image data ends past the end of the file)");
}

std::vector<cv::Mat> read_tiff(const fs::path &path, const Reader &r, const ImageReadOptions &options,
                               const std::string &name) {
  const bool big = r.starts_with(0, "MM");
  if (r.uint(2, 2, big) != 42) r.fail("BigTIFF files are not supported");
  std::size_t ifd = r.uint(4, 4, big);
  std::set<std::size_t> seen;
  int pages = 0;
  while (ifd != 0) {
    if (!seen.insert(ifd).second) r.fail("the TIFF page list loops");
    if (++pages > options.max_pdf_pages)
      throw Error(ErrorCode::Unsupported, fmt::format("cannot read {}: it has more than {} pages "
                                                      "(ImageReadOptions::max_pdf_pages)", name, options.max_pdf_pages));
    const std::uint32_t count = r.uint(ifd, 2, big);
    double width = 0, height = 0;
    std::vector<std::uint32_t> offsets, byte_counts;
    for (std::uint32_t i = 0; i < count; ++i) {
      const std::size_t entry = ifd + 2 + 12 * std::size_t{i};
      const std::uint32_t tag = r.uint(entry, 2, big);
      const std::uint32_t type = r.uint(entry + 2, 2, big);
      if (tag == 256 || tag == 257) {
        const double value = type == 3 ? r.uint(entry + 8, 2, big) : r.uint(entry + 8, 4, big);
        (tag == 256 ? width : height) = value;
      } else if (tag == 273 || tag == 324) {  // strip or tile offsets
        offsets = tiff_values(r, entry, big);
      } else if (tag == 279 || tag == 325) {  // strip or tile byte counts
        byte_counts = tiff_values(r, entry, big);
      }
    }
    check_pixels(width, height, options, fmt::format("{} (page {})", name, pages));
    check_tiff_data(r, offsets, byte_counts);
    ifd = r.uint(ifd + 2 + 12 * std::size_t{count}, 4, big);
  }
  std::vector<cv::Mat> decoded;
  bool ok = false;
  try {
    ok = cv::imreadmulti(path.string(), decoded, cv::IMREAD_UNCHANGED);
  } catch (const cv::Exception &e) {
    throw Error(ErrorCode::Format, fmt::format("cannot decode {} as TIFF: {}", name, e.what()));
  }
  if (!ok || decoded.empty())
    throw Error(ErrorCode::Format, fmt::format("cannot decode {} as TIFF: the data is corrupt or uses an "
                                               "unsupported compression", name));
  std::vector<cv::Mat> out;
  for (const cv::Mat &page : decoded) out.push_back(detail::to_bgr8(page, name));
  return out;
}

// ---- BMP: size from the info header; uncompressed pixel data must be complete.

cv::Mat read_bmp(const Bytes &bytes, const Reader &r, const ImageReadOptions &options, const std::string &name) {
  const std::uint32_t header = r.le(14, 4);
  double width = 0, height = 0;
  std::uint32_t bits = 0, compression = 0;
  if (header == 12) {
    width = r.le(18, 2);
    height = r.le(20, 2);
    bits = r.le(24, 2);
  } else if (header >= 40) {
    width = static_cast<std::int32_t>(r.le(18, 4));
    height = std::abs(static_cast<double>(static_cast<std::int32_t>(r.le(22, 4))));
    bits = r.le(28, 2);
    compression = r.le(30, 4);
  } else {
    r.fail("the BMP info header is of an unknown kind");
  }
  check_pixels(width, height, options, name);
  if (compression == 0 && bits > 0) {
    const double row_bytes = std::floor((width * bits + 31) / 32) * 4;
    if (r.le(10, 4) + row_bytes * height > static_cast<double>(r.size())) r.fail("the BMP is truncated (pixel data ends early)");
  }
  return detail::to_bgr8(decode(bytes, cv::IMREAD_UNCHANGED, name, Kind::Bmp), name);
}

// ---- WebP: size from the VP8 / VP8L / VP8X chunk.

cv::Mat read_webp(const Bytes &bytes, const Reader &r, const ImageReadOptions &options, const std::string &name) {
  // haveImageReader() wants an existing file; OpenCV's WebP reader and writer come from the same library.
  if (!cv::haveImageWriter(".webp"))
    throw Error(ErrorCode::Unsupported, fmt::format("cannot read {}: this build's OpenCV has no WebP decoder", name));
  if (8 + std::size_t{r.le(4, 4)} > r.size()) r.fail("the WebP file is truncated");
  double width = 0, height = 0;
  if (r.starts_with(12, "VP8X")) {
    width = r.le(24, 3) + 1.0;
    height = r.le(27, 3) + 1.0;
  } else if (r.starts_with(12, "VP8L")) {
    const std::uint32_t bits = r.le(21, 4);
    width = (bits & 0x3fff) + 1.0;
    height = ((bits >> 14) & 0x3fff) + 1.0;
  } else if (r.starts_with(12, "VP8 ")) {
    width = r.le(26, 2) & 0x3fff;
    height = r.le(28, 2) & 0x3fff;
  } else {
    r.fail("the WebP file has no VP8, VP8L or VP8X chunk");
  }
  check_pixels(width, height, options, name);
  return detail::to_bgr8(decode(bytes, cv::IMREAD_UNCHANGED, name, Kind::WebP), name);
}

// ---- PDF: every page rendered by poppler at pdf_dpi, or lower when the page would exceed max_pixels.

std::vector<cv::Mat> read_pdf(const Bytes &bytes, const ImageReadOptions &options, const std::string &name) {
  if (bytes.size() > static_cast<std::size_t>(std::numeric_limits<int>::max()))
    throw Error(ErrorCode::Unsupported, fmt::format("cannot read {}: the PDF is too large", name));
  std::unique_ptr<poppler::document> doc(poppler::document::load_from_raw_data(
      reinterpret_cast<const char *>(bytes.data()), static_cast<int>(bytes.size())));
  if (!doc) throw Error(ErrorCode::Format, fmt::format("cannot read {}: the PDF is damaged or incomplete", name));
  if (doc->is_locked())
    throw Error(ErrorCode::Unsupported, fmt::format("cannot read {}: the PDF is encrypted with a password", name));
  const int pages = doc->pages();
  if (pages <= 0) throw Error(ErrorCode::Format, fmt::format("cannot read {}: the PDF has no pages", name));
  if (pages > options.max_pdf_pages)
    throw Error(ErrorCode::Unsupported, fmt::format("cannot read {}: the PDF has {} pages, more than {} "
                                                    "(ImageReadOptions::max_pdf_pages)", name, pages, options.max_pdf_pages));
  poppler::page_renderer renderer;
  renderer.set_render_hint(poppler::page_renderer::antialiasing, true);
  renderer.set_render_hint(poppler::page_renderer::text_antialiasing, true);
  renderer.set_image_format(poppler::image::format_bgr24);
  std::vector<cv::Mat> out;
  for (int i = 0; i < pages; ++i) {
    const std::string page_name = fmt::format("{} (page {})", name, i + 1);
    std::unique_ptr<poppler::page> page(doc->create_page(i));
    if (!page) throw Error(ErrorCode::Format, fmt::format("cannot read {}: the page is damaged", page_name));
    const poppler::rectf box = page->page_rect(poppler::media_box);
    const double area_in2 = (box.width() / 72.0) * (box.height() / 72.0);
    if (!(area_in2 > 0) || !std::isfinite(area_in2))
      throw Error(ErrorCode::Format, fmt::format("cannot read {}: the page has no size", page_name));
    const double dpi = std::min(options.pdf_dpi, std::sqrt(options.max_pixels / area_in2));
    const poppler::image rendered = renderer.render_page(page.get(), dpi, dpi);
    if (!rendered.is_valid() || rendered.width() <= 0 || rendered.height() <= 0)
      throw Error(ErrorCode::Format, fmt::format("cannot read {}: the page could not be rendered", page_name));
    const cv::Mat view(rendered.height(), rendered.width(), CV_8UC3, const_cast<char *>(rendered.const_data()),
                       static_cast<std::size_t>(rendered.bytes_per_row()));
    out.push_back(view.clone());
  }
  return out;
}

void check_options(const ImageReadOptions &options) {
  if (!(options.pdf_dpi >= 36 && options.pdf_dpi <= 1200))
    throw Error(ErrorCode::InvalidArgument, fmt::format("ImageReadOptions::pdf_dpi must be in 36..1200, not {}", options.pdf_dpi));
  if (!(options.max_pixels >= 1e4))
    throw Error(ErrorCode::InvalidArgument, fmt::format("ImageReadOptions::max_pixels must be at least 10000, not {}", options.max_pixels));
  if (options.max_pdf_pages < 1)
    throw Error(ErrorCode::InvalidArgument, fmt::format("ImageReadOptions::max_pdf_pages must be at least 1, not {}", options.max_pdf_pages));
}

}  // namespace

std::vector<cv::Mat> read_image_pages(const fs::path &path, const ImageReadOptions &options) {
  check_options(options);
  const std::string name = path.string();
  const Bytes bytes = read_file(path);
  const Reader r(bytes, name);
  switch (sniff(r, bytes, name)) {
    case Kind::Png: return {read_png(bytes, r, options, name)};
    case Kind::Jpeg: return {read_jpeg(bytes, r, options, name)};
    case Kind::Tiff: return read_tiff(path, r, options, name);
    case Kind::Bmp: return {read_bmp(bytes, r, options, name)};
    case Kind::WebP: return {read_webp(bytes, r, options, name)};
    case Kind::Pdf: return read_pdf(bytes, options, name);
  }
  throw Error(ErrorCode::Internal, "unhandled image kind for " + name);
}

}  // namespace v1
}  // namespace ecgdig
