#include "ecgdig/stage_options.hpp"

#include <gtest/gtest.h>

#include "ecgdig/error.hpp"

using namespace ecgdig;

TEST(StageOptions, TypedGettersParseAndFallBack) {
  StageOptions o{{"size", "1600"}, {"ratio", "0.25"}, {"flag", "Yes"}, {"name", "unet"}};
  EXPECT_EQ(o.get_int("size", 0), 1600);
  EXPECT_DOUBLE_EQ(o.get_double("ratio", 0), 0.25);
  EXPECT_TRUE(o.get_bool("flag", false));
  EXPECT_EQ(o.get_string("name", ""), "unet");
  EXPECT_EQ(o.get_int("absent", 7), 7);
  EXPECT_FALSE(o.has("absent"));
}

TEST(StageOptions, BadValuesNameTheKey) {
  StageOptions o{{"size", "12x"}, {"ratio", "nan"}, {"flag", "maybe"}, {"big", "99999999999"}};
  try {
    o.get_int("size", 0);
    FAIL() << "no error";
  } catch (const Error &e) {
    EXPECT_EQ(e.code(), ErrorCode::InvalidArgument);
    EXPECT_NE(std::string(e.what()).find("size"), std::string::npos);
  }
  EXPECT_THROW(o.get_double("ratio", 0), Error);
  EXPECT_THROW(o.get_bool("flag", false), Error);
  EXPECT_THROW(o.get_int("big", 0), Error);
}
