// Runs the ecgdig binary as a user would and checks its output and exit status.

#include <sys/wait.h>

#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "ecgdig/io.hpp"
#include "ecgdig/metrics.hpp"
#include "ecgdig/version.hpp"

namespace {

namespace fs = std::filesystem;
using nlohmann::json;

const fs::path kData = fs::path(ECGDIG_TEST_DATA_DIR) / "ptbxl";
const fs::path kRecord = kData / "00841_hr";

struct CliRun {
  int status = -1;  ///< exit status; -1 when killed by a signal
  std::string out;
  std::string err;
};

std::string quote(const fs::path &path) { return "'" + path.string() + "'"; }

std::string read_text(const fs::path &path) {
  std::ifstream file(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(file), std::istreambuf_iterator<char>()};
}

class CliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const char *tmp = std::getenv("ECGDIG_TEST_TMP");
    const auto *info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = fs::path(tmp ? tmp : fs::temp_directory_path().string()) / "cli" / info->name();
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }

  /// Runs `ecgdig ARGS` with a time limit, so a hang fails instead of blocking.
  CliRun run(const std::string &args) const {
    const fs::path out = dir_ / "stdout.txt";
    const fs::path err = dir_ / "stderr.txt";
    const std::string command =
        "timeout 120 " + quote(ECGDIG_CLI) + " " + args + " >" + quote(out) + " 2>" + quote(err);
    const int raw = std::system(command.c_str());
    CliRun result;
    result.status = WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
    result.out = read_text(out);
    result.err = read_text(err);
    return result;
  }

  /// Copies the WFDB record `name` (.hea + .dat) into `folder`.
  static void copy_wfdb(const std::string &name, const fs::path &folder) {
    fs::create_directories(folder);
    for (const char *ext : {".hea", ".dat"}) {
      fs::copy_file(kData / (name + ext), folder / (name + ext), fs::copy_options::overwrite_existing);
    }
  }

  /// Expects exit status 1 and a one-line "ecgdig: error: <path>: ..." message.
  void expect_input_error(const CliRun &result, const fs::path &path) const {
    EXPECT_EQ(result.status, 1) << result.err;
    EXPECT_NE(result.err.find("ecgdig: error: " + path.string() + ": "), std::string::npos) << result.err;
  }

  fs::path dir_;
};

TEST_F(CliTest, VersionPrintsLibraryVersion) {
  const CliRun result = run("--version");
  EXPECT_EQ(result.status, 0);
  EXPECT_NE(result.out.find(std::string("ecgdig ") + ecgdig::version()), std::string::npos) << result.out;
  EXPECT_NE(result.out.find(ECGDIG_VERSION_STRING), std::string::npos) << result.out;
}

TEST_F(CliTest, EvalOfRecordAgainstItselfGivesTheCap) {
  const CliRun result = run("eval " + quote(kRecord) + " " + quote(kRecord.string() + ".hea") + " --json");
  ASSERT_EQ(result.status, 0) << result.err;
  const json report = json::parse(result.out);
  ASSERT_EQ(report["leads"].size(), 12u);
  for (const json &lead : report["leads"]) {
    EXPECT_DOUBLE_EQ(lead["snr_db"].get<double>(), ecgdig::kMaxSnrDb) << lead["name"];
    EXPECT_NEAR(lead["pearson_r"].get<double>(), 1.0, 1e-9) << lead["name"];
    EXPECT_NEAR(lead["rmse_uv"].get<double>(), 0.0, 1e-9) << lead["name"];
    EXPECT_EQ(lead["shift_ms"].get<double>(), 0.0);
    EXPECT_FALSE(lead["missing"].get<bool>());
  }
  EXPECT_DOUBLE_EQ(report["mean"]["snr_db"].get<double>(), ecgdig::kMaxSnrDb);
}

TEST_F(CliTest, EvalHumanTableListsEveryLeadAndTheMean) {
  const CliRun result = run("eval " + quote(kRecord) + " " + quote(kRecord));
  ASSERT_EQ(result.status, 0) << result.err;
  for (const char *lead : ecgdig::kStandardLeads) {
    EXPECT_NE(result.out.find("\n" + std::string(lead) + " "), std::string::npos) << lead << "\n" << result.out;
  }
  EXPECT_NE(result.out.find("SNR dB"), std::string::npos);
  EXPECT_NE(result.out.find("\nmean "), std::string::npos) << result.out;
  EXPECT_NE(result.out.find("100.00"), std::string::npos) << result.out;
}

