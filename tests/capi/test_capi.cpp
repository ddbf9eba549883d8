// The C API as a C program sees it: statuses and messages for every bad
// argument, options structs of other sizes, pixel formats, results that match
// the C++ pipeline, files written, single stages, memory and threads.

#include "ecgdig.h"

#include <atomic>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "ecgdig/image_io.hpp"
#include "ecgdig/io.hpp"
#include "ecgdig/pipeline.hpp"
#include "ecgdig/version.hpp"

namespace fs = std::filesystem;

namespace {

const std::string kPage = std::string(ECGDIG_TEST_DATA_DIR) + "/ptbxl/00841_hr-0.png";
const std::string kTruth = std::string(ECGDIG_TEST_DATA_DIR) + "/ptbxl/00841_hr";

fs::path scratch(const std::string &name) {
  const char *tmp = std::getenv("ECGDIG_TEST_TMP");
  fs::path dir = fs::path(tmp ? tmp : fs::temp_directory_path().string()) / "capi";
  fs::create_directories(dir);
  return dir / name;
}

std::string last_error() { return ecgdig_last_error_message(); }

// Owns a C handle for the length of a test.
struct PipelinePtr {
  ecgdig_pipeline *p = nullptr;
  ~PipelinePtr() { ecgdig_pipeline_free(p); }
};
struct ResultPtr {
  ecgdig_result *r = nullptr;
  ~ResultPtr() { ecgdig_result_free(r); }
};
struct MapsPtr {
  ecgdig_maps *m = nullptr;
  ~MapsPtr() { ecgdig_maps_free(m); }
};

ecgdig_pipeline *make_pipeline(int32_t threads = 1) {
  ecgdig_pipeline_options o = ECGDIG_PIPELINE_OPTIONS_INIT;
  o.num_threads = threads;
  ecgdig_pipeline *p = nullptr;
  EXPECT_EQ(ecgdig_pipeline_create(&o, &p), ECGDIG_OK) << last_error();
  return p;
}

// The page decoded as BGR, once per process.
const cv::Mat &page_bgr() {
  static const cv::Mat page = ecgdig::read_image_pages(kPage).at(0);
  return page;
}

ecgdig_image_view view_of(const cv::Mat &m, ecgdig_pixel_format format) {
  return {m.data, m.cols, m.rows, static_cast<int32_t>(m.step[0]), format};
}

std::vector<std::vector<float>> all_samples(const ecgdig_result *r) {
  size_t n = 0;
  EXPECT_EQ(ecgdig_result_lead_count(r, &n), ECGDIG_OK);
  std::vector<std::vector<float>> out;
  for (size_t i = 0; i < n; ++i) {
    const float *s = nullptr;
    size_t count = 0;
    double fs_hz = 0, start_s = 0;
    EXPECT_EQ(ecgdig_result_lead_samples(r, i, &s, &count, &fs_hz, &start_s), ECGDIG_OK);
    out.emplace_back(s, s + count);
  }
  return out;
}

// NaN-aware equality of two digitizations.
void expect_same_samples(const std::vector<std::vector<float>> &a,
                         const std::vector<std::vector<float>> &b) {
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    ASSERT_EQ(a[i].size(), b[i].size()) << "lead " << i;
    for (size_t k = 0; k < a[i].size(); ++k) {
      if (std::isnan(a[i][k])) {
        ASSERT_TRUE(std::isnan(b[i][k])) << "lead " << i << " sample " << k;
      } else {
        ASSERT_EQ(a[i][k], b[i][k]) << "lead " << i << " sample " << k;
      }
    }
  }
}

double pearson(const std::vector<float> &a, const std::vector<float> &b) {
  double sa = 0, sb = 0, saa = 0, sbb = 0, sab = 0;
  int n = 0;
  for (size_t i = 0; i < std::min(a.size(), b.size()); ++i) {
    if (!std::isfinite(a[i]) || !std::isfinite(b[i])) continue;
    sa += a[i], sb += b[i], saa += a[i] * a[i], sbb += b[i] * b[i], sab += a[i] * b[i];
    ++n;
  }
  const double cov = sab - sa * sb / n, va = saa - sa * sa / n, vb = sbb - sb * sb / n;
  return cov / std::sqrt(va * vb);
}

// One digitization of the test page shared by the read-only tests.
class CApiResult : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    pipeline_ = make_pipeline();
    ASSERT_EQ(ecgdig_digitize_file(pipeline_, kPage.c_str(), &result_), ECGDIG_OK) << last_error();
  }
  static void TearDownTestSuite() {
    ecgdig_result_free(result_);
    ecgdig_pipeline_free(pipeline_);
    result_ = nullptr;
    pipeline_ = nullptr;
  }
  static ecgdig_pipeline *pipeline_;
  static ecgdig_result *result_;
};
ecgdig_pipeline *CApiResult::pipeline_ = nullptr;
ecgdig_result *CApiResult::result_ = nullptr;

}  // namespace

TEST(CApiLibrary, VersionAbiAndFeatures) {
  EXPECT_STREQ(ecgdig_version(), ECGDIG_VERSION_STRING);
  EXPECT_EQ(ecgdig_abi_version(), uint32_t{ECGDIG_ABI_VERSION});
  EXPECT_EQ(ecgdig_has_feature(ECGDIG_FEATURE_TORCH), ecgdig::built_with_torch() ? 1 : 0);
  EXPECT_EQ(ecgdig_has_feature(static_cast<ecgdig_feature>(12345)), 0);
  EXPECT_STREQ(ecgdig_status_name(ECGDIG_OK), "ok");
  EXPECT_STREQ(ecgdig_status_name(ECGDIG_E_IO), "io");
  EXPECT_STREQ(ecgdig_status_name(static_cast<ecgdig_status>(-1000)), "unknown");
}

