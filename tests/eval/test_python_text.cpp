// Expected values are what CPython 3.11 returns for the same strings.
#include <gtest/gtest.h>

#include "eval/python_text.h"

namespace lowspec::eval {
namespace {

TEST(PythonText, LowerAppliesSpecialCasing) {
  EXPECT_EQ(python_lower("ΟΔΟΣ"), "οδος");
  EXPECT_EQ(python_lower("ΣΑ"), "σα");
  EXPECT_EQ(python_lower("r.Σ\u2018r"), "r.σ\u2018r");  // case-ignorables are skipped
  EXPECT_EQ(python_lower("FΣⅫ"), "fσⅻ");               // Roman numerals are cased
  EXPECT_EQ(python_lower("hⅫΣ"), "hⅻς");
  EXPECT_EQ(python_lower("İstanbul"), "i\u0307stanbul");
  EXPECT_EQ(python_lower("KELVIN\u212A"), "kelvink");
}

TEST(PythonText, SplitAndRstripUseUnicodeWhitespace) {
  EXPECT_EQ(python_split(" a\u00a0b\u2009c\x1c" "d\u200b" "e "), (std::vector<std::string>{"a", "b", "c", "d\u200b" "e"}));
  EXPECT_EQ(python_rstrip("x \u3000\n"), "x");
  EXPECT_EQ(python_rstrip("x"), "x");
  EXPECT_TRUE(python_split("").empty());
}

TEST(PythonText, InvalidUtf8SurvivesRoundTrip) {
  std::string bytes = "a\xff\xc3(b\xe2\x82";
  EXPECT_EQ(encode_utf8(decode_utf8(bytes)), bytes);
  EXPECT_EQ(python_lower("A\xffZ"), "a\xffz");
}

}  // namespace
}  // namespace lowspec::eval
