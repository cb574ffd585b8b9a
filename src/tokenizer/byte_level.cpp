#include "tokenizer/byte_level.h"

#include <array>
#include <unordered_map>

#include "tokenizer/unicode.h"

namespace lowspec::tokenizer {
namespace {

// Printable bytes stand for themselves; the others take code points 256, 257, ... in order.
struct ByteLevelTables {
  std::array<std::string, 256> to_char;
  std::unordered_map<char32_t, uint8_t> to_byte;
  ByteLevelTables() {
    char32_t next = 256;
    for (int b = 0; b < 256; ++b) {
      const bool printable = (b >= 33 && b <= 126) || (b >= 161 && b <= 172) || (b >= 174);
      const char32_t c = printable ? static_cast<char32_t>(b) : next++;
      append_utf8(to_char[b], c);
      to_byte[c] = static_cast<uint8_t>(b);
    }
  }
};

const ByteLevelTables& tables() {
  static const ByteLevelTables t;
  return t;
}

}  // namespace

const std::string& byte_level_char(uint8_t b) { return tables().to_char[b]; }

std::optional<uint8_t> byte_level_byte(char32_t c) {
  const auto& m = tables().to_byte;
  auto it = m.find(c);
  if (it == m.end()) return std::nullopt;
  return it->second;
}

}  // namespace lowspec::tokenizer