TEST(CApiLibrary, LastErrorIsNeverNullAndPerThread) {
  std::string fresh;
  std::thread([&] { fresh = ecgdig_last_error_message(); }).join();
  EXPECT_FALSE(fresh.empty());

  ASSERT_EQ(ecgdig_pipeline_options_init(nullptr), ECGDIG_E_INVALID_ARG);
  const std::string here = last_error();
  EXPECT_NE(here.find("opts"), std::string::npos) << here;
  std::thread([] {
    ecgdig_pipeline *p = nullptr;
    EXPECT_EQ(ecgdig_pipeline_create(nullptr, nullptr), ECGDIG_E_INVALID_ARG);
    EXPECT_EQ(p, nullptr);
  }).join();
  EXPECT_EQ(last_error(), here) << "another thread's failure changed this thread's message";
}

TEST(CApiOptions, InitMatchesMacro) {
  ecgdig_pipeline_options a = ECGDIG_PIPELINE_OPTIONS_INIT;
  ecgdig_pipeline_options b;
  std::memset(&b, 0xAB, sizeof b);
  ASSERT_EQ(ecgdig_pipeline_options_init(&b), ECGDIG_OK);
  EXPECT_EQ(b.struct_size, sizeof(ecgdig_pipeline_options));
  EXPECT_EQ(a.struct_size, b.struct_size);
  EXPECT_EQ(a.num_threads, b.num_threads);
  EXPECT_EQ(a.output_fs_hz, b.output_fs_hz);
  EXPECT_EQ(b.output_fs_hz, 500.0);
  EXPECT_EQ(b.segmenter, nullptr);
  EXPECT_EQ(b.stage_options, nullptr);
  EXPECT_EQ(ECGDIG_PIPELINE_OPTIONS_SIZE_V1, sizeof(ecgdig_pipeline_options));
}

TEST(CApiOptions, NullOptionsMeanDefaults) {
  PipelinePtr p;
  ASSERT_EQ(ecgdig_pipeline_create(nullptr, &p.p), ECGDIG_OK) << last_error();
  EXPECT_NE(p.p, nullptr);
}

TEST(CApiOptions, StructSizeTooSmallIsRefused) {
  for (uint32_t size : {0u, 4u, uint32_t(ECGDIG_PIPELINE_OPTIONS_SIZE_V1 - 1)}) {
    ecgdig_pipeline_options o = ECGDIG_PIPELINE_OPTIONS_INIT;
    o.struct_size = size;
    ecgdig_pipeline *p = reinterpret_cast<ecgdig_pipeline *>(&o);  // must be cleared
    EXPECT_EQ(ecgdig_pipeline_create(&o, &p), ECGDIG_E_INVALID_ARG) << size;
    EXPECT_EQ(p, nullptr);
    EXPECT_NE(last_error().find("struct_size"), std::string::npos) << last_error();
  }
}

TEST(CApiOptions, LargerStructFromNewerHeaderNeedsZeroTail) {
  // A newer program's struct: ours followed by fields this library lacks.
  struct Newer {
    ecgdig_pipeline_options known;
    double future_field;
    int32_t other_future_field;
  } newer{};
  ecgdig_pipeline_options_init(&newer.known);
  newer.known.struct_size = sizeof(Newer);
  newer.known.num_threads = 1;
  {
    PipelinePtr p;
    EXPECT_EQ(ecgdig_pipeline_create(&newer.known, &p.p), ECGDIG_OK) << last_error();
    EXPECT_NE(p.p, nullptr);
  }
  newer.other_future_field = 3;
  PipelinePtr p;
  EXPECT_EQ(ecgdig_pipeline_create(&newer.known, &p.p), ECGDIG_E_INVALID_ARG);
  EXPECT_EQ(p.p, nullptr);
  EXPECT_NE(last_error().find("too old"), std::string::npos) << last_error();
}

TEST(CApiOptions, BadSettingsAreRefusedWithTheirName) {
  struct Case {
    const char *what;
    void (*edit)(ecgdig_pipeline_options &);
    const char *message_part;
  };
  static const char *const kNoEquals[] = {"working_long_side_px", nullptr};
  static const char *const kEmptyKey[] = {"=3", nullptr};
  const Case cases[] = {
      {"segmenter", [](ecgdig_pipeline_options &o) { o.segmenter = "no-such-segmenter"; },
       "no-such-segmenter"},
      {"preprocessor", [](ecgdig_pipeline_options &o) { o.preprocessor = "nope-pre"; }, "nope-pre"},
      {"grid detector", [](ecgdig_pipeline_options &o) { o.grid_detector = "nope-grid"; }, "nope-grid"},
      {"lead layout", [](ecgdig_pipeline_options &o) { o.lead_layout = "nope-layout"; }, "nope-layout"},
      {"extractor", [](ecgdig_pipeline_options &o) { o.signal_extractor = "nope-ex"; }, "nope-ex"},
      {"threads", [](ecgdig_pipeline_options &o) { o.num_threads = -2; }, "num_threads"},
      {"rate 0", [](ecgdig_pipeline_options &o) { o.output_fs_hz = 0; }, "rate"},
      {"rate NaN", [](ecgdig_pipeline_options &o) { o.output_fs_hz = std::nan(""); }, "rate"},
      {"option", [](ecgdig_pipeline_options &o) { o.stage_options = kNoEquals; }, "key=value"},
      {"empty key", [](ecgdig_pipeline_options &o) { o.stage_options = kEmptyKey; }, "key=value"},
  };
  for (const Case &c : cases) {
    ecgdig_pipeline_options o = ECGDIG_PIPELINE_OPTIONS_INIT;
    c.edit(o);
    PipelinePtr p;
    EXPECT_EQ(ecgdig_pipeline_create(&o, &p.p), ECGDIG_E_INVALID_ARG) << c.what;
    EXPECT_EQ(p.p, nullptr) << c.what;
    EXPECT_NE(last_error().find(c.message_part), std::string::npos) << c.what << ": " << last_error();
  }
}

