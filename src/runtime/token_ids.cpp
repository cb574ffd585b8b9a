#include "runtime/token_ids.h"

#include <algorithm>
#include <cctype>
#include <charconv>

#include "core/error.h"

namespace lowspec {

std::vector<int64_t> parse_token_ids(const std::string& text, const std::string& source) {
  std::vector<int64_t> ids;
  const char* p = text.data();
  const char* end = p + text.size();
  auto is_separator = [](char c) { return c == ',' || std::isspace(static_cast<unsigned char>(c)); };
  while (p < end) {
    if (is_separator(*p)) {
      ++p;
      continue;
    }
    int64_t id = 0;
    auto [next, ec] = std::from_chars(p, end, id);
    const char* word_end = p;
    while (word_end < end && !is_separator(*word_end)) ++word_end;
    check(ec == std::errc() && next == word_end && id >= 0, source,
          cat("\"", std::string(p, std::min(word_end, p + 20)), "\" is not a token id (ids are ",
              "non-negative integers separated by commas or spaces)"));
    ids.push_back(id);
    p = next;
  }
  return ids;
}

}  // namespace lowspec
