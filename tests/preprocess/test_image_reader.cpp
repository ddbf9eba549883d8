#include <gtest/gtest.h>

#include <chrono>
#include <random>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "ecgdig/error.hpp"
#include "ecgdig/image_io.hpp"

namespace fs = std::filesystem;
using ecgdig::Error;
using ecgdig::ErrorCode;
using ecgdig::ImageReadOptions;
using ecgdig::read_image_pages;
using Bytes = std::vector<std::uint8_t>;

namespace {

fs::path scratch_dir() {
  const char *env = std::getenv("ECGDIG_TEST_TMP");
  fs::path dir = (env && *env) ? fs::path(env) : fs::temp_directory_path() / "ecgdig_test";
  dir /= "image_reader";
  fs::create_directories(dir);
  return dir;
}

fs::path scratch(const std::string &name) { return scratch_dir() / name; }

void write_bytes(const fs::path &path, const Bytes &bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char *>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
}

void write_text(const fs::path &path, const std::string &text) { write_bytes(path, Bytes(text.begin(), text.end())); }

Bytes read_bytes(const fs::path &path) {
  std::ifstream in(path, std::ios::binary);
  return Bytes(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// A test image: 240x160, white, with a red block at the top-left and a blue block at the bottom-right.
cv::Mat marked_image() {
  cv::Mat image(160, 240, CV_8UC3, cv::Scalar(255, 255, 255));
  image(cv::Rect(0, 0, 60, 40)).setTo(cv::Scalar(0, 0, 255));
  image(cv::Rect(180, 120, 60, 40)).setTo(cv::Scalar(255, 0, 0));
  return image;
}

void expect_colour(const cv::Mat &image, cv::Point at, cv::Vec3b bgr, int tolerance = 2) {
  const cv::Vec3b got = image.at<cv::Vec3b>(at);
  for (int c = 0; c < 3; ++c) EXPECT_NEAR(got[c], bgr[c], tolerance) << "channel " << c << " at " << at;
}

// Expects `fn` to throw Error with `code` and a message containing `fragment`.
template <class Fn>
void expect_error(Fn fn, ErrorCode code, const std::string &fragment) {
  try {
    fn();
    ADD_FAILURE() << "no error thrown; expected one mentioning \"" << fragment << "\"";
  } catch (const Error &e) {
    EXPECT_EQ(e.code(), code) << e.what();
    EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << e.what();
  }
}

// ---- Hand-built PNG chunks (for palette images and hostile headers).

std::uint32_t crc32(const std::uint8_t *data, std::size_t n) {
  std::uint32_t crc = 0xffffffffu;
  for (std::size_t i = 0; i < n; ++i) {
    crc ^= data[i];
    for (int k = 0; k < 8; ++k) crc = (crc >> 1) ^ (0xedb88320u & (0u - (crc & 1u)));
  }
  return ~crc;
}

void put_be32(Bytes &out, std::uint32_t v) {
  for (int s = 24; s >= 0; s -= 8) out.push_back(static_cast<std::uint8_t>(v >> s));
}

void put_chunk(Bytes &png, const std::string &type, const Bytes &data) {
  put_be32(png, static_cast<std::uint32_t>(data.size()));
  Bytes body(type.begin(), type.end());
  body.insert(body.end(), data.begin(), data.end());
  png.insert(png.end(), body.begin(), body.end());
  put_be32(png, crc32(body.data(), body.size()));
}

Bytes png_header(std::uint32_t width, std::uint32_t height, std::uint8_t bit_depth, std::uint8_t colour_type) {
  Bytes png = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
  Bytes ihdr;
  put_be32(ihdr, width);
  put_be32(ihdr, height);
  ihdr.insert(ihdr.end(), {bit_depth, colour_type, 0, 0, 0});
  put_chunk(png, "IHDR", ihdr);
  return png;
}

// zlib stream of stored (uncompressed) blocks.
Bytes zlib_stored(const Bytes &raw) {
  Bytes out = {0x78, 0x01};
  std::size_t pos = 0;
  do {
    const std::size_t n = std::min<std::size_t>(raw.size() - pos, 65535);
    const bool last = pos + n == raw.size();
    out.push_back(last ? 1 : 0);
    out.push_back(static_cast<std::uint8_t>(n));
    out.push_back(static_cast<std::uint8_t>(n >> 8));
    out.push_back(static_cast<std::uint8_t>(~n));
    out.push_back(static_cast<std::uint8_t>(~n >> 8));
    out.insert(out.end(), raw.begin() + static_cast<std::ptrdiff_t>(pos), raw.begin() + static_cast<std::ptrdiff_t>(pos + n));
    pos += n;
  } while (pos < raw.size());
  std::uint32_t a = 1, b = 0;
  for (std::uint8_t c : raw) {
    a = (a + c) % 65521;
    b = (b + a) % 65521;
  }
  put_be32(out, (b << 16) | a);
  return out;
}

// ---- Hand-built TIFF: one uncompressed 8-bit grey strip stored after the IFD.

void put_le(Bytes &out, std::uint32_t v, int n) {
  for (int i = 0; i < n; ++i) out.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
}

Bytes grey_tiff(std::uint32_t width, std::uint32_t height, std::uint8_t level) {
  const std::uint16_t entries = 9;
  const std::uint32_t data_offset = 8 + 2 + 12 * entries + 4;
  Bytes tiff = {'I', 'I', 42, 0};
  put_le(tiff, 8, 4);
  put_le(tiff, entries, 2);
  auto entry = [&](std::uint16_t tag, std::uint16_t type, std::uint32_t value) {
    put_le(tiff, tag, 2);
    put_le(tiff, type, 2);
    put_le(tiff, 1, 4);
    put_le(tiff, value, 4);
  };
  entry(256, 4, width);                 // ImageWidth
  entry(257, 4, height);                // ImageLength
  entry(258, 3, 8);                     // BitsPerSample
  entry(259, 3, 1);                     // Compression: none
  entry(262, 3, 1);                     // Photometric: black is zero
  entry(273, 4, data_offset);           // StripOffsets
  entry(277, 3, 1);                     // SamplesPerPixel
  entry(278, 4, height);                // RowsPerStrip
  entry(279, 4, width * height);        // StripByteCounts
  put_le(tiff, 0, 4);                   // no next IFD
  tiff.insert(tiff.end(), width * height, level);
  return tiff;
}

// ---- Hand-built PDF with correct cross-reference offsets.

std::string build_pdf(const std::vector<std::string> &objects, const std::string &trailer_extra = "") {
  std::string pdf = "%PDF-1.4\n";
  std::vector<std::size_t> offsets;
  for (std::size_t i = 0; i < objects.size(); ++i) {
    offsets.push_back(pdf.size());
    pdf += std::to_string(i + 1) + " 0 obj\n" + objects[i] + "\nendobj\n";
  }
  const std::size_t xref = pdf.size();
  pdf += "xref\n0 " + std::to_string(objects.size() + 1) + "\n0000000000 65535 f \n";
  for (std::size_t offset : offsets) {
    char line[32];
    std::snprintf(line, sizeof line, "%010zu 00000 n \n", offset);
    pdf += line;
  }
  pdf += "trailer\n<< /Size " + std::to_string(objects.size() + 1) + " /Root 1 0 R " + trailer_extra + ">>\nstartxref\n" +
         std::to_string(xref) + "\n%%EOF\n";
  return pdf;
}

std::string content_stream(const std::string &ops) {
  return "<< /Length " + std::to_string(ops.size()) + " >>\nstream\n" + ops + "\nendstream";
}

// A page of 200 x 100 pt (2.78 x 1.39 in): white with a red rectangle in its middle.
std::string one_page_pdf() {
  return build_pdf({"<< /Type /Catalog /Pages 2 0 R >>",
                    "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
                    "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 100] /Contents 4 0 R >>",
                    content_stream("1 0 0 rg 50 25 100 50 re f")});
}

}  // namespace

// ---- Formats

TEST(ImageReader, PngColourRoundTrips) {
  const fs::path path = scratch("colour.png");
  ASSERT_TRUE(cv::imwrite(path.string(), marked_image()));
  const auto pages = read_image_pages(path);
  ASSERT_EQ(pages.size(), 1u);
  EXPECT_EQ(pages[0].type(), CV_8UC3);
  EXPECT_EQ(pages[0].size(), cv::Size(240, 160));
  expect_colour(pages[0], {10, 10}, {0, 0, 255}, 0);
  expect_colour(pages[0], {230, 150}, {255, 0, 0}, 0);
  expect_colour(pages[0], {120, 80}, {255, 255, 255}, 0);
}

TEST(ImageReader, Png16BitGreyIsScaledTo8Bit) {
  const fs::path path = scratch("grey16.png");
  cv::Mat grey(100, 300, CV_16UC1, cv::Scalar(128 * 257));
  grey(cv::Rect(0, 0, 10, 10)).setTo(65535);
  ASSERT_TRUE(cv::imwrite(path.string(), grey));
  const cv::Mat page = read_image_pages(path).at(0);
  EXPECT_EQ(page.type(), CV_8UC3);
  EXPECT_EQ(page.size(), cv::Size(300, 100));
  expect_colour(page, {50, 50}, {128, 128, 128}, 1);
  expect_colour(page, {5, 5}, {255, 255, 255}, 0);
}

TEST(ImageReader, PngAlphaIsCompositedOnWhite) {
  const fs::path path = scratch("alpha.png");
  cv::Mat bgra(80, 120, CV_8UC4, cv::Scalar(0, 0, 0, 0));           // transparent black
  bgra(cv::Rect(0, 0, 40, 80)).setTo(cv::Scalar(0, 255, 0, 255));   // opaque green
  bgra(cv::Rect(40, 0, 40, 80)).setTo(cv::Scalar(0, 0, 0, 128));    // half-transparent black
  ASSERT_TRUE(cv::imwrite(path.string(), bgra));
  const cv::Mat page = read_image_pages(path).at(0);
  EXPECT_EQ(page.type(), CV_8UC3);
  expect_colour(page, {10, 10}, {0, 255, 0}, 0);
  expect_colour(page, {60, 10}, {127, 127, 127}, 1);
  expect_colour(page, {100, 10}, {255, 255, 255}, 0);
}

TEST(ImageReader, PngPaletteWithTransparency) {
  // 4x2 px, 8-bit palette: entries red, blue, and a fully transparent third.
  Bytes png = png_header(4, 2, 8, 3);
  put_chunk(png, "PLTE", {255, 0, 0, 0, 0, 255, 0, 0, 0});
  put_chunk(png, "tRNS", {255, 255, 0});
  const Bytes raw = {0, 0, 0, 1, 1, /* row 2 */ 0, 2, 2, 0, 1};  // each row starts with filter byte 0
  put_chunk(png, "IDAT", zlib_stored(raw));
  put_chunk(png, "IEND", {});
  const fs::path path = scratch("palette.png");
  write_bytes(path, png);
  const cv::Mat page = read_image_pages(path).at(0);
  ASSERT_EQ(page.size(), cv::Size(4, 2));
  expect_colour(page, {0, 0}, {0, 0, 255}, 0);
  expect_colour(page, {2, 0}, {255, 0, 0}, 0);
  expect_colour(page, {0, 1}, {255, 255, 255}, 0);
}

TEST(ImageReader, JpegDecodesToBgr) {
  const fs::path path = scratch("plain.jpg");
  ASSERT_TRUE(cv::imwrite(path.string(), marked_image(), {cv::IMWRITE_JPEG_QUALITY, 95}));
  const cv::Mat page = read_image_pages(path).at(0);
  EXPECT_EQ(page.size(), cv::Size(240, 160));
  expect_colour(page, {20, 20}, {0, 0, 255}, 12);
  expect_colour(page, {200, 140}, {255, 0, 0}, 12);
}

TEST(ImageReader, JpegExifOrientationIsApplied) {
  std::vector<std::uint8_t> jpeg;
  ASSERT_TRUE(cv::imencode(".jpg", marked_image(), jpeg, {cv::IMWRITE_JPEG_QUALITY, 95}));
  // APP1 "Exif" segment: little-endian TIFF header, IFD0 with one entry, Orientation (0x0112) = 6.
  const Bytes exif = {0xff, 0xe1, 0x00, 0x22, 'E', 'x', 'i', 'f', 0, 0,
                      'I', 'I', 0x2a, 0x00, 0x08, 0x00, 0x00, 0x00,
                      0x01, 0x00,
                      0x12, 0x01, 0x03, 0x00, 0x01, 0x00, 0x00, 0x00, 0x06, 0x00, 0x00, 0x00,
                      0x00, 0x00, 0x00, 0x00};
  ASSERT_EQ(exif.size(), 2u + 0x22u);
  jpeg.insert(jpeg.begin() + 2, exif.begin(), exif.end());
  const fs::path path = scratch("rotated.jpg");
  write_bytes(path, jpeg);
  const cv::Mat page = read_image_pages(path).at(0);
  // Orientation 6: the stored image must be turned 90 degrees clockwise to display.
  ASSERT_EQ(page.size(), cv::Size(160, 240));
  expect_colour(page, {150, 20}, {0, 0, 255}, 12);   // red block: top-left -> top-right
  expect_colour(page, {10, 220}, {255, 0, 0}, 12);   // blue block: bottom-right -> bottom-left
}

TEST(ImageReader, LargeJpegIsDecodedReduced) {
  const fs::path path = scratch("large.jpg");
  ASSERT_TRUE(cv::imwrite(path.string(), cv::Mat(600, 800, CV_8UC3, cv::Scalar(40, 80, 120))));
  ImageReadOptions options;
  options.max_pixels = 150000;  // 800x600 = 480000 > limit; 400x300 fits
  const cv::Mat page = read_image_pages(path, options).at(0);
  EXPECT_EQ(page.size(), cv::Size(400, 300));
  expect_colour(page, {200, 150}, {40, 80, 120}, 4);
}

TEST(ImageReader, MultiPageTiffGivesEveryPage) {
  const fs::path path = scratch("pages.tif");
  const std::vector<cv::Mat> written = {marked_image(), cv::Mat(90, 70, CV_8UC3, cv::Scalar(10, 200, 30))};
  ASSERT_TRUE(cv::imwritemulti(path.string(), written));
  const auto pages = read_image_pages(path);
  ASSERT_EQ(pages.size(), 2u);
  EXPECT_EQ(pages[0].size(), cv::Size(240, 160));
  expect_colour(pages[0], {10, 10}, {0, 0, 255}, 0);
  EXPECT_EQ(pages[1].size(), cv::Size(70, 90));
  expect_colour(pages[1], {5, 5}, {10, 200, 30}, 0);

  ImageReadOptions one_page;
  one_page.max_pdf_pages = 1;
  expect_error([&] { read_image_pages(path, one_page); }, ErrorCode::Unsupported, "max_pdf_pages");
}

TEST(ImageReader, GreyTiffDecodes) {
  const fs::path path = scratch("grey.tif");
  write_bytes(path, grey_tiff(50, 30, 77));
  const cv::Mat page = read_image_pages(path).at(0);
  EXPECT_EQ(page.type(), CV_8UC3);
  EXPECT_EQ(page.size(), cv::Size(50, 30));
  expect_colour(page, {25, 15}, {77, 77, 77}, 0);
}

TEST(ImageReader, BmpAndWebpDecode) {
  for (const char *name : {"image.bmp", "image.webp"}) {
    const fs::path path = scratch(name);
    ASSERT_TRUE(cv::imwrite(path.string(), marked_image())) << name;
    const cv::Mat page = read_image_pages(path).at(0);
    EXPECT_EQ(page.size(), cv::Size(240, 160)) << name;
    expect_colour(page, {20, 20}, {0, 0, 255}, 6);
    expect_colour(page, {200, 140}, {255, 0, 0}, 6);
  }
}

TEST(ImageReader, FormatComesFromContentNotName) {
  const fs::path path = scratch("really_a_png.jpg");
  ASSERT_TRUE(cv::imwrite(scratch("tmp.png").string(), marked_image()));
  fs::copy_file(scratch("tmp.png"), path, fs::copy_options::overwrite_existing);
  EXPECT_EQ(read_image_pages(path).at(0).size(), cv::Size(240, 160));
}

TEST(ImageReader, PdfPageRenderedAtRequestedDpi) {
  const fs::path path = scratch("page.pdf");
  write_text(path, one_page_pdf());
  const auto pages = read_image_pages(path);
  ASSERT_EQ(pages.size(), 1u);
  // 200 x 100 pt at 300 dpi = 833.3 x 416.7 px.
  EXPECT_NEAR(pages[0].cols, 833, 1);
  EXPECT_NEAR(pages[0].rows, 417, 1);
  expect_colour(pages[0], {pages[0].cols / 2, pages[0].rows / 2}, {0, 0, 255}, 2);
  expect_colour(pages[0], {10, 10}, {255, 255, 255}, 2);

  ImageReadOptions low;
  low.pdf_dpi = 72;
  const cv::Mat small = read_image_pages(path, low).at(0);
  EXPECT_NEAR(small.cols, 200, 1);
  EXPECT_NEAR(small.rows, 100, 1);
}

TEST(ImageReader, PdfPageIsCappedAtMaxPixels) {
  const fs::path path = scratch("page_capped.pdf");
  write_text(path, one_page_pdf());
  ImageReadOptions options;
  options.max_pixels = 50000;  // at 300 dpi the page would be 347000 px
  const cv::Mat page = read_image_pages(path, options).at(0);
  EXPECT_LE(page.total(), 52000u);
  EXPECT_NEAR(double(page.cols) / page.rows, 2.0, 0.05);
}

TEST(ImageReader, PdfWithSeveralPages) {
  const fs::path path = scratch("two_pages.pdf");
  write_text(path, build_pdf({"<< /Type /Catalog /Pages 2 0 R >>",
                              "<< /Type /Pages /Kids [3 0 R 4 0 R] /Count 2 >>",
                              "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 144 72] >>",
                              "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 72 144] >>"}));
  ImageReadOptions options;
  options.pdf_dpi = 100;
  const auto pages = read_image_pages(path, options);
  ASSERT_EQ(pages.size(), 2u);
  EXPECT_NEAR(pages[0].cols, 200, 1);
  EXPECT_NEAR(pages[0].rows, 100, 1);
  EXPECT_NEAR(pages[1].cols, 100, 1);
  EXPECT_NEAR(pages[1].rows, 200, 1);
  options.max_pdf_pages = 1;
  expect_error([&] { read_image_pages(path, options); }, ErrorCode::Unsupported, "2 pages");
}

// ---- Bad input

TEST(ImageReader, MissingPathIsAnIoError) {
  expect_error([] { read_image_pages(scratch("does_not_exist.png")); }, ErrorCode::Io, "does_not_exist.png");
  expect_error([] { read_image_pages(scratch("does_not_exist.png")); }, ErrorCode::Io, "no such file");
}

TEST(ImageReader, DirectoryIsAnIoError) {
  expect_error([] { read_image_pages(scratch_dir()); }, ErrorCode::Io, "directory");
}

TEST(ImageReader, EmptyFileIsAFormatError) {
  write_text(scratch("empty.png"), "");
  expect_error([] { read_image_pages(scratch("empty.png")); }, ErrorCode::Format, "empty");
}

TEST(ImageReader, TextFileIsNamedAsText) {
  write_text(scratch("notes.png"), "Patient notes: not an image\n");
  expect_error([] { read_image_pages(scratch("notes.png")); }, ErrorCode::Format, "text file starting with \"Patient notes");
  write_bytes(scratch("anim.gif"), {'G', 'I', 'F', '8', '9', 'a', 1, 0, 1, 0, 0, 0, 0});
  expect_error([] { read_image_pages(scratch("anim.gif")); }, ErrorCode::Format, "GIF");
  write_bytes(scratch("noise.bin"), {0x00, 0x01, 0xfe, 0x7f, 0x10, 0x00, 0x00, 0x03});
  expect_error([] { read_image_pages(scratch("noise.bin")); }, ErrorCode::Format, "00 01 fe 7f");
}

TEST(ImageReader, TruncatedFilesAreRefused) {
  cv::Mat noisy(300, 400, CV_8UC3);
  cv::randu(noisy, 0, 255);
  for (const char *ext : {".png", ".jpg", ".bmp", ".webp", ".tif"}) {
    const fs::path full = scratch(std::string("full") + ext);
    ASSERT_TRUE(cv::imwrite(full.string(), noisy));
    Bytes bytes = read_bytes(full);
    bytes.resize(bytes.size() / 2);
    const fs::path cut = scratch(std::string("truncated") + ext);
    write_bytes(cut, bytes);
    expect_error([&] { read_image_pages(cut); }, ErrorCode::Format, "truncated");
  }
  // A TIFF whose header is whole but whose strip is cut.
  Bytes tiff = grey_tiff(50, 30, 77);
  tiff.resize(tiff.size() - 100);
  write_bytes(scratch("cut_strip.tif"), tiff);
  expect_error([] { read_image_pages(scratch("cut_strip.tif")); }, ErrorCode::Format, "truncated");
  // A header cut inside its first bytes.
  write_bytes(scratch("stub.png"), {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0});
  expect_error([] { read_image_pages(scratch("stub.png")); }, ErrorCode::Format, "truncated");
}

TEST(ImageReader, HostileSizeIsRefusedWithoutDecoding) {
  // The header claims 100000 x 100000 px (10 Gpx); the data is a few bytes.
  Bytes png = png_header(100000, 100000, 8, 2);
  put_chunk(png, "IDAT", zlib_stored({0, 0, 0, 0}));
  put_chunk(png, "IEND", {});
  const fs::path path = scratch("hostile.png");
  write_bytes(path, png);
  const auto start = std::chrono::steady_clock::now();
  expect_error([&] { read_image_pages(path); }, ErrorCode::Unsupported, "100000x100000");
  const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  EXPECT_LT(ms, 100.0);

  // The same limit applies to formats that cannot be decoded smaller.
  ImageReadOptions tight;
  tight.max_pixels = 20000;
  ASSERT_TRUE(cv::imwrite(scratch("big.bmp").string(), marked_image()));
  expect_error([&] { read_image_pages(scratch("big.bmp"), tight); }, ErrorCode::Unsupported, "max_pixels");
}

TEST(ImageReader, PdfWithoutPagesIsRefused) {
  const fs::path path = scratch("no_pages.pdf");
  write_text(path, build_pdf({"<< /Type /Catalog /Pages 2 0 R >>", "<< /Type /Pages /Kids [] /Count 0 >>"}));
  expect_error([&] { read_image_pages(path); }, ErrorCode::Format, "no pages");
}

TEST(ImageReader, EncryptedPdfIsRefused) {
  // Standard security handler, 40-bit RC4; /U does not match the empty user
  // password, so the document needs a password to open.
  const std::string hex32(64, 'a');
  const fs::path path = scratch("encrypted.pdf");
  write_text(path, build_pdf({"<< /Type /Catalog /Pages 2 0 R >>",
                              "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
                              "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 100] >>",
                              "<< /Filter /Standard /V 1 /R 2 /O <" + hex32 + "> /U <" + hex32 + "> /P -4 >>"},
                             "/Encrypt 4 0 R /ID [<0123456789abcdef0123456789abcdef> <0123456789abcdef0123456789abcdef>] "));
  expect_error([&] { read_image_pages(path); }, ErrorCode::Unsupported, "encrypted");
}

TEST(ImageReader, DamagedPdfIsRefused) {
  write_text(scratch("damaged.pdf"), "%PDF-1.4\n1 0 obj << /Type /Catalog");
  EXPECT_THROW(read_image_pages(scratch("damaged.pdf")), Error);
}

TEST(ImageReader, CorruptFilesGiveErrorsNotCrashes) {
  // Random byte changes and cuts of valid files: each read either succeeds
  // with a proper page or throws ecgdig::Error, never anything else.
  cv::Mat noisy(120, 160, CV_8UC3);
  cv::randu(noisy, 0, 255);
  std::vector<std::pair<std::string, Bytes>> sources;
  for (const char *ext : {".png", ".jpg", ".tif", ".bmp", ".webp"}) {
    std::vector<std::uint8_t> encoded;
    ASSERT_TRUE(cv::imencode(ext, noisy, encoded)) << ext;
    sources.emplace_back(ext, Bytes(encoded.begin(), encoded.end()));
  }
  const std::string pdf = one_page_pdf();
  sources.emplace_back(".pdf", Bytes(pdf.begin(), pdf.end()));
  std::mt19937 rng(7);
  for (const auto &[ext, original] : sources) {
    for (int i = 0; i < 30; ++i) {
      Bytes bytes = original;
      const int changes = 1 + static_cast<int>(rng() % 8);
      for (int k = 0; k < changes; ++k) bytes[rng() % bytes.size()] = static_cast<std::uint8_t>(rng());
      if (rng() % 4 == 0) bytes.resize(1 + rng() % bytes.size());
      const fs::path path = scratch("corrupt" + ext);
      write_bytes(path, bytes);
      try {
        for (const cv::Mat &page : read_image_pages(path)) {
          EXPECT_EQ(page.type(), CV_8UC3) << ext << " #" << i;
          EXPECT_FALSE(page.empty()) << ext << " #" << i;
        }
      } catch (const Error &) {
        // refused with a message: fine
      }
    }
  }
}

TEST(ImageReader, OptionsAreChecked) {
  const fs::path path = scratch("colour.png");
  ASSERT_TRUE(cv::imwrite(path.string(), marked_image()));
  ImageReadOptions options;
  options.pdf_dpi = 0;
  expect_error([&] { read_image_pages(path, options); }, ErrorCode::InvalidArgument, "pdf_dpi");
  options = {};
  options.max_pdf_pages = 0;
  expect_error([&] { read_image_pages(path, options); }, ErrorCode::InvalidArgument, "max_pdf_pages");
}