TEST(CApiOptions, StageOptionsAndNamesAreUsed) {
  static const char *const kOptions[] = {"working_long_side_px=1200", "unused_key=1", nullptr};
  ecgdig_pipeline_options o = ECGDIG_PIPELINE_OPTIONS_INIT;
  o.num_threads = 1;
  o.segmenter = "classical";
  o.layout = "3x4+1";
  o.output_fs_hz = 250.0;
  o.stage_options = kOptions;
  PipelinePtr p;
  ASSERT_EQ(ecgdig_pipeline_create(&o, &p.p), ECGDIG_OK) << last_error();
  ResultPtr r;
  ASSERT_EQ(ecgdig_digitize_file(p.p, kPage.c_str(), &r.r), ECGDIG_OK) << last_error();
  const float *s = nullptr;
  size_t count = 0;
  double fs_hz = 0, start_s = 0;
  ASSERT_EQ(ecgdig_result_lead_samples(r.r, 1, &s, &count, &fs_hz, &start_s), ECGDIG_OK);
  EXPECT_EQ(fs_hz, 250.0);
  EXPECT_NEAR(double(count), 2500.0, 50.0);
  const char *layout = nullptr;
  ASSERT_EQ(ecgdig_result_layout_name(r.r, &layout), ECGDIG_OK);
  EXPECT_STREQ(layout, "3x4+1");
}

TEST(CApiHandles, FreeNullIsNoOp) {
  ecgdig_pipeline_free(nullptr);
  ecgdig_result_free(nullptr);
  ecgdig_maps_free(nullptr);
}

TEST(CApiDigitize, BadFileArguments) {
  PipelinePtr p{make_pipeline()};
  ResultPtr r;
  EXPECT_EQ(ecgdig_digitize_file(nullptr, kPage.c_str(), &r.r), ECGDIG_E_INVALID_ARG);
  EXPECT_NE(last_error().find("pipeline"), std::string::npos);
  EXPECT_EQ(ecgdig_digitize_file(p.p, nullptr, &r.r), ECGDIG_E_INVALID_ARG);
  EXPECT_NE(last_error().find("path"), std::string::npos);
  EXPECT_EQ(ecgdig_digitize_file(p.p, kPage.c_str(), nullptr), ECGDIG_E_INVALID_ARG);
  EXPECT_NE(last_error().find("out"), std::string::npos);

  const std::string missing = scratch("no_such_page.png").string();
  EXPECT_EQ(ecgdig_digitize_file(p.p, missing.c_str(), &r.r), ECGDIG_E_IO);
  EXPECT_NE(last_error().find("no_such_page.png"), std::string::npos) << last_error();
  const std::string dir = scratch("a_folder").string();
  fs::create_directories(dir);
  EXPECT_EQ(ecgdig_digitize_file(p.p, dir.c_str(), &r.r), ECGDIG_E_IO);

  const std::string text = scratch("not_an_image.png").string();
  std::ofstream(text) << "this is not a picture\n";
  EXPECT_EQ(ecgdig_digitize_file(p.p, text.c_str(), &r.r), ECGDIG_E_FORMAT);
  EXPECT_NE(last_error().find("not_an_image.png"), std::string::npos) << last_error();
  EXPECT_EQ(r.r, nullptr);

  size_t pages = 7;
  EXPECT_EQ(ecgdig_file_page_count(missing.c_str(), &pages), ECGDIG_E_IO);
  EXPECT_EQ(pages, 7u) << "a failing call changed a value output";
  EXPECT_EQ(ecgdig_file_page_count(nullptr, &pages), ECGDIG_E_INVALID_ARG);
  EXPECT_EQ(ecgdig_file_page_count(kPage.c_str(), nullptr), ECGDIG_E_INVALID_ARG);
  ASSERT_EQ(ecgdig_file_page_count(kPage.c_str(), &pages), ECGDIG_OK) << last_error();
  EXPECT_EQ(pages, 1u);
  EXPECT_EQ(ecgdig_digitize_file_page(p.p, kPage.c_str(), 1, &r.r), ECGDIG_E_INVALID_ARG);
  EXPECT_NE(last_error().find("1 page"), std::string::npos) << last_error();
  EXPECT_EQ(r.r, nullptr);
}

