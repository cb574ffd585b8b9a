// A compiled Unicode regular expression (PCRE2 in UTF + UCP mode, so \s, \w and \p{L} follow
// Unicode as the Oniguruma patterns of Hugging Face tokenizers expect).
#pragma once
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace lowspec::tokenizer {

class Regex {
 public:
  // Throws Error naming `where` if the pattern does not compile.
  Regex(const std::string& pattern, const std::string& where);
  ~Regex();
  Regex(const Regex&) = delete;
  Regex& operator=(const Regex&) = delete;

  // All non-overlapping, non-empty matches as byte ranges of text (valid UTF-8).
  std::vector<std::pair<size_t, size_t>> find_all(std::string_view text) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace lowspec::tokenizer
