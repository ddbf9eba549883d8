// `ecgdig digitize`: images, folders and PDFs in; per page a WFDB record (and
// on request CSV, JSON, an overlay PNG and a line of OUT/report.jsonl) out. A
// page that fails is reported and the batch goes on.

#include <algorithm>
#include <atomic>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <unistd.h>

#include "commands.hpp"
#include "page_report.hpp"
#include "ecgdig/error.hpp"
#include "ecgdig/image_io.hpp"
#include "ecgdig/io.hpp"
#include "ecgdig/overlay.hpp"
#include "ecgdig/pipeline.hpp"

namespace fs = std::filesystem;

namespace ecgdig::cli {
namespace {

struct DigitizeArgs {
  std::vector<std::string> inputs;
  std::string output_dir;
  std::vector<std::string> formats{"wfdb"};
  bool overlay = false;
  bool report = false;
  std::string layout = "auto";
  double fs_hz = 500.0;
  int threads = 0;
  std::string segmenter = "auto";
  std::vector<std::string> options;  // key=value pairs for the stages
  bool quiet = false;
};

// One input file and the record name its outputs get (relative to OUT).
struct Job {
  fs::path source;
  fs::path out_name;
};

bool is_page_file(const fs::path &p) {
  static const std::set<std::string> kExtensions = {".png", ".jpg", ".jpeg", ".tif", ".tiff",
                                                    ".bmp", ".webp", ".pdf"};
  std::string ext = p.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
  return kExtensions.count(ext) != 0;
}

// WFDB record names allow letters, digits and underscores only; anything else
// (spaces, dots, "..") becomes '_', so a hostile file name cannot write
// outside OUT.
std::string safe_name(const std::string &name) {
  std::string out;
  for (unsigned char c : name) out += std::isalnum(c) ? char(c) : '_';
  return out.empty() ? std::string("page") : out;
}

fs::path safe_relative(const fs::path &relative) {
  fs::path out;
  for (const auto &part : relative.parent_path()) out /= safe_name(part.string());
  return out / safe_name(relative.stem().string());
}

// Expands folders (recursively, sorted) and gives every page a unique output name.
std::vector<Job> collect_jobs(const std::vector<std::string> &inputs) {
  std::vector<Job> jobs;
  for (const auto &input : inputs) {
    fs::path path(input);
    std::error_code ec;
    if (fs::is_directory(path, ec)) {
      std::vector<fs::path> files;
      for (auto it = fs::recursive_directory_iterator(
               path, fs::directory_options::skip_permission_denied, ec);
           !ec && it != fs::recursive_directory_iterator(); it.increment(ec))
        if (it->is_regular_file(ec) && is_page_file(it->path())) files.push_back(it->path());
      std::sort(files.begin(), files.end());
      for (const auto &f : files) jobs.push_back({f, safe_relative(f.lexically_relative(path))});
    } else {
      jobs.push_back({path, safe_name(path.stem().string())});
    }
  }
  std::map<std::string, int> seen;
  for (auto &job : jobs) {
    int n = ++seen[job.out_name.string()];
    if (n > 1) job.out_name += fmt::format("_{}", n);
  }
  return jobs;
}

PipelineOptions pipeline_options(const DigitizeArgs &args, int threads_per_page) {
  PipelineOptions o;
  o.segmenter = args.segmenter;
  o.output_fs_hz = args.fs_hz;
  o.num_threads = threads_per_page;
  o.stage_options.set("layout", args.layout);
  for (const auto &kv : args.options) {
    auto eq = kv.find('=');
    if (eq == std::string::npos || eq == 0)
      throw Error(ErrorCode::InvalidArgument, fmt::format("--option '{}' is not key=value", kv));
    o.stage_options.set(kv.substr(0, eq), kv.substr(eq + 1));
  }
  return o;
}

void write_outputs(const Result &result, const Record &record, const fs::path &base, const DigitizeArgs &args) {
  fs::create_directories(base.parent_path());
  for (const auto &name : args.formats) {
    const RecordFormat format = parse_record_format(name);
    fs::path file = base;
    if (format != RecordFormat::Wfdb) file += std::string(".") + to_string(format);
    write_record(record, file, format);
  }
  if (args.overlay) {
    fs::path png = base;
    png += "_overlay.png";
    if (!cv::imwrite(png.string(), draw_overlay(result)))
      throw Error(ErrorCode::Io, fmt::format("{}: cannot write the overlay", png.string()));
  }
}

// Digitizes every page of one input; returns the number of pages written and
// adds a report line for each of them.
int digitize_one(const Pipeline &pipeline, const Job &job, const fs::path &out_dir, const DigitizeArgs &args,
                 std::vector<std::string> &warnings, std::vector<nlohmann::ordered_json> &reports) {
  std::vector<cv::Mat> pages = read_image_pages(job.source);
  for (std::size_t i = 0; i < pages.size(); ++i) {
    fs::path name = job.out_name;
    if (pages.size() > 1) name += fmt::format("_p{}", i + 1);
    Result result = pipeline.run(pages[i]);
    for (const auto &w : result.diagnostics.warnings)
      warnings.push_back(pages.size() > 1 ? fmt::format("page {}: {}", i + 1, w) : w);
    Record record = to_standard_leads(result.record);
    record.name = name.filename().string();
    write_outputs(result, record, out_dir / name, args);
    if (args.report)
      reports.push_back(page_report(job.source.string(), static_cast<int>(i) + 1, name.generic_string(), result,
                                    record));
  }
  return static_cast<int>(pages.size());
}

// Appends JSON lines to OUT/report.jsonl, each flushed, so a batch stopped
// half-way keeps the lines of the pages it finished.
class ReportFile {
 public:
  explicit ReportFile(const fs::path &path) : path_(path) {
    fs::create_directories(path.parent_path());
    file_.open(path, std::ios::binary | std::ios::trunc);
    if (!file_) throw Error(ErrorCode::Io, fmt::format("{}: cannot write the report", path.string()));
  }
  void add(const nlohmann::ordered_json &line) {
    // File names need not be UTF-8; such bytes become U+FFFD rather than an error.
    file_ << line.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace) << '\n' << std::flush;
    if (!file_) throw Error(ErrorCode::Io, fmt::format("{}: cannot write the report", path_.string()));
  }