TEST_F(CliTest, EvalAgainstCsvConversionOfItselfIsAbove60Db) {
  const fs::path csv = dir_ / "00841_hr.csv";
  const CliRun converted = run("convert " + quote(kRecord) + " " + quote(csv));
  ASSERT_EQ(converted.status, 0) << converted.err;
  ASSERT_TRUE(fs::exists(csv));
  const CliRun result = run("eval " + quote(csv) + " " + quote(kRecord) + " --json");
  ASSERT_EQ(result.status, 0) << result.err;
  const json report = json::parse(result.out);
  ASSERT_EQ(report["leads"].size(), 12u);
  for (const json &lead : report["leads"]) {
    EXPECT_GE(lead["snr_db"].get<double>(), 60.0) << lead["name"];
  }
}

TEST_F(CliTest, ConvertRoundTripKeepsEverySample) {
  const fs::path json_file = dir_ / "a.json";
  const fs::path csv_file = dir_ / "b.csv";
  const fs::path wfdb_base = dir_ / "back";
  ASSERT_EQ(run("convert " + quote(kRecord) + " " + quote(json_file)).status, 0);
  ASSERT_EQ(run("convert " + quote(json_file) + " " + quote(csv_file) + " --time").status, 0);
  const CliRun last = run("convert " + quote(csv_file) + " " + quote(wfdb_base) + " --format wfdb");
  ASSERT_EQ(last.status, 0) << last.err;
  EXPECT_NE(last.out.find("wrote"), std::string::npos) << last.out;
  ASSERT_TRUE(fs::exists(dir_ / "back.hea"));
  ASSERT_TRUE(fs::exists(dir_ / "back.dat"));

  const ecgdig::Record original = ecgdig::read_wfdb(kRecord);
  const ecgdig::Record back = ecgdig::read_wfdb(wfdb_base);
  EXPECT_DOUBLE_EQ(back.fs_hz, original.fs_hz);  // carried by the CSV time column
  ASSERT_EQ(back.leads.size(), original.leads.size());
  for (std::size_t i = 0; i < original.leads.size(); ++i) {
    EXPECT_EQ(back.leads[i].name, original.leads[i].name);
    ASSERT_EQ(back.leads[i].mv.size(), original.leads[i].mv.size());
    for (std::size_t k = 0; k < original.leads[i].mv.size(); ++k) {
      ASSERT_NEAR(back.leads[i].mv[k], original.leads[i].mv[k], 0.5e-3) << original.leads[i].name << " " << k;
    }
  }
}

TEST_F(CliTest, ConvertIntoFolderNamesFileAfterInput) {
  const fs::path out = dir_ / "demo";
  const CliRun result = run("convert " + quote(kRecord) + " " + quote(out.string() + "/") + " --format json");
  ASSERT_EQ(result.status, 0) << result.err;
  const ecgdig::Record record = ecgdig::read_json(out / "00841_hr.json");
  EXPECT_EQ(record.leads.size(), 12u);
  EXPECT_EQ(record.num_samples(), 5000u);
}

TEST_F(CliTest, ConvertTakesTheRateOfATimelessCsvFromFs) {
  const fs::path csv = dir_ / "timeless.csv";
  const fs::path json_file = dir_ / "timeless.json";
  ASSERT_EQ(run("convert " + quote(kRecord) + " " + quote(csv)).status, 0);
  const CliRun result = run("convert " + quote(csv) + " " + quote(json_file) + " --fs 250");
  ASSERT_EQ(result.status, 0) << result.err;
  const ecgdig::Record record = ecgdig::read_json(json_file);
  EXPECT_DOUBLE_EQ(record.fs_hz, 250.0);
  EXPECT_EQ(record.num_samples(), 5000u);
}

TEST_F(CliTest, HelpListsTheCommands) {
  const CliRun result = run("--help");
  EXPECT_EQ(result.status, 0);
  for (const char *command : {"eval", "convert"}) {
    EXPECT_NE(result.out.find(command), std::string::npos) << result.out;
  }
}

