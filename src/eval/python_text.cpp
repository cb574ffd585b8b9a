#include "eval/python_text.h"

#include <utf8proc.h>

namespace lowspec::eval {
namespace {

// Python's surrogateescape: an invalid byte b (always >= 0x80) maps to U+DC00+b.
constexpr char32_t kEscapeBase = 0xDC00;

// Bytes needed for the sequence a lead byte starts, 0 if it cannot start one.
int sequence_length(unsigned char lead) {
  if (lead < 0x80) return 1;
  if (lead >= 0xC2 && lead <= 0xDF) return 2;
  if (lead >= 0xE0 && lead <= 0xEF) return 3;
  if (lead >= 0xF0 && lead <= 0xF4) return 4;
  return 0;
}

utf8proc_category_t category(char32_t c) {
  return utf8proc_category(static_cast<utf8proc_int32_t>(c));
}

// Unicode's Cased: letters with case plus Other_Uppercase/Other_Lowercase symbols such as
// Roman numerals, which show up as having a case mapping.
bool is_cased(char32_t c) {
  auto cat = category(c);
  if (cat == UTF8PROC_CATEGORY_LU || cat == UTF8PROC_CATEGORY_LL || cat == UTF8PROC_CATEGORY_LT) return true;
  auto cp = static_cast<utf8proc_int32_t>(c);
  return utf8proc_tolower(cp) != cp || utf8proc_toupper(cp) != cp;
}

// Unicode's Case_Ignorable: marks, format characters, modifiers and the Word_Break
// MidLetter/MidNumLet/Single_Quote characters.
bool is_case_ignorable(char32_t c) {
  auto cat = category(c);
  if (cat == UTF8PROC_CATEGORY_MN || cat == UTF8PROC_CATEGORY_ME || cat == UTF8PROC_CATEGORY_CF ||
      cat == UTF8PROC_CATEGORY_LM || cat == UTF8PROC_CATEGORY_SK)
    return true;
  switch (c) {
    case U'\'': case U'.': case U':': case U'\u00B7': case U'\u0387': case U'\u05F4': case U'\u2018':
    case U'\u2019': case U'\u2024': case U'\u2027': case U'\uFE13': case U'\uFE52': case U'\uFE55':
    case U'\uFF07': case U'\uFF0E': case U'\uFF1A':
      return true;
    default:
      return false;
  }
}

// Unicode's Final_Sigma condition: a cased letter before (skipping case-ignorables) and none after.
bool is_final_sigma(const std::u32string& text, size_t at) {
  size_t i = at;
  bool cased_before = false;
  while (i > 0) {
    char32_t c = text[--i];
    if (is_case_ignorable(c)) continue;
    cased_before = is_cased(c);
    break;
  }
  if (!cased_before) return false;
  for (size_t j = at + 1; j < text.size(); ++j) {
    if (is_case_ignorable(text[j])) continue;
    return !is_cased(text[j]);
  }
  return true;
}

}  // namespace

std::u32string decode_utf8(std::string_view text) {
  std::u32string out;
  out.reserve(text.size());
  size_t i = 0;
  while (i < text.size()) {
    auto lead = static_cast<unsigned char>(text[i]);
    int len = sequence_length(lead);
    if (len > 0 && i + len <= text.size()) {
      utf8proc_int32_t cp = 0;
      auto got = utf8proc_iterate(reinterpret_cast<const utf8proc_uint8_t*>(text.data() + i), len, &cp);
      if (got == len) {
        out.push_back(static_cast<char32_t>(cp));
        i += len;
        continue;
      }
    }
    out.push_back(kEscapeBase + lead);
    ++i;
  }
  return out;
}

std::string encode_utf8(std::u32string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char32_t c : text) {
    if (c >= kEscapeBase + 0x80 && c <= kEscapeBase + 0xFF) {
      out.push_back(static_cast<char>(c - kEscapeBase));
    } else if (c < 0x80) {
      out.push_back(static_cast<char>(c));
    } else if (c < 0x800) {
      out.push_back(static_cast<char>(0xC0 | (c >> 6)));
      out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
    } else if (c < 0x10000) {
      out.push_back(static_cast<char>(0xE0 | (c >> 12)));
      out.push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
      out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
    } else {
      out.push_back(static_cast<char>(0xF0 | (c >> 18)));
      out.push_back(static_cast<char>(0x80 | ((c >> 12) & 0x3F)));
      out.push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
      out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
    }
  }
  return out;
}

bool is_python_space(char32_t c) {
  if (c < 0x80) return c == ' ' || (c >= 0x09 && c <= 0x0D) || (c >= 0x1C && c <= 0x1F);
  if (c >= 0x110000) return false;
  const utf8proc_property_t* p = utf8proc_get_property(static_cast<utf8proc_int32_t>(c));
  return p->bidi_class == UTF8PROC_BIDI_CLASS_WS || p->bidi_class == UTF8PROC_BIDI_CLASS_B ||
         p->bidi_class == UTF8PROC_BIDI_CLASS_S || p->category == UTF8PROC_CATEGORY_ZS;
}

bool is_python_word_char(char32_t c) {
  if (c < 0x80) return c == '_' || (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z');
  if (c >= 0x110000) return false;
  auto cat = category(c);
  return (cat >= UTF8PROC_CATEGORY_LU && cat <= UTF8PROC_CATEGORY_LO) ||
         (cat >= UTF8PROC_CATEGORY_ND && cat <= UTF8PROC_CATEGORY_NO);
}

std::string python_lower(std::string_view text) {
  bool ascii = true;
  for (char ch : text) ascii = ascii && static_cast<unsigned char>(ch) < 0x80;
  if (ascii) {
    std::string out(text);
    for (char& ch : out)
      if (ch >= 'A' && ch <= 'Z') ch = static_cast<char>(ch + ('a' - 'A'));
    return out;
  }
  std::u32string cps = decode_utf8(text);
  std::u32string out;
  out.reserve(cps.size());
  for (size_t i = 0; i < cps.size(); ++i) {
    char32_t c = cps[i];
    if (c == U'\u0130') {
      out += U"i\u0307";
    } else if (c == U'\u03A3') {
      out.push_back(is_final_sigma(cps, i) ? U'\u03C2' : U'\u03C3');
    } else if (c < 0x110000 && !(c >= 0xD800 && c <= 0xDFFF)) {
      out.push_back(static_cast<char32_t>(utf8proc_tolower(static_cast<utf8proc_int32_t>(c))));
    } else {
      out.push_back(c);
    }
  }
  return encode_utf8(out);
}

std::vector<std::string> python_split(std::string_view text) {
  std::vector<std::string> pieces;
  std::u32string cps = decode_utf8(text);
  size_t i = 0;
  while (i < cps.size()) {
    while (i < cps.size() && is_python_space(cps[i])) ++i;
    size_t start = i;
    while (i < cps.size() && !is_python_space(cps[i])) ++i;
    if (i > start) pieces.push_back(encode_utf8(std::u32string_view(cps).substr(start, i - start)));
  }
  return pieces;
}

std::string_view python_rstrip(std::string_view text) {
  std::u32string cps = decode_utf8(text);
  size_t keep_cps = cps.size();
  while (keep_cps > 0 && is_python_space(cps[keep_cps - 1])) --keep_cps;
  if (keep_cps == cps.size()) return text;
  // The stripped tail is valid UTF-8 whitespace, so its encoded length locates the cut.
  size_t tail_bytes = encode_utf8(std::u32string_view(cps).substr(keep_cps)).size();
  return text.substr(0, text.size() - tail_bytes);
}

}  // namespace lowspec::eval