 private:
  fs::path path_;
  std::ofstream file_;
};

void run_digitize(const DigitizeArgs &args, int &exit_code) {
  for (const auto &f : args.formats) parse_record_format(f);  // fail before any work
  const fs::path out_dir(args.output_dir);
  std::vector<Job> jobs = collect_jobs(args.inputs);
  if (jobs.empty()) throw Error(ErrorCode::InvalidArgument, "no page images found in the inputs");

  const int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  const int threads = args.threads > 0 ? args.threads : cores;
  // Whole pages in parallel scale better than threads inside one page.
  const int workers = std::min<int>(threads, static_cast<int>(jobs.size()));
  const int threads_per_page = std::max(1, threads / workers);
  const PipelineOptions options = pipeline_options(args, threads_per_page);
  Pipeline{options};  // reports a bad stage name or option before any page is read
  std::unique_ptr<ReportFile> report;
  if (args.report) report = std::make_unique<ReportFile>(out_dir / "report.jsonl");

  const bool tty = isatty(fileno(stderr));
  std::mutex print_mutex;
  std::atomic<std::size_t> next{0};
  std::atomic<int> done{0}, failed{0}, pages{0};
  const auto start = std::chrono::steady_clock::now();

  auto worker = [&] {
    Pipeline pipeline(options);
    for (std::size_t i = next++; i < jobs.size(); i = next++) {
      const Job &job = jobs[i];
      std::vector<std::string> warnings;
      std::vector<nlohmann::ordered_json> reports;
      std::string error;
      int written = 0;
      try {
        written = digitize_one(pipeline, job, out_dir, args, warnings, reports);
      } catch (const Error &e) {
        error = e.what();
      } catch (const cv::Exception &e) {
        error = fmt::format("OpenCV: {}", e.what());
      } catch (const std::exception &e) {
        error = fmt::format("internal error: {}", e.what());
      }
      std::lock_guard<std::mutex> lock(print_mutex);
      int n = ++done;
      pages += written;
      if (tty && !args.quiet) std::fputs("\r\033[K", stderr);
      if (!error.empty()) reports.push_back(failure_report(job.source.string(), error));
      if (report) {
        try {
          for (const auto &line : reports) report->add(line);
        } catch (const Error &e) {
          if (error.empty()) error = e.what();
        }
      }
      if (!error.empty()) {
        ++failed;
        std::fprintf(stderr, "ecgdig: error: %s: %s\n", job.source.string().c_str(), error.c_str());
      } else if (!args.quiet) {
        for (const auto &w : warnings)
          std::fprintf(stderr, "ecgdig: warning: %s: %s\n", job.source.string().c_str(), w.c_str());
      }
      if (!args.quiet) {
        std::fprintf(stderr, "[%d/%zu] %s%s", n, jobs.size(), job.source.filename().string().c_str(),
                     tty ? "" : "\n");
        std::fflush(stderr);
      }
    }
  };
  std::vector<std::thread> pool;
  for (int w = 0; w < workers; ++w) pool.emplace_back(worker);
  for (auto &t : pool) t.join();

  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (tty && !args.quiet) std::fputs("\r\033[K", stderr);
  std::printf("digitized %d page(s) from %zu input(s): %d ok, %d failed, %.1f s; outputs in %s\n",
              pages.load(), jobs.size(), int(jobs.size()) - failed.load(), failed.load(), seconds,
              out_dir.string().c_str());
  if (failed > 0) exit_code = kExitInputFailed;
}

}  // namespace

void add_digitize_command(CLI::App &app, int &exit_code) {
  auto args = std::make_shared<DigitizeArgs>();
  CLI::App *cmd = app.add_subcommand(
      "digitize", "Digitize ECG page images, folders of them, or PDFs into 12-lead records");
  cmd->add_option("inputs", args->inputs, "Image files (PNG, JPEG, TIFF, BMP, WebP), PDFs or folders")
      ->required();
  cmd->add_option("-o,--output", args->output_dir, "Output folder")->required();
  cmd->add_option("--format", args->formats, "Record formats to write: wfdb, csv, json")
      ->delimiter(',')
      ->capture_default_str();
  cmd->add_flag("--overlay", args->overlay, "Also write NAME_overlay.png showing what was found");
  cmd->add_flag("--report", args->report,
                "Also write OUT/report.jsonl: per page the layout, scale and its source, rotation, per-lead "
                "confidence and warnings; per failed input its error");
  cmd->add_option("--layout", args->layout, "Layout template name, or auto")->capture_default_str();
  cmd->add_option("--fs", args->fs_hz, "Output sampling rate in Hz")
      ->check(CLI::Range(1.0, 100000.0))
      ->capture_default_str();
  cmd->add_option("--threads", args->threads, "Threads to use (0 = all cores)")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--segmenter", args->segmenter, "Segmenter: auto (unet where its weights are found, else classical), classical or unet")
      ->capture_default_str();
  cmd->add_option("--option", args->options, "Stage setting key=value (repeatable)");
  cmd->add_flag("-q,--quiet", args->quiet, "No progress or warnings, only errors and the summary");
  cmd->callback([args, &exit_code] { run_digitize(*args, exit_code); });
}

}  // namespace ecgdig::cli