TEST(CApiDigitize, BadImageViews) {
  PipelinePtr p{make_pipeline()};
  std::vector<uint8_t> pixels(64 * 48 * 4, 255);
  struct Case {
    const char *what;
    ecgdig_image_view view;
    const char *message_part;
  };
  const uint8_t *d = pixels.data();
  const Case cases[] = {
      {"NULL data", {nullptr, 64, 48, 64 * 3, ECGDIG_PIXEL_BGR8}, "data"},
      {"zero width", {d, 0, 48, 64 * 3, ECGDIG_PIXEL_BGR8}, "size"},
      {"zero height", {d, 64, 0, 64 * 3, ECGDIG_PIXEL_BGR8}, "size"},
      {"negative width", {d, -64, 48, 64 * 3, ECGDIG_PIXEL_BGR8}, "size"},
      {"format 0", {d, 64, 48, 64 * 3, static_cast<ecgdig_pixel_format>(0)}, "pixel format"},
      {"format 99", {d, 64, 48, 64 * 4, static_cast<ecgdig_pixel_format>(99)}, "pixel format"},
      {"short gray stride", {d, 64, 48, 63, ECGDIG_PIXEL_GRAY8}, "stride_bytes"},
      {"short rgb stride", {d, 64, 48, 64 * 3 - 1, ECGDIG_PIXEL_RGB8}, "stride_bytes"},
      {"short bgr stride", {d, 64, 48, 64 * 2, ECGDIG_PIXEL_BGR8}, "stride_bytes"},
      {"short rgba stride", {d, 64, 48, 64 * 3, ECGDIG_PIXEL_RGBA8}, "stride_bytes"},
      {"short bgra stride", {d, 64, 48, 64 * 4 - 1, ECGDIG_PIXEL_BGRA8}, "stride_bytes"},
      {"negative stride", {d, 64, 48, -64 * 3, ECGDIG_PIXEL_BGR8}, "stride_bytes"},
  };
  for (const Case &c : cases) {
    ResultPtr r;
    EXPECT_EQ(ecgdig_digitize_image(p.p, &c.view, &r.r), ECGDIG_E_INVALID_ARG) << c.what;
    EXPECT_EQ(r.r, nullptr) << c.what;
    EXPECT_NE(last_error().find(c.message_part), std::string::npos) << c.what << ": " << last_error();
    MapsPtr m;
    EXPECT_EQ(ecgdig_segment_image(p.p, &c.view, &m.m), ECGDIG_E_INVALID_ARG) << c.what;
    EXPECT_EQ(m.m, nullptr) << c.what;
    double px_per_mm = -1, rotation = -1;
    EXPECT_EQ(ecgdig_detect_grid(p.p, &c.view, &px_per_mm, &rotation), ECGDIG_E_INVALID_ARG)
        << c.what;
    EXPECT_EQ(px_per_mm, -1);
  }
  const ecgdig_image_view ok{d, 64, 48, 64 * 3, ECGDIG_PIXEL_BGR8};
  ResultPtr r;
  EXPECT_EQ(ecgdig_digitize_image(nullptr, &ok, &r.r), ECGDIG_E_INVALID_ARG);
  EXPECT_EQ(ecgdig_digitize_image(p.p, nullptr, &r.r), ECGDIG_E_INVALID_ARG);
  EXPECT_NE(last_error().find("image"), std::string::npos);
  EXPECT_EQ(ecgdig_digitize_image(p.p, &ok, nullptr), ECGDIG_E_INVALID_ARG);
  MapsPtr m;
  EXPECT_EQ(ecgdig_segment_image(nullptr, &ok, &m.m), ECGDIG_E_INVALID_ARG);
  EXPECT_EQ(ecgdig_segment_image(p.p, &ok, nullptr), ECGDIG_E_INVALID_ARG);
  double v = 0;
  EXPECT_EQ(ecgdig_detect_grid(p.p, &ok, nullptr, &v), ECGDIG_E_INVALID_ARG);
  EXPECT_EQ(ecgdig_detect_grid(p.p, &ok, &v, nullptr), ECGDIG_E_INVALID_ARG);
}

TEST(CApiDigitize, BlankPageFailsCleanly) {
  PipelinePtr p{make_pipeline()};
  cv::Mat white(400, 600, CV_8UC3, cv::Scalar::all(255));
  const ecgdig_image_view view = view_of(white, ECGDIG_PIXEL_BGR8);
  ResultPtr r;
  const ecgdig_status s = ecgdig_digitize_image(p.p, &view, &r.r);
  EXPECT_LT(s, 0);
  EXPECT_NE(s, ECGDIG_E_INTERNAL) << last_error();
  EXPECT_EQ(r.r, nullptr);
  EXPECT_FALSE(last_error().empty());
}

TEST_F(CApiResult, TwelveStandardLeadsInOrder) {
  size_t n = 0;
  ASSERT_EQ(ecgdig_result_lead_count(result_, &n), ECGDIG_OK);
  ASSERT_EQ(n, 12u);
  const char *expected[] = {"I", "II", "III", "aVR", "aVL", "aVF",
                            "V1", "V2", "V3", "V4", "V5", "V6"};
  for (size_t i = 0; i < n; ++i) {
    const char *name = nullptr;
    ASSERT_EQ(ecgdig_result_lead_name(result_, i, &name), ECGDIG_OK);
    EXPECT_STREQ(name, expected[i]);
  }
}

