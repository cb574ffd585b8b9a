#include "tokenizer/pattern.h"

#include "core/error.h"

namespace lowspec::tokenizer {

Pattern::Pattern(const Json& j, const std::string& file, const char* owner) {
  check(j.is_object(), file, cat(owner, ": \"pattern\" must be an object"));
  if (j.contains("String")) {
    check(j["String"].is_string(), file, cat(owner, ": pattern String must be a string"));
    literal_ = j["String"].get<std::string>();
  } else if (j.contains("Regex")) {
    check(j["Regex"].is_string(), file, cat(owner, ": pattern Regex must be a string"));
    regex_ = std::make_shared<Regex>(j["Regex"].get<std::string>(), file);
  } else {
    throw Error(file, cat(owner, ": pattern needs \"String\" or \"Regex\""));
  }
}

std::vector<std::pair<size_t, size_t>> Pattern::find_all(std::string_view text) const {
  if (regex_) return regex_->find_all(text);
  std::vector<std::pair<size_t, size_t>> out;
  if (literal_.empty()) return out;
  for (size_t pos = text.find(literal_); pos != std::string_view::npos;
       pos = text.find(literal_, pos + literal_.size()))
    out.emplace_back(pos, pos + literal_.size());
  return out;
}

}  // namespace lowspec::tokenizer
