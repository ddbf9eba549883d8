#include "ecgdig/registry.hpp"

#include <gtest/gtest.h>

#include "core/minimal_stages.hpp"
#include "ecgdig/error.hpp"

using namespace ecgdig;

TEST(Registry, UserStagesAreBuiltByNameWithOptions) {
  auto &reg = Registry<Segmenter>::global();
  int seen_threads = 0;
  reg.add("test-dark", [&](const StageOptions &o) {
    seen_threads = o.get_int("num_threads", -1);
    return std::make_unique<test_stages::DarkSegmenter>();
  });
  EXPECT_TRUE(reg.contains("test-dark"));
  auto names = reg.names();
  EXPECT_NE(std::find(names.begin(), names.end(), "test-dark"), names.end());
  auto seg = reg.create("test-dark", {{"num_threads", "3"}});
  ASSERT_NE(seg, nullptr);
  EXPECT_EQ(seen_threads, 3);
}

TEST(Registry, UnknownNameListsTheKnownOnes) {
  Registry<GridDetector>::global().add("test-fixed", [](const StageOptions &) {
    return std::make_unique<test_stages::FixedScaleGrid>();
  });
  try {
    Registry<GridDetector>::global().create("no-such-stage");
    FAIL() << "no error";
  } catch (const Error &e) {
    EXPECT_EQ(e.code(), ErrorCode::InvalidArgument);
    std::string msg = e.what();
    EXPECT_NE(msg.find("no-such-stage"), std::string::npos);
    EXPECT_NE(msg.find("test-fixed"), std::string::npos);
  }
}

TEST(Registry, RejectsEmptyNamesAndNullFactories) {
  EXPECT_THROW(Registry<LeadLayout>::global().add("", [](const StageOptions &) {
    return std::make_unique<test_stages::WholePageLayout>();
  }), Error);
  EXPECT_THROW(Registry<LeadLayout>::global().add("x", nullptr), Error);
}