TEST_F(CApiResult, SamplesMatchTheRecordedEcg) {
  // 3x4+1 page: columns start at 0, 2.5, 5 and 7.5 s; lead II runs the whole strip.
  const double column_start_s[12] = {0, 0, 0, 2.5, 2.5, 2.5, 5, 5, 5, 7.5, 7.5, 7.5};
  const ecgdig::Record truth = ecgdig::read_wfdb(kTruth);
  double sum_r = 0;  // Pearson r against the recording, per lead (no lag search)
  for (size_t i = 0; i < 12; ++i) {
    const float *s = nullptr;
    size_t count = 0;
    double fs_hz = 0, start_s = 0, confidence = -1;
    ASSERT_EQ(ecgdig_result_lead_samples(result_, i, &s, &count, &fs_hz, &start_s), ECGDIG_OK);
    ASSERT_EQ(ecgdig_result_lead_confidence(result_, i, &confidence), ECGDIG_OK);
    EXPECT_EQ(fs_hz, 500.0);
    EXPECT_NEAR(double(count), 5000.0, 100.0);
    ASSERT_NE(s, nullptr);
    const double expected_start = i == 1 ? 0.0 : column_start_s[i];
    EXPECT_NEAR(start_s, expected_start, 0.1) << "lead " << i;
    EXPECT_GT(confidence, 0.0);
    EXPECT_LE(confidence, 1.0);
    const std::vector<float> got(s, s + count);
    const double r = pearson(got, truth.leads[i].mv);
    EXPECT_GT(r, 0.7) << "lead " << truth.leads[i].name;
    sum_r += r;
  }
  EXPECT_GT(sum_r / 12, 0.85);
}

TEST_F(CApiResult, SameAsTheCppPipeline) {
  ecgdig::PipelineOptions o;
  o.num_threads = 1;
  const ecgdig::Record cpp = ecgdig::to_standard_leads(ecgdig::Pipeline(o).run(page_bgr()).record);
  std::vector<std::vector<float>> expected;
  for (const auto &lead : cpp.leads) expected.push_back(lead.mv);
  expect_same_samples(all_samples(result_), expected);
}

TEST_F(CApiResult, DiagnosticsAndScale) {
  const char *layout = nullptr;
  ASSERT_EQ(ecgdig_result_layout_name(result_, &layout), ECGDIG_OK);
  EXPECT_STREQ(layout, "3x4+1");
  double x = 0, y = 0;
  ASSERT_EQ(ecgdig_result_px_per_mm(result_, &x, &y), ECGDIG_OK);
  EXPECT_GT(x, 1.0);
  EXPECT_NEAR(x / y, 1.0, 0.05);

  size_t stages = 0;
  ASSERT_EQ(ecgdig_result_stage_count(result_, &stages), ECGDIG_OK);
  ASSERT_EQ(stages, 5u);
  const char *names[] = {"preprocess", "segment", "grid", "layout", "extract"};
  for (size_t i = 0; i < stages; ++i) {
    const char *stage = nullptr;
    double ms = -1;
    ASSERT_EQ(ecgdig_result_stage_timing(result_, i, &stage, &ms), ECGDIG_OK);
    EXPECT_STREQ(stage, names[i]);
    EXPECT_GE(ms, 0.0);
  }
  size_t warnings = 99;
  ASSERT_EQ(ecgdig_result_warning_count(result_, &warnings), ECGDIG_OK);
  for (size_t i = 0; i < warnings; ++i) {
    const char *w = nullptr;
    ASSERT_EQ(ecgdig_result_warning(result_, i, &w), ECGDIG_OK);
    EXPECT_GT(std::strlen(w), 0u);
  }
  const char *w = nullptr;
  EXPECT_EQ(ecgdig_result_warning(result_, warnings, &w), ECGDIG_E_INVALID_ARG);
}

TEST_F(CApiResult, AccessorsRefuseBadArguments) {
  const char *name = nullptr;
  const float *s = nullptr;
  size_t n = 0;
  double d = 0, e = 0;
  EXPECT_EQ(ecgdig_result_lead_count(nullptr, &n), ECGDIG_E_INVALID_ARG);
  EXPECT_EQ(ecgdig_result_lead_count(result_, nullptr), ECGDIG_E_INVALID_ARG);
  EXPECT_EQ(ecgdig_result_lead_name(result_, 12, &name), ECGDIG_E_INVALID_ARG);
  EXPECT_NE(last_error().find("12"), std::string::npos) << last_error();
  EXPECT_EQ(ecgdig_result_lead_name(result_, SIZE_MAX, &name), ECGDIG_E_INVALID_ARG);
  EXPECT_EQ(ecgdig_result_lead_name(nullptr, 0, &name), ECGDIG_E_INVALID_ARG);
  EXPECT_EQ(ecgdig_result_lead_name(result_, 0, nullptr), ECGDIG_E_INVALID_ARG);
  EXPECT_EQ(ecgdig_result_lead_samples(result_, 12, &s, &n, &d, &e), ECGDIG_E_INVALID_ARG);
  EXPECT_EQ(ecgdig_result_lead_samples(result_, 0, nullptr, &n, &d, &e), ECGDIG_E_INVALID_ARG);
  EXPECT_EQ(ecgdig_result_lead_samples(result_, 0, &s, nullptr, &d, &e), ECGDIG_E_INVALID_ARG);
  EXPECT_EQ(ecgdig_result_lead_samples(result_, 0, &s, &n, nullptr, &e), ECGDIG_E_INVALID_ARG);
  EXPECT_EQ(ecgdig_result_lead_samples(result_, 0, &s, &n, &d, nullptr), ECGDIG_E_INVALID_ARG);
  EXPECT_EQ(ecgdig_result_lead_samples(nullptr, 0, &s, &n, &d, &e), ECGDIG_E_INVALID_ARG);
  EXPECT_EQ(ecgdig_result_lead_confidence(result_, 12, &d), ECGDIG_E_INVALID_ARG);
  EXPECT_EQ(ecgdig_result_lead_confidence(result_, 0, nullptr), ECGDIG_E_INVALID_ARG);
  EXPECT_EQ(ecgdig_result_layout_name(nullptr, &name), ECGDIG_E_INVALID_ARG);
  EXPECT_EQ(ecgdig_result_layout_name(result_, nullptr), ECGDIG_E_INVALID_ARG);
  EXPECT_EQ(ecgdig_result_px_per_mm(result_, nullptr, &d), ECGDIG_E_INVALID_ARG);
  EXPECT_EQ(ecgdig_result_px_per_mm(result_, &d, nullptr), ECGDIG_E_INVALID_ARG);
  EXPECT_EQ(ecgdig_result_warning_count(nullptr, &n), ECGDIG_E_INVALID_ARG);
  EXPECT_EQ(ecgdig_result_warning(result_, 0, nullptr), ECGDIG_E_INVALID_ARG);
  EXPECT_EQ(ecgdig_result_stage_count(result_, nullptr), ECGDIG_E_INVALID_ARG);
  EXPECT_EQ(ecgdig_result_stage_timing(result_, 5, &name, &d), ECGDIG_E_INVALID_ARG);
  EXPECT_EQ(ecgdig_result_stage_timing(result_, 0, nullptr, &d), ECGDIG_E_INVALID_ARG);
  EXPECT_EQ(ecgdig_result_stage_timing(result_, 0, &name, nullptr), ECGDIG_E_INVALID_ARG);
}

