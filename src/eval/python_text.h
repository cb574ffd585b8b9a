// Python `str` semantics that the reference metric scripts (SQuAD, sacreBLEU, rouge-score) rely
// on: Unicode lower(), split() on Unicode whitespace and the regex word class \w. Matching them
// is what makes our figures equal the reference tools' on non-ASCII text.
#pragma once
#include <string>
#include <string_view>
#include <vector>

namespace lowspec::eval {

// UTF-8 -> code points. A byte that is not valid UTF-8 becomes U+DC00+byte (Python's
// "surrogateescape"), so it survives the round trip through encode_utf8 unchanged.
std::u32string decode_utf8(std::string_view text);
std::string encode_utf8(std::u32string_view text);

// str.isspace(): bidirectional class WS, B or S, or category Zs.
bool is_python_space(char32_t c);
// Regex \w on str patterns: letters, numbers and '_'.
bool is_python_word_char(char32_t c);

// str.lower(): full Unicode lowercase including the special cases Python applies
// (U+0130 -> "i\u0307", final sigma).
std::string python_lower(std::string_view text);
// str.split() without arguments: runs of Unicode whitespace separate, no empty pieces.
std::vector<std::string> python_split(std::string_view text);
// str.rstrip() without arguments.
std::string_view python_rstrip(std::string_view text);

}  // namespace lowspec::eval
