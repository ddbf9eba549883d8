// Saving rendered pages, and the `ecgdig render` command.

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>

#include "ecgdig/error.hpp"
#include "ecgdig/io.hpp"
#include "ecgdig/render.hpp"
#include "render_test_util.hpp"

#if !defined(_WIN32)
#include <sys/wait.h>
#endif

namespace ecgdig {
namespace {

namespace fs = std::filesystem;

fs::path scratch(const std::string &name) {
  const char *tmp = std::getenv("ECGDIG_TEST_TMP");
  fs::path dir = fs::path(tmp ? tmp : fs::temp_directory_path().string()) / ("render_" + name);
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

TEST(SaveRenderedPage, WritesImageMasksJsonAndTruthRecord) {
  PageStyle s;
  s.dpi = 100;
  const Record source = render_test::synth(3);
  const RenderedPage page = render_page(source, s);
  const fs::path dir = scratch("save");
  save_rendered_page(page, dir, "page");

  EXPECT_TRUE(render_test::same_mat(cv::imread((dir / "page.png").string(), cv::IMREAD_COLOR), page.bgr));
  EXPECT_TRUE(render_test::same_mat(cv::imread((dir / "page_trace.png").string(), cv::IMREAD_GRAYSCALE), page.trace_mask));
  EXPECT_TRUE(render_test::same_mat(cv::imread((dir / "page_grid.png").string(), cv::IMREAD_GRAYSCALE), page.grid_mask));
  EXPECT_TRUE(render_test::same_mat(cv::imread((dir / "page_text.png").string(), cv::IMREAD_GRAYSCALE), page.text_mask));

  std::ifstream in(dir / "page.json");
  const nlohmann::json j = nlohmann::json::parse(in);
  EXPECT_EQ(j.at("layout"), "3x4+1");
  EXPECT_NEAR(j.at("px_per_mm").get<double>(), page.px_per_mm, 1e-9);
  ASSERT_EQ(j.at("leads").size(), page.leads.size());
  const auto &l = j.at("leads")[12];
  EXPECT_EQ(l.at("name"), page.leads[12].name);
  EXPECT_EQ(l.at("first_sample").get<std::size_t>(), page.leads[12].first_sample);
  ASSERT_EQ(l.at("path_px").size(), page.leads[12].path_px.size());
  EXPECT_NEAR(l.at("path_px")[100][0].get<double>(), page.leads[12].path_px[100].x, 0.006);
  EXPECT_NEAR(l.at("path_px")[100][1].get<double>(), page.leads[12].path_px[100].y, 0.006);

  const Record truth = read_wfdb(dir / "page");
  ASSERT_EQ(truth.leads.size(), 12u);
  ASSERT_EQ(truth.num_samples(), page.truth.num_samples());
  for (std::size_t k = 0; k < 12; ++k) {
    EXPECT_EQ(truth.leads[k].name, kStandardLeads[k]);
    for (std::size_t n = 0; n < truth.num_samples(); n += 7) {
      const float want = page.truth.leads[k].mv[n];
      if (std::isnan(want))
        ASSERT_TRUE(std::isnan(truth.leads[k].mv[n])) << k << " " << n;
      else
        ASSERT_NEAR(truth.leads[k].mv[n], want, 0.0011) << k << " " << n;
    }
  }
}

TEST(SaveRenderedPage, BadStemOrFolderThrows) {
  PageStyle s;
  s.dpi = 72;
  const RenderedPage page = render_page(render_test::synth(1), s);
  const fs::path dir = scratch("save_bad");
  EXPECT_THROW(save_rendered_page(page, dir, ""), Error);
  EXPECT_THROW(save_rendered_page(page, dir, "a/b"), Error);
  std::ofstream(dir / "file") << "x";
  try {
    save_rendered_page(page, dir / "file", "page");
    FAIL();
  } catch (const Error &e) {
    EXPECT_EQ(e.code(), ErrorCode::Io);
  }
  EXPECT_THROW(save_rendered_page(RenderedPage{}, dir, "empty"), Error);
}

#if !defined(_WIN32)
int run_cli(const std::string &args) {
  const std::string cmd = std::string("\"") + ECGDIG_CLI + "\" " + args + " >/dev/null 2>&1";
  const int status = std::system(cmd.c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

TEST(RenderCommand, WritesPagesAndRejectsBadParameters) {
  if (std::string(ECGDIG_CLI).empty()) GTEST_SKIP() << "the command-line tool is not built";
  const fs::path dir = scratch("cli");
  ASSERT_EQ(run_cli("render --synthetic --layout 6x2 --seed 3 --dpi 80 --count 2 -o \"" + dir.string() + "\""), 0);
  for (const char *stem : {"synth_3", "synth_4"})
    for (const char *ext : {".png", "_trace.png", "_grid.png", "_text.png", ".json", ".hea", ".dat"})
      EXPECT_TRUE(fs::exists(dir / (std::string(stem) + ext))) << stem << ext;
  std::ifstream in(dir / "synth_3.json");
  EXPECT_EQ(nlohmann::json::parse(in).at("layout"), "6x2");

  const std::string rec = std::string(ECGDIG_TEST_DATA_DIR) + "/ptbxl/10504_hr";
  EXPECT_EQ(run_cli("render --record \"" + rec + "\" --layout random --seed 5 --dpi 72 -o \"" + dir.string() + "\""), 0);
  EXPECT_TRUE(fs::exists(dir / "10504_hr_5.json"));

  // Degraded pages say what was applied; ecg-image-kit pages have its size.
  EXPECT_EQ(run_cli("render --preset light --seed 8 --dpi 72 -o \"" + dir.string() + "\""), 0);
  std::ifstream degraded(dir / "synth_8.json");
  EXPECT_FALSE(nlohmann::json::parse(degraded).at("degradations").empty());
  EXPECT_EQ(run_cli("render --geometry ecg-image-kit --seed 9 -o \"" + dir.string() + "\""), 0);
  std::ifstream kit(dir / "synth_9.json");
  const nlohmann::json kit_json = nlohmann::json::parse(kit);
  EXPECT_EQ(kit_json.at("width"), 2200);
  EXPECT_EQ(kit_json.at("height"), 1700);

  EXPECT_EQ(run_cli("render --layout 5x5 -o \"" + dir.string() + "\""), 1);
  EXPECT_EQ(run_cli("render --dpi 0 -o \"" + dir.string() + "\""), 1);
  EXPECT_EQ(run_cli("render --gain -5 -o \"" + dir.string() + "\""), 1);
  EXPECT_EQ(run_cli("render --preset nosuch -o \"" + dir.string() + "\""), 1);
  EXPECT_EQ(run_cli("render --record /no/such/record -o \"" + dir.string() + "\""), 1);
}
#endif

}  // namespace
}  // namespace ecgdig