TEST_F(CApiResult, WritesRecordsThatReadBack) {
  const auto original = all_samples(result_);
  struct Case {
    ecgdig_record_format format;
    const char *file;
    double tolerance_mv;
  };
  for (const Case &c : {Case{ECGDIG_RECORD_WFDB, "out_wfdb", 0.0006},
                        Case{ECGDIG_RECORD_CSV, "out.csv", 1e-5},
                        Case{ECGDIG_RECORD_JSON, "out.json", 1e-5}}) {
    const fs::path path = scratch(c.file);
    ASSERT_EQ(ecgdig_result_write(result_, path.string().c_str(), c.format), ECGDIG_OK)
        << last_error();
    const ecgdig::Record back =
        c.format == ECGDIG_RECORD_WFDB ? ecgdig::read_wfdb(path) : ecgdig::read_record(path);
    ASSERT_EQ(back.leads.size(), 12u) << c.file;
    for (size_t i = 0; i < 12; ++i) {
      ASSERT_EQ(back.leads[i].mv.size(), original[i].size());
      for (size_t k = 0; k < original[i].size(); ++k) {
        if (std::isnan(original[i][k]))
          ASSERT_TRUE(std::isnan(back.leads[i].mv[k])) << c.file << " lead " << i << " at " << k;
        else
          ASSERT_NEAR(back.leads[i].mv[k], original[i][k], c.tolerance_mv) << c.file;
      }
    }
  }
  EXPECT_EQ(ecgdig_result_write(result_, scratch("x.json").string().c_str(),
                                static_cast<ecgdig_record_format>(7)),
            ECGDIG_E_INVALID_ARG);
  EXPECT_NE(last_error().find("format"), std::string::npos);
  EXPECT_EQ(ecgdig_result_write(nullptr, "x.json", ECGDIG_RECORD_JSON), ECGDIG_E_INVALID_ARG);
  EXPECT_EQ(ecgdig_result_write(result_, nullptr, ECGDIG_RECORD_JSON), ECGDIG_E_INVALID_ARG);
  const std::string unwritable = scratch("missing_dir").string() + "/deeper/out.json";
  EXPECT_EQ(ecgdig_result_write(result_, unwritable.c_str(), ECGDIG_RECORD_JSON), ECGDIG_E_IO);
}

TEST_F(CApiResult, WritesAnOverlayPng) {
  const fs::path png = scratch("overlay.png");
  fs::remove(png);
  ASSERT_EQ(ecgdig_result_write_overlay(result_, png.string().c_str()), ECGDIG_OK) << last_error();
  const cv::Mat image = cv::imread(png.string());
  ASSERT_FALSE(image.empty());
  EXPECT_GT(image.cols, 1000);
  EXPECT_EQ(ecgdig_result_write_overlay(result_, nullptr), ECGDIG_E_INVALID_ARG);
  EXPECT_EQ(ecgdig_result_write_overlay(nullptr, png.string().c_str()), ECGDIG_E_INVALID_ARG);
  const std::string unwritable = scratch("missing_dir").string() + "/deeper/o.png";
  EXPECT_EQ(ecgdig_result_write_overlay(result_, unwritable.c_str()), ECGDIG_E_IO);
  EXPECT_NE(last_error().find("o.png"), std::string::npos);
}

TEST_F(CApiResult, OutlivesItsPipeline) {
  PipelinePtr p{make_pipeline()};
  ResultPtr r;
  ASSERT_EQ(ecgdig_digitize_file(p.p, kPage.c_str(), &r.r), ECGDIG_OK) << last_error();
  ecgdig_pipeline_free(p.p);
  p.p = nullptr;
  expect_same_samples(all_samples(r.r), all_samples(result_));
}

