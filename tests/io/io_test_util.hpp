#pragma once
// Helpers for the io tests: data and scratch folders, raw file writing,
// error checking.

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "ecgdig/error.hpp"
#include "ecgdig/io.hpp"
#include "ecgdig/types.hpp"

namespace io_test {

namespace fs = std::filesystem;

inline fs::path data_dir() { return fs::path(ECGDIG_TEST_DATA_DIR) / "ptbxl"; }

/// A fresh, empty folder for the running test (under $ECGDIG_TEST_TMP when set).
inline fs::path scratch_dir() {
  const char *env = std::getenv("ECGDIG_TEST_TMP");
  fs::path root = env && *env ? fs::path(env) : fs::temp_directory_path() / "ecgdig_io_tests";
  const auto *info = ::testing::UnitTest::GetInstance()->current_test_info();
  fs::path dir = root / (std::string(info->test_suite_name()) + "." + info->name());
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

inline void write_bytes(const fs::path &path, const std::vector<std::uint8_t> &bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char *>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  ASSERT_TRUE(out.good()) << path;
}

inline void write_text(const fs::path &path, const std::string &text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  ASSERT_TRUE(out.good()) << path;
}

inline std::vector<std::uint8_t> read_bytes(const fs::path &path) {
  std::ifstream in(path, std::ios::binary);
  return std::vector<std::uint8_t>(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

inline std::string read_text(const fs::path &path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

/// Runs `f`, expects an ecgdig::Error with `code` whose message contains
/// `needle` (usually the path) and, when given, `needle2`.
template <class F>
void expect_error(F &&f, ecgdig::ErrorCode code, const std::string &needle, const std::string &needle2 = "") {
  try {
    f();
    ADD_FAILURE() << "no error thrown (expected one mentioning '" << needle << "')";
  } catch (const ecgdig::Error &e) {
    const std::string msg = e.what();
    EXPECT_EQ(e.code(), code) << msg;
    EXPECT_NE(msg.find(needle), std::string::npos) << "message '" << msg << "' lacks '" << needle << "'";
    if (!needle2.empty())
      EXPECT_NE(msg.find(needle2), std::string::npos) << "message '" << msg << "' lacks '" << needle2 << "'";
  } catch (const std::exception &e) {
    ADD_FAILURE() << "threw a non-ecgdig exception: " << e.what();
  }
}

/// The sample in integer µV (WFDB format-16 units of these records).
inline long uv(float mv) { return std::lround(static_cast<double>(mv) * 1000.0); }

/// A small record: `nleads` leads of `n` samples, values on the µV grid.
inline ecgdig::Record make_record(std::size_t nleads, std::size_t n, double fs = 500.0) {
  ecgdig::Record r;
  r.name = "synthetic";
  r.fs_hz = fs;
  for (std::size_t l = 0; l < nleads; ++l) {
    ecgdig::Lead lead;
    lead.name = l < 12 ? ecgdig::kStandardLeads[l] : "X" + std::to_string(l);
    for (std::size_t i = 0; i < n; ++i) {
      const double v = 1.5 * std::sin(0.01 * double(i) * double(l + 1)) + 0.1 * double(l);
      lead.mv.push_back(static_cast<float>(std::round(v * 1000.0) / 1000.0));
    }
    r.leads.push_back(lead);
  }
  return r;
}

}  // namespace io_test
