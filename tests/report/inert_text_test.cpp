// Untrusted text made inert: no control byte survives, whatever the input.
#include <gtest/gtest.h>

#include <random>

#include "report/inert_text.h"

namespace faultline::report {
namespace {

// Whether `text` holds a byte or a character that a terminal acts on.
bool has_control(const std::string& text, bool newlines_allowed = false) {
  for (size_t i = 0; i < text.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    if (c == '\t' || (c == '\n' && newlines_allowed)) continue;
    if (c < 0x20 || c == 0x7f) return true;
    if (c == 0xc2 && i + 1 < text.size() && static_cast<unsigned char>(text[i + 1]) >= 0x80 &&
        static_cast<unsigned char>(text[i + 1]) <= 0x9f) {
      return true;  // a C1 control, U+0080-U+009F
    }
  }
  return false;
}

TEST(InertText, ControlCharactersAreShownNotSent) {
  EXPECT_EQ(inert("\x1b]0;pwned\a\x1b[31mRED\x1b[0m"), "\\x1b]0;pwned\\a\\x1b[31mRED\\x1b[0m");
  EXPECT_EQ(inert(std::string("a\0b\rc\bd\x7f", 8)), "a\\0b\\rc\\bd\\x7f");
  EXPECT_EQ(inert("tab\tstays"), "tab\tstays");
  EXPECT_EQ(inert("two\nlines"), "two\\nlines");
  EXPECT_EQ(inert("two\nlines", {.keep_newlines = true}), "two\nlines");
  EXPECT_EQ(inert("\xc2\x9b" "31m"), "\\u009b31m") << "C1 CSI";
  EXPECT_EQ(inert("\xe2\x80\xae" "evil"), "\\u202eevil") << "a right-to-left override";
  EXPECT_EQ(inert("plain text, caf\xc3\xa9, \xe6\x97\xa5\xe6\x9c\xac, \xf0\x9f\x99\x82"),
            "plain text, caf\xc3\xa9, \xe6\x97\xa5\xe6\x9c\xac, \xf0\x9f\x99\x82");
}

TEST(InertText, InvalidUtf8IsReplaced) {
  EXPECT_EQ(inert("\xff\xfe"), "\xEF\xBF\xBD\xEF\xBF\xBD");
  EXPECT_EQ(inert("\xc0\xaf"), "\xEF\xBF\xBD\xEF\xBF\xBD") << "an overlong slash";
  EXPECT_EQ(inert("\xed\xa0\x80"), "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD") << "a surrogate";
  EXPECT_EQ(inert("cut \xe6\x97"), "cut \xEF\xBF\xBD\xEF\xBF\xBD");
}

TEST(InertText, LongTextKeepsItsStartAndEnd) {
  const std::string long_text = "START" + std::string(10000, 'x') + "END";
  const std::string shown = inert(long_text, {.max_bytes = 300});
  EXPECT_LE(shown.size(), 300u);
  EXPECT_EQ(shown.rfind("START", 0), 0u);
  EXPECT_EQ(shown.substr(shown.size() - 3), "END");
  EXPECT_NE(shown.find("bytes)"), std::string::npos);
}

TEST(InertText, NoControlByteSurvivesRandomBytes) {
  std::mt19937_64 rng(1);
  for (int round = 0; round < 20000; ++round) {
    std::string bytes(rng() % 40, '\0');
    for (char& c : bytes) c = static_cast<char>(rng());
    const std::string shown = inert(bytes);
    ASSERT_FALSE(has_control(shown)) << round;
    ASSERT_FALSE(has_control(inert(bytes, {.keep_newlines = true}), true)) << round;
  }
}

}  // namespace
}  // namespace faultline::report