TEST(CApiPixels, EveryFormatAndPaddedStrideGivesTheSameMaps) {
  PipelinePtr p{make_pipeline()};
  // A crop around lead I's panel keeps the test fast.
  const cv::Mat bgr = page_bgr()(cv::Rect(100, 300, 700, 400)).clone();
  auto maps_of = [&](const ecgdig_image_view &view) {
    MapsPtr m;
    EXPECT_EQ(ecgdig_segment_image(p.p, &view, &m.m), ECGDIG_OK) << last_error();
    std::vector<cv::Mat> planes;
    for (int c = ECGDIG_MAP_TRACE; c <= ECGDIG_MAP_BACKGROUND; ++c) {
      const float *data = nullptr;
      int32_t w = 0, h = 0;
      EXPECT_EQ(ecgdig_maps_get(m.m, static_cast<ecgdig_map_class>(c), &data, &w, &h), ECGDIG_OK);
      EXPECT_EQ(w, view.width);
      EXPECT_EQ(h, view.height);
      planes.push_back(cv::Mat(h, w, CV_32F, const_cast<float *>(data)).clone());
    }
    return planes;
  };
  auto expect_equal = [](const std::vector<cv::Mat> &a, const std::vector<cv::Mat> &b,
                         const char *what) {
    for (size_t c = 0; c < a.size(); ++c)
      EXPECT_EQ(cv::norm(a[c], b[c], cv::NORM_INF), 0.0) << what << " class " << c;
  };
  const auto reference = maps_of(view_of(bgr, ECGDIG_PIXEL_BGR8));
  double trace_max = 0;
  cv::minMaxLoc(reference[ECGDIG_MAP_TRACE], nullptr, &trace_max);
  EXPECT_GT(trace_max, 0.25) << "the crop shows a trace";
  for (const cv::Mat &plane : reference) {
    double lo = 0, hi = 0;
    cv::minMaxLoc(plane, &lo, &hi);
    EXPECT_GE(lo, 0.0);
    EXPECT_LE(hi, 1.0);
  }
  cv::Mat sum = reference[0] + reference[1] + reference[2] + reference[3];
  double sum_lo = 0;
  cv::minMaxLoc(sum, &sum_lo, nullptr);
  EXPECT_GE(sum_lo, 1.0 - 1e-5) << "background fills what the other classes leave";

  cv::Mat rgb, rgba, bgra;
  cv::cvtColor(bgr, rgb, cv::COLOR_BGR2RGB);
  cv::cvtColor(bgr, rgba, cv::COLOR_BGR2RGBA);
  cv::cvtColor(bgr, bgra, cv::COLOR_BGR2BGRA);
  expect_equal(reference, maps_of(view_of(rgb, ECGDIG_PIXEL_RGB8)), "RGB8");
  expect_equal(reference, maps_of(view_of(rgba, ECGDIG_PIXEL_RGBA8)), "RGBA8");
  expect_equal(reference, maps_of(view_of(bgra, ECGDIG_PIXEL_BGRA8)), "BGRA8");

  // Rows padded to a larger stride, padding filled with black.
  cv::Mat padded(bgr.rows, bgr.cols + 13, CV_8UC3, cv::Scalar::all(0));
  bgr.copyTo(padded(cv::Rect(0, 0, bgr.cols, bgr.rows)));
  ecgdig_image_view view = view_of(padded, ECGDIG_PIXEL_BGR8);
  view.width = bgr.cols;
  expect_equal(reference, maps_of(view), "padded BGR8");

  cv::Mat gray, gray_bgr;
  cv::cvtColor(bgr, gray, cv::COLOR_BGR2GRAY);
  cv::cvtColor(gray, gray_bgr, cv::COLOR_GRAY2BGR);
  expect_equal(maps_of(view_of(gray_bgr, ECGDIG_PIXEL_BGR8)), maps_of(view_of(gray, ECGDIG_PIXEL_GRAY8)),
               "GRAY8");

  // Fully transparent pixels are white paper.
  cv::Mat clear = bgra.clone();
  clear.forEach<cv::Vec4b>([](cv::Vec4b &px, const int *) { px[3] = 0; });
  cv::Mat white(bgr.size(), CV_8UC3, cv::Scalar::all(255));
  expect_equal(maps_of(view_of(white, ECGDIG_PIXEL_BGR8)), maps_of(view_of(clear, ECGDIG_PIXEL_BGRA8)),
               "transparent BGRA8");
}

TEST(CApiPixels, MapsGetRefusesBadArguments) {
  PipelinePtr p{make_pipeline()};
  cv::Mat white(40, 60, CV_8UC3, cv::Scalar::all(255));
  const ecgdig_image_view view = view_of(white, ECGDIG_PIXEL_BGR8);
  MapsPtr m;
  ASSERT_EQ(ecgdig_segment_image(p.p, &view, &m.m), ECGDIG_OK) << last_error();
  const float *data = nullptr;
  int32_t w = 0, h = 0;
  EXPECT_EQ(ecgdig_maps_get(m.m, static_cast<ecgdig_map_class>(4), &data, &w, &h),
            ECGDIG_E_INVALID_ARG);
  EXPECT_NE(last_error().find("map class"), std::string::npos);
  EXPECT_EQ(ecgdig_maps_get(m.m, static_cast<ecgdig_map_class>(-1), &data, &w, &h),
            ECGDIG_E_INVALID_ARG);
  EXPECT_EQ(ecgdig_maps_get(nullptr, ECGDIG_MAP_TRACE, &data, &w, &h), ECGDIG_E_INVALID_ARG);
  EXPECT_EQ(ecgdig_maps_get(m.m, ECGDIG_MAP_TRACE, nullptr, &w, &h), ECGDIG_E_INVALID_ARG);
  EXPECT_EQ(ecgdig_maps_get(m.m, ECGDIG_MAP_TRACE, &data, nullptr, &h), ECGDIG_E_INVALID_ARG);
  EXPECT_EQ(ecgdig_maps_get(m.m, ECGDIG_MAP_TRACE, &data, &w, nullptr), ECGDIG_E_INVALID_ARG);
}