TEST_F(CliTest, UsageErrorsExitWith2) {
  const std::string rec = quote(kRecord);
  for (const std::string args :
       {std::string(""), std::string("frobnicate"), "eval " + rec, "eval " + rec + " " + rec + " --bogus",
        "convert " + rec + " " + quote(dir_ / "x.txt") + " --format xml",
        "convert " + rec + " " + quote(dir_ / "x.json") + " --time",
        "convert " + rec + " " + quote(dir_ / "x.txt"), "eval " + rec + " " + rec + " --fs -5"}) {
    const CliRun result = run(args);
    EXPECT_EQ(result.status, 2) << "ecgdig " << args << "\n" << result.err;
    EXPECT_FALSE(result.err.empty()) << "ecgdig " << args;
  }
  EXPECT_FALSE(fs::exists(dir_ / "x.json"));
}

TEST_F(CliTest, NonexistentFileIsAClearError) {
  const fs::path missing = dir_ / "no_such_record.hea";
  expect_input_error(run("eval " + quote(missing) + " " + quote(kRecord)), missing);
  expect_input_error(run("convert " + quote(missing) + " " + quote(dir_ / "x.csv")), missing);
  EXPECT_FALSE(fs::exists(dir_ / "x.csv"));
}

TEST_F(CliTest, FolderInsteadOfFileIsAClearError) {
  const CliRun converted = run("convert " + quote(dir_) + " " + quote(dir_ / "x.csv"));
  expect_input_error(converted, dir_);
  EXPECT_NE(converted.err.find("folder"), std::string::npos) << converted.err;
  expect_input_error(run("eval " + quote(dir_) + " " + quote(kRecord)), dir_);
  expect_input_error(run("eval " + quote(kRecord) + " " + quote(dir_)), dir_);
}

TEST_F(CliTest, EmptyFilesAreClearErrors) {
  for (const char *name : {"empty.csv", "empty.json", "empty.hea"}) {
    const fs::path empty = dir_ / name;
    std::ofstream(empty).close();
    expect_input_error(run("eval " + quote(empty) + " " + quote(kRecord)), empty);
    expect_input_error(run("convert " + quote(empty) + " " + quote(dir_ / "x.json")), empty);
  }
}

TEST_F(CliTest, TruncatedDatIsAClearError) {
  copy_wfdb("00841_hr", dir_);
  fs::resize_file(dir_ / "00841_hr.dat", fs::file_size(dir_ / "00841_hr.dat") / 2 + 1);
  const fs::path truncated = dir_ / "00841_hr";
  const CliRun result = run("eval " + quote(truncated) + " " + quote(kRecord));
  EXPECT_EQ(result.status, 1) << result.out << result.err;
  EXPECT_NE(result.err.find("ecgdig: error: " + truncated.string()), std::string::npos) << result.err;
}

TEST_F(CliTest, BatchEvalScoresTheOthersWhenAPredictionIsMissing) {
  const fs::path truth = dir_ / "truth";
  const fs::path pred = dir_ / "pred";
  copy_wfdb("00841_hr", truth);
  copy_wfdb("10504_hr", truth);
  ASSERT_EQ(run("convert " + quote(kRecord) + " " + quote(pred / "00841_hr.csv")).status, 0);

  const CliRun result = run("eval " + quote(pred) + " " + quote(truth) + " --json");
  ASSERT_EQ(result.status, 0) << result.err;
  EXPECT_NE(result.err.find("10504_hr: no prediction"), std::string::npos) << result.err;
  const json report = json::parse(result.out);
  ASSERT_EQ(report["records"].size(), 2u);
  const json &scored = report["records"][0];
  const json &missing = report["records"][1];
  EXPECT_EQ(scored["name"], "00841_hr");
  EXPECT_GE(scored["mean"]["snr_db"].get<double>(), 60.0);
  EXPECT_EQ(missing["name"], "10504_hr");
  EXPECT_TRUE(missing["prediction"].is_null());
  ASSERT_EQ(missing["leads"].size(), 12u);
  for (const json &lead : missing["leads"]) {
    EXPECT_TRUE(lead["missing"].get<bool>()) << lead["name"];
    EXPECT_EQ(lead["snr_db"].get<double>(), 0.0) << lead["name"];  // nothing covered
  }
  EXPECT_EQ(report["mean"]["num_records"], 2);
  EXPECT_EQ(report["mean"]["num_leads"], 24);
  // Every lead of both records has an SNR, so the overall mean is the mean of the two.
  const double expected = (scored["mean"]["snr_db"].get<double>() + missing["mean"]["snr_db"].get<double>()) / 2.0;
  EXPECT_NEAR(report["mean"]["snr_db"].get<double>(), expected, 1e-6);

  const CliRun table = run("eval " + quote(pred) + " " + quote(truth));
  ASSERT_EQ(table.status, 0) << table.err;
  EXPECT_NE(table.out.find("00841_hr"), std::string::npos) << table.out;
  EXPECT_NE(table.out.find("no prediction"), std::string::npos) << table.out;
  EXPECT_NE(table.out.find("mean over 24 leads of 2 records"), std::string::npos) << table.out;
}

