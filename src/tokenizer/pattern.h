// The {"String": s} / {"Regex": r} patterns of Replace and Split, matched as byte ranges.
#pragma once
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/json_util.h"
#include "tokenizer/regex.h"

namespace lowspec::tokenizer {

class Pattern {
 public:
  Pattern(const Json& j, const std::string& file, const char* owner);
  explicit Pattern(std::string literal) : literal_(std::move(literal)) {}
  // Non-overlapping matches, left to right.
  std::vector<std::pair<size_t, size_t>> find_all(std::string_view text) const;

 private:
  std::string literal_;
  std::shared_ptr<Regex> regex_;
};

}  // namespace lowspec::tokenizer
