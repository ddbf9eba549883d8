// ecgdig eval: score predicted records against the truth, one pair or two folders.

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "commands.hpp"
#include "ecgdig/error.hpp"
#include "ecgdig/io.hpp"
#include "ecgdig/metrics.hpp"
#include "record_input.hpp"

namespace ecgdig::cli {
namespace {

namespace fs = std::filesystem;
// Keys in the order written, so the report reads top-down.
using json = nlohmann::ordered_json;

struct EvalOptions {
  std::string pred;
  std::string truth;
  std::string out;
  bool json = false;
  double csv_fs_hz = kDefaultCsvFsHz;
};

/// One truth record and how its prediction scored.
struct ScoredRecord {
  std::string name;
  fs::path pred_path;   ///< empty when there is no prediction
  fs::path truth_path;
  double fs_hz = 0;
  std::string problem;  ///< "" or why the record was scored without a prediction (0 dB)
  RecordScore score;
};

/// Mean over the finite values added.
class Mean {
 public:
  void add(double value) {
    if (std::isfinite(value)) {
      sum_ += value;
      ++count_;
    }
  }
  double value() const { return count_ > 0 ? sum_ / count_ : std::numeric_limits<double>::quiet_NaN(); }

 private:
  double sum_ = 0;
  int count_ = 0;
};

/// Means over all leads of all records.
struct OverallMean {
  Mean snr_db;
  Mean pearson_r;
  Mean rmse_uv;
  int num_leads = 0;
  int num_records = 0;