TEST_F(CliTest, BatchEvalReportsUnreadablePredictionAndGoesOn) {
  const fs::path truth = dir_ / "truth";
  const fs::path pred = dir_ / "pred";
  copy_wfdb("00841_hr", truth);
  copy_wfdb("10504_hr", truth);
  copy_wfdb("00841_hr", pred);
  fs::create_directories(pred);
  std::ofstream(pred / "10504_hr.json") << "{\"name\": \"10504_hr\", \"leads\": [";
  const fs::path report_file = dir_ / "report.json";

  const CliRun result = run("eval " + quote(pred) + " " + quote(truth) + " --json --out " + quote(report_file));
  expect_input_error(result, pred / "10504_hr.json");
  EXPECT_TRUE(result.out.empty()) << result.out;
  const json report = json::parse(read_text(report_file));
  ASSERT_EQ(report["records"].size(), 2u);
  EXPECT_DOUBLE_EQ(report["records"][0]["mean"]["snr_db"].get<double>(), ecgdig::kMaxSnrDb);
  EXPECT_EQ(report["records"][1]["problem"], "unreadable prediction");
  EXPECT_EQ(report["records"][1]["mean"]["snr_db"].get<double>(), 0.0);
}

TEST_F(CliTest, BatchEvalReportsUnusableTruthAndGoesOn) {
  const fs::path truth = dir_ / "truth";
  const fs::path pred = dir_ / "pred";
  copy_wfdb("00841_hr", truth);
  copy_wfdb("00841_hr", pred);
  std::ofstream(truth / "header_only.csv") << "I,II\n";
  std::ofstream(pred / "header_only.csv") << "I,II\n";

  const CliRun result = run("eval " + quote(pred) + " " + quote(truth) + " --json");
  expect_input_error(result, truth / "header_only.csv");
  const json report = json::parse(result.out);
  ASSERT_EQ(report["records"].size(), 1u);
  EXPECT_EQ(report["records"][0]["name"], "00841_hr");
  EXPECT_DOUBLE_EQ(report["mean"]["snr_db"].get<double>(), ecgdig::kMaxSnrDb);
}

TEST_F(CliTest, DigitizeWritesEveryFormatAndTheOverlay) {
  const fs::path out = dir_ / "out";
  const CliRun result = run("digitize " + quote(kData / "00841_hr-0.png") + " -o " + quote(out) +
                            " --format wfdb,csv,json --overlay --threads 2");
  ASSERT_EQ(result.status, 0) << result.err;
  EXPECT_NE(result.out.find("1 ok, 0 failed"), std::string::npos) << result.out;
  const ecgdig::Record wfdb = ecgdig::read_wfdb(out / "00841_hr_0");
  ASSERT_EQ(wfdb.leads.size(), 12u);
  EXPECT_EQ(wfdb.fs_hz, 500.0);
  EXPECT_EQ(wfdb.leads[3].name, "aVR");
  const ecgdig::Record csv = ecgdig::read_record(out / "00841_hr_0.csv");
  const ecgdig::Record from_json = ecgdig::read_record(out / "00841_hr_0.json");
  EXPECT_EQ(csv.num_samples(), wfdb.num_samples());
  EXPECT_EQ(from_json.num_samples(), wfdb.num_samples());
  EXPECT_GT(fs::file_size(out / "00841_hr_0_overlay.png"), 10000u);
}