TEST(CApiStages, DetectGridMeasuresTheScaleOfThePage) {
  PipelinePtr p{make_pipeline()};
  const ecgdig_image_view view = view_of(page_bgr(), ECGDIG_PIXEL_BGR8);
  double px_per_mm = 0, rotation_deg = 99;
  ASSERT_EQ(ecgdig_detect_grid(p.p, &view, &px_per_mm, &rotation_deg), ECGDIG_OK) << last_error();
  EXPECT_NEAR(px_per_mm, 200.0 / 25.4, 0.15);  // rendered at 200 dpi
  EXPECT_NEAR(rotation_deg, 0.0, 0.5);

  // Half the size, half the pixels per millimetre.
  cv::Mat half;
  cv::resize(page_bgr(), half, cv::Size(), 0.5, 0.5, cv::INTER_AREA);
  const ecgdig_image_view half_view = view_of(half, ECGDIG_PIXEL_BGR8);
  double half_px_per_mm = 0;
  ASSERT_EQ(ecgdig_detect_grid(p.p, &half_view, &half_px_per_mm, &rotation_deg), ECGDIG_OK)
      << last_error();
  EXPECT_NEAR(half_px_per_mm, px_per_mm / 2, 0.1);
}

TEST(CApiMemory, ThousandCreateDigitizeFreeCycles) {
  // Leaks show under the asan preset (LeakSanitizer runs at exit); here every
  // cycle must also fail cleanly and leave no result behind.
  cv::Mat blank(48, 64, CV_8UC3, cv::Scalar::all(255));
  const ecgdig_image_view view = view_of(blank, ECGDIG_PIXEL_BGR8);
  ecgdig_pipeline_options o = ECGDIG_PIPELINE_OPTIONS_INIT;
  o.num_threads = 1;
  for (int i = 0; i < 1000; ++i) {
    ecgdig_pipeline *p = nullptr;
    ASSERT_EQ(ecgdig_pipeline_create(&o, &p), ECGDIG_OK) << last_error();
    ecgdig_result *r = reinterpret_cast<ecgdig_result *>(&o);
    const ecgdig_status s = ecgdig_digitize_image(p, &view, &r);
    ASSERT_LT(s, 0);
    ASSERT_NE(s, ECGDIG_E_INTERNAL) << last_error();
    ASSERT_EQ(r, nullptr);
    ecgdig_result_free(r);
    ecgdig_pipeline_free(p);
  }
}

TEST(CApiThreads, OnePipelinePerThreadGivesIdenticalResults) {
  PipelinePtr p{make_pipeline()};
  cv::Mat page;
  cv::resize(page_bgr(), page, cv::Size(), 0.75, 0.75, cv::INTER_AREA);
  const ecgdig_image_view view = view_of(page, ECGDIG_PIXEL_BGR8);
  ResultPtr reference;
  ASSERT_EQ(ecgdig_digitize_image(p.p, &view, &reference.r), ECGDIG_OK) << last_error();
  const auto expected = all_samples(reference.r);

  constexpr int kThreads = 3;
  std::vector<std::vector<std::vector<float>>> got(kThreads);
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&, t] {
      ecgdig_pipeline *mine = make_pipeline();
      ecgdig_result *r = nullptr;
      if (ecgdig_digitize_image(mine, &view, &r) != ECGDIG_OK) ++failures;
      ecgdig_pipeline_free(mine);  // results outlive their pipeline
      if (r) got[t] = all_samples(r);
      ecgdig_result_free(r);
    });
  for (auto &th : threads) th.join();
  ASSERT_EQ(failures.load(), 0);
  for (int t = 0; t < kThreads; ++t) expect_same_samples(got[t], expected);
}

TEST(CApiThreads, MessagesAndSingleStagesStayPerThread) {
  const cv::Mat crop = page_bgr()(cv::Rect(100, 300, 400, 250)).clone();
  const ecgdig_image_view view = view_of(crop, ECGDIG_PIXEL_BGR8);
  PipelinePtr p{make_pipeline()};
  MapsPtr reference;
  ASSERT_EQ(ecgdig_segment_image(p.p, &view, &reference.m), ECGDIG_OK) << last_error();
  const float *expected = nullptr;
  int32_t w = 0, h = 0;
  ASSERT_EQ(ecgdig_maps_get(reference.m, ECGDIG_MAP_TRACE, &expected, &w, &h), ECGDIG_OK);

  constexpr int kThreads = 4;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&, t] {
      ecgdig_pipeline *mine = make_pipeline();
      const std::string missing = "/nonexistent/thread_" + std::to_string(t) + ".png";
      for (int i = 0; i < 5; ++i) {
        ecgdig_result *r = nullptr;
        if (ecgdig_digitize_file(mine, missing.c_str(), &r) != ECGDIG_E_IO || r) ++failures;
        if (last_error().find(missing) == std::string::npos) ++failures;  // never another thread's
        MapsPtr m;
        const float *trace = nullptr;
        int32_t mw = 0, mh = 0;
        if (ecgdig_segment_image(mine, &view, &m.m) != ECGDIG_OK ||
            ecgdig_maps_get(m.m, ECGDIG_MAP_TRACE, &trace, &mw, &mh) != ECGDIG_OK ||
            mw != w || mh != h || std::memcmp(trace, expected, sizeof(float) * w * h) != 0)
          ++failures;
      }
      ecgdig_pipeline_free(mine);
    });
  for (auto &th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
}