  void add(const RecordScore &score) {
    for (const LeadScore &lead : score.leads) {
      snr_db.add(lead.snr_db);
      pearson_r.add(lead.pearson_r);
      rmse_uv.add(lead.rmse_uv);
      ++num_leads;
    }
    ++num_records;
  }
};

double shift_ms(const LeadScore &lead, double fs_hz) { return 1000.0 * lead.shift_samples / fs_hz; }

std::string lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

/// Record files in `dir` by record name. A WFDB record is found by its .hea;
/// when one name has several formats, WFDB wins over JSON over CSV.
std::map<std::string, fs::path> records_in(const fs::path &dir) {
  static const std::vector<std::string> kPreference = {".hea", ".json", ".csv"};
  std::map<std::string, fs::path> found;
  for (const fs::directory_entry &entry : fs::directory_iterator(dir)) {
    if (!entry.is_regular_file()) {
      continue;
    }
    const fs::path &path = entry.path();
    const auto rank = std::find(kPreference.begin(), kPreference.end(), lower(path.extension().string()));
    if (rank == kPreference.end()) {
      continue;
    }
    const std::string name = path.stem().string();
    const auto it = found.find(name);
    if (it == found.end()) {
      found.emplace(name, path);
    } else if (rank < std::find(kPreference.begin(), kPreference.end(),
                                lower(it->second.extension().string()))) {
      it->second = path;
    }
  }
  return found;
}

std::string format_number(double value, int decimals) {
  if (!std::isfinite(value)) {
    return "nan";
  }
  // Rounding error around zero would otherwise print as "-0.00".
  if (std::fabs(value) < 0.5 * std::pow(10.0, -decimals)) {
    value = 0.0;
  }
  return fmt::format("{:.{}f}", value, decimals);
}

std::string lead_table(const ScoredRecord &record) {
  std::string text = fmt::format("{:<6} {:>8} {:>8} {:>9} {:>9} {:>10}\n", "lead", "SNR dB", "r",
                                 "RMSE µV", "shift ms", "offset mV");
  for (const LeadScore &lead : record.score.leads) {
    text += fmt::format("{:<6} {:>8} {:>8} {:>9} {:>9} {:>10}{}\n", lead.name,
                        format_number(lead.snr_db, 2), format_number(lead.pearson_r, 4),
                        format_number(lead.rmse_uv, 1), format_number(shift_ms(lead, record.fs_hz), 1),
                        format_number(lead.offset_mv, 3), lead.missing ? "  missing in prediction" : "");
  }
  text += fmt::format("{:<6} {:>8} {:>8} {:>9}\n", "mean", format_number(record.score.mean_snr_db, 2),
                      format_number(record.score.mean_pearson_r, 4),
                      format_number(record.score.mean_rmse_uv, 1));
  return text;
}

std::string record_heading(const ScoredRecord &record) {
  return fmt::format("{}: prediction {}, truth {}, {} leads at {} Hz\n", record.name, record.pred_path.string(),
                     record.truth_path.string(), record.score.leads.size(), record.fs_hz);
}

std::string batch_table(const std::vector<ScoredRecord> &records, const OverallMean &overall) {
  std::string text = fmt::format("{:<20} {:>8} {:>8} {:>9}\n", "record", "SNR dB", "r", "RMSE µV");
  for (const ScoredRecord &record : records) {
    text += fmt::format("{:<20} {:>8} {:>8} {:>9}{}\n", record.name,
                        format_number(record.score.mean_snr_db, 2),
                        format_number(record.score.mean_pearson_r, 4),
                        format_number(record.score.mean_rmse_uv, 1),
                        record.problem.empty() ? "" : "  " + record.problem);
  }
  text += fmt::format("mean over {} leads of {} records: SNR {} dB, r {}, RMSE {} µV\n", overall.num_leads,
                      overall.num_records, format_number(overall.snr_db.value(), 2),
                      format_number(overall.pearson_r.value(), 4), format_number(overall.rmse_uv.value(), 1));
  return text;
}

// nlohmann::json writes non-finite numbers as null, which is what "undefined" means here.
json means_json(double snr_db, double pearson_r, double rmse_uv) {
  return {{"snr_db", snr_db}, {"pearson_r", pearson_r}, {"rmse_uv", rmse_uv}};
}

json record_json(const ScoredRecord &record) {
  json leads = json::array();
  for (const LeadScore &lead : record.score.leads) {
    leads.push_back({{"name", lead.name},
                     {"missing", lead.missing},
                     {"snr_db", lead.snr_db},
                     {"pearson_r", lead.pearson_r},
                     {"rmse_uv", lead.rmse_uv},
                     {"shift_ms", shift_ms(lead, record.fs_hz)},
                     {"offset_mv", lead.offset_mv},
                     {"coverage", lead.coverage}});
  }
  json result = {{"name", record.name},
                 {"prediction", record.pred_path.empty() ? json(nullptr) : json(record.pred_path.string())},
                 {"truth", record.truth_path.string()},
                 {"fs_hz", record.fs_hz},
                 {"leads", leads},
                 {"mean", means_json(record.score.mean_snr_db, record.score.mean_pearson_r,
                                     record.score.mean_rmse_uv)}};
  if (!record.problem.empty()) {
    result["problem"] = record.problem;
  }
  return result;
}

/// Reads a record; a failure is reported, sets the exit status and gives nullopt.
std::optional<Record> try_load(const fs::path &path, const EvalOptions &options, int &exit_code) {
  try {
    return load_record(path, options.csv_fs_hz);
  } catch (const std::exception &e) {
    report_error(path, e.what());
    exit_code = kExitInputFailed;
    return std::nullopt;
  }
}

ScoredRecord make_scored(const std::string &name, const fs::path &pred_path, const fs::path &truth_path,
                         const Record &truth) {
  ScoredRecord scored;
  scored.name = name;
  scored.pred_path = pred_path;
  scored.truth_path = truth_path;
  scored.fs_hz = truth.fs_hz;
  return scored;
}

/// Fills scored.score; a pair the metric refuses (e.g. a truth without
/// samples) is reported against the truth's path and gives false.
bool try_score(const Record &pred, const Record &truth, ScoredRecord &scored, int &exit_code) {
  try {
    scored.score = score_record(pred, truth);
    return true;
  } catch (const std::exception &e) {
    report_error(scored.truth_path, std::string("cannot be scored: ") + e.what());
    exit_code = kExitInputFailed;
    return false;
  }
}

void write_output(const std::string &text, const EvalOptions &options, int &exit_code) {
  if (options.out.empty()) {
    std::fwrite(text.data(), 1, text.size(), stdout);
    return;
  }
  std::ofstream file(options.out, std::ios::binary);
  file << text;
  file.close();
  if (!file) {
    report_error(options.out, "cannot write the report");
    exit_code = kExitInputFailed;
  }
}

void eval_pair(const EvalOptions &options, int &exit_code) {
  // Both are read, so that a user sees every problem at once.
  const std::optional<Record> pred = try_load(options.pred, options, exit_code);
  const std::optional<Record> truth = try_load(options.truth, options, exit_code);
  if (!pred || !truth) {
    return;
  }
  ScoredRecord scored = make_scored(fs::path(options.truth).stem().string(), options.pred, options.truth, *truth);
  if (!try_score(*pred, *truth, scored, exit_code)) {
    return;
  }
  write_output(options.json ? record_json(scored).dump(2) + "\n" : record_heading(scored) + lead_table(scored),
               options, exit_code);
}

void eval_folders(const EvalOptions &options, int &exit_code) {
  const std::map<std::string, fs::path> truths = records_in(options.truth);
  const std::map<std::string, fs::path> preds = records_in(options.pred);
  if (truths.empty()) {
    report_error(options.truth, "no records (.hea, .json, .csv) in this folder");
    exit_code = kExitInputFailed;
    return;
  }
  std::vector<ScoredRecord> records;
  OverallMean overall;
  for (const auto &[name, truth_path] : truths) {
    const std::optional<Record> truth = try_load(truth_path, options, exit_code);
    if (!truth) {
      continue;  // nothing to score against
    }
    const auto pred_path = preds.find(name);
    ScoredRecord scored =
        make_scored(name, pred_path == preds.end() ? fs::path() : pred_path->second, truth_path, *truth);
    const std::optional<Record> pred =
        scored.pred_path.empty() ? std::nullopt : try_load(scored.pred_path, options, exit_code);
    // Without a usable prediction the record is scored as the challenge does:
    // every lead NaN, so nothing is covered and each lead scores 0 dB.
    Record empty = *truth;
    for (Lead &lead : empty.leads) std::fill(lead.mv.begin(), lead.mv.end(), NAN);
    if (!pred) {
      scored.problem = scored.pred_path.empty() ? "no prediction" : "unreadable prediction";
    }
    if (!try_score(pred ? *pred : empty, *truth, scored, exit_code)) {
      continue;
    }
    if (!pred) {
      for (LeadScore &lead : scored.score.leads) lead.missing = true;
    }
    if (scored.pred_path.empty()) {
      std::fprintf(stderr, "ecgdig: warning: %s: no prediction, scored as 0 dB\n", name.c_str());
    }
    overall.add(scored.score);
    records.push_back(std::move(scored));
  }
  if (options.json) {
    json list = json::array();
    for (const ScoredRecord &record : records) {
      list.push_back(record_json(record));
    }
    json mean = means_json(overall.snr_db.value(), overall.pearson_r.value(), overall.rmse_uv.value());
    mean["num_leads"] = overall.num_leads;
    mean["num_records"] = overall.num_records;
    const json report = {{"prediction", options.pred}, {"truth", options.truth}, {"records", list}, {"mean", mean}};
    write_output(report.dump(2) + "\n", options, exit_code);
  } else {
    write_output(batch_table(records, overall), options, exit_code);
  }
}

void run_eval(const EvalOptions &options, int &exit_code) {
  std::error_code ec;
  const bool pred_is_dir = fs::is_directory(options.pred, ec);
  const bool truth_is_dir = fs::is_directory(options.truth, ec);
  if (pred_is_dir && truth_is_dir) {
    eval_folders(options, exit_code);
  } else if (pred_is_dir != truth_is_dir) {
    report_error(pred_is_dir ? options.pred : options.truth,
                 "is a folder but the other argument is not; give two records or two folders");
    exit_code = kExitInputFailed;
  } else {
    eval_pair(options, exit_code);
  }
}

}  // namespace

void add_eval_command(CLI::App &app, int &exit_code) {
  auto options = std::make_shared<EvalOptions>();
  CLI::App *cmd = app.add_subcommand(
      "eval",
      "Score predicted records against the truth (PhysioNet Challenge 2024 SNR). PRED and TRUTH are "
      "two records (WFDB base name or .hea, .csv, .json) or two folders: every record in TRUTH is scored "
      "against the record of the same name in PRED.");
  cmd->add_option("PRED", options->pred, "predicted record or folder")->required();
  cmd->add_option("TRUTH", options->truth, "true record or folder")->required();
  cmd->add_flag("--json", options->json, "write the scores as JSON");
  cmd->add_option("--out,-o", options->out, "write the report to this file instead of stdout");
  cmd->add_option("--fs", options->csv_fs_hz, "rate in Hz of CSV files without a time_s column")
      ->capture_default_str()
      ->check(CLI::Range(kMinCsvFsHz, kMaxCsvFsHz));
  cmd->callback([options, &exit_code] { run_eval(*options, exit_code); });
}

}  // namespace ecgdig::cli