TEST_F(CliTest, DigitizeBatchGoesOnAfterBadInputs) {
  const fs::path in = dir_ / "in";
  fs::create_directories(in / "sub");
  fs::copy_file(kData / "10504_hr-0.png", in / "sub" / "good.png");
  std::ofstream(in / "notes.png") << "this is not a picture";
  std::ofstream(in / "empty.jpg");
  const fs::path out = dir_ / "out";
  const CliRun result = run("digitize " + quote(in) + " " + quote(dir_ / "missing.png") + " -o " +
                            quote(out) + " -q");
  EXPECT_EQ(result.status, 1) << result.err;
  for (const fs::path &bad : {in / "notes.png", in / "empty.jpg", dir_ / "missing.png"})
    EXPECT_NE(result.err.find("ecgdig: error: " + bad.string() + ": "), std::string::npos)
        << result.err;
  EXPECT_NE(result.out.find("1 ok, 3 failed"), std::string::npos) << result.out;
  EXPECT_TRUE(fs::exists(out / "sub" / "good.hea"));
}

TEST_F(CliTest, DigitizeKeepsHostileNamesInsideTheOutputFolder) {
  const fs::path in = dir_ / "in";
  fs::create_directories(in);
  fs::copy_file(kData / "18155_hr-0.png", in / "..%2F..%2Fevil name;rm.png");
  const fs::path out = dir_ / "out";
  const CliRun result = run("digitize " + quote(in) + " -o " + quote(out) + " -q");
  ASSERT_EQ(result.status, 0) << result.err;
  std::size_t written = 0;
  for (const auto &entry : fs::recursive_directory_iterator(dir_)) {
    if (entry.path().extension() != ".hea") continue;
    ++written;
    EXPECT_EQ(entry.path().parent_path(), out) << entry.path();
    for (char c : entry.path().stem().string()) EXPECT_TRUE(std::isalnum(c) || c == '_') << c;
  }
  EXPECT_EQ(written, 1u);
}

TEST_F(CliTest, DigitizeReportHasALinePerPageAndPerFailedInput) {
  const fs::path in = dir_ / "in";
  fs::create_directories(in);
  fs::copy_file(kData / "10504_hr-0.png", in / "good.png");
  fs::copy_file(kData / "10504_hr-0.png", in / "caf\xe9.png");  // not UTF-8
  std::ofstream(in / "notes.png") << "this is not a picture";
  const fs::path out = dir_ / "out";
  const CliRun result = run("digitize " + quote(in) + " -o " + quote(out) + " --report -q");
  EXPECT_EQ(result.status, 1) << result.err;
  std::ifstream report(out / "report.jsonl");
  std::map<std::string, json> lines;
  for (std::string line; std::getline(report, line);) {
    const json j = json::parse(line);
    lines[fs::path(j["input"].get<std::string>()).filename().string()] = j;
  }
  ASSERT_EQ(lines.size(), 3u);
  const json &failed = lines.at("notes.png");
  EXPECT_EQ(failed["status"], "failed");
  EXPECT_FALSE(failed["error"].get<std::string>().empty());
  const json &good = lines.at("good.png");
  EXPECT_EQ(good["status"], "ok");
  EXPECT_EQ(good["record"], "good");
  EXPECT_EQ(good["page"], 1);
  EXPECT_EQ(good["layout"]["name"], "3x4+1");
  EXPECT_EQ(good["layout"]["paper_speed_mm_s"], 25.0);
  EXPECT_FALSE(good["layout"]["speed_from"].get<std::string>().empty());
  EXPECT_GT(good["geometry"]["px_per_mm_x"].get<double>(), 1.0);
  ASSERT_EQ(good["leads"].size(), 12u);
  for (const json &lead : good["leads"]) {
    EXPECT_GE(lead["confidence"].get<double>(), 0.0);
    EXPECT_LE(lead["confidence"].get<double>(), 1.0);
    EXPECT_GT(lead["fraction_known"].get<double>(), 0.2) << lead["name"];
  }
  EXPECT_EQ(good["leads"][3]["name"], "aVR");
  EXPECT_TRUE(good["timings_ms"].contains("segment"));
  EXPECT_EQ(lines.at("caf\xef\xbf\xbd.png")["status"], "ok");  // the byte replaced by U+FFFD
}

}  // namespace
