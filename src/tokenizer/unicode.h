// UTF-8 and Unicode character helpers (categories and normalization come from utf8proc).
#pragma once
#include <cstdint>
#include <string>
#include <string_view>

namespace lowspec::tokenizer {

// Byte index of the first invalid UTF-8 sequence in s, or npos when s is valid.
size_t find_invalid_utf8(std::string_view s);
// Length in bytes of the UTF-8 sequence starting with lead byte b (1 for stray bytes).
inline size_t utf8_length(uint8_t b) {
  return b < 0x80 ? 1 : (b >> 5) == 0x6 ? 2 : (b >> 4) == 0xE ? 3 : (b >> 3) == 0x1E ? 4 : 1;
}
// Decodes the code point at s[pos] (s valid UTF-8) and advances pos past it.
char32_t next_multibyte_codepoint(std::string_view s, size_t& pos);
inline char32_t next_codepoint(std::string_view s, size_t& pos) {
  const auto b = static_cast<uint8_t>(s[pos]);
  if (b < 0x80) {  // ASCII, most text: no call
    ++pos;
    return b;
  }
  return next_multibyte_codepoint(s, pos);
}
void append_utf8(std::string& out, char32_t cp);
// Writes the UTF-8 bytes of cp to out and returns their count (1 to 4).
size_t encode_utf8(char32_t cp, char out[4]);
// Length of the longest prefix of s that is complete UTF-8: a sequence cut
// at its end is left out, so streamed text never ends inside a character.
size_t complete_utf8_prefix(std::string_view s);

// Unicode White_Space property (Rust char::is_whitespace).
bool is_whitespace(char32_t c);
// Any punctuation category (P*).
bool is_punctuation(char32_t c);
// BERT's punctuation: ASCII symbols and punctuation, plus every P* character.
bool is_bert_punctuation(char32_t c);
// BERT's control characters (Cc, Cf, Cn, Co except tab, newline and carriage return).
bool is_bert_control(char32_t c);
// CJK ideographs that BERT splits one per character.
bool is_cjk_ideograph(char32_t c);
// Rust char::is_numeric (Nd, Nl, No) and is_alphanumeric.
bool is_numeric(char32_t c);
bool is_alphanumeric(char32_t c);
bool is_nonspacing_mark(char32_t c);  // Mn

// Full lowercase mapping of one character (U+0130 gives two code points).
void append_lowercase(std::string& out, char32_t c);

enum class NormalForm { kNFC, kNFD, kNFKC, kNFKD };
std::string normalize(std::string_view s, NormalForm form);

}  // namespace lowspec::tokenizer
