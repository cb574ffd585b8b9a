#include "tokenizer/pre_tokenizer.h"

#include <algorithm>
#include <functional>
#include <utility>

#include "core/error.h"
#include "tokenizer/byte_level.h"
#include "tokenizer/pattern.h"
#include "tokenizer/unicode.h"

namespace lowspec::tokenizer {
namespace {

using Ranges = std::vector<std::pair<size_t, size_t>>;

// What happens to the delimiters a split finds (Hugging Face SplitDelimiterBehavior).
enum class Behavior { kRemoved, kIsolated, kMergedWithPrevious, kMergedWithNext, kContiguous };

Behavior parse_behavior(const Json& j, const char* key, Behavior fallback, const std::string& file) {
  if (!j.contains(key)) return fallback;
  const std::string b = json_require_string(j, key, file);
  if (b == "Removed") return Behavior::kRemoved;
  if (b == "Isolated") return Behavior::kIsolated;
  if (b == "MergedWithPrevious") return Behavior::kMergedWithPrevious;
  if (b == "MergedWithNext") return Behavior::kMergedWithNext;
  if (b == "Contiguous") return Behavior::kContiguous;
  throw Error(file, cat("unknown split behavior \"", b, "\""));
}

// Cuts s at the delimiter matches according to behavior; empty pieces are dropped.
std::vector<NormalizedString> split_by(const NormalizedString& s, const Ranges& matches,
                                       Behavior behavior, bool invert = false) {
  // The whole text as alternating (range, is_delimiter) parts.
  std::vector<std::pair<std::pair<size_t, size_t>, bool>> parts;
  size_t prev = 0;
  for (auto [b, e] : matches) {
    if (b > prev) parts.push_back({{prev, b}, invert});
    parts.push_back({{b, e}, !invert});
    prev = e;
  }
  if (prev < s.text().size()) parts.push_back({{prev, s.text().size()}, invert});

  std::vector<std::pair<size_t, size_t>> kept;
  bool previous_match = false;
  switch (behavior) {
    case Behavior::kRemoved:
      for (auto& [r, m] : parts)
        if (!m) kept.push_back(r);
      break;
    case Behavior::kIsolated:
      for (auto& [r, m] : parts) kept.push_back(r);
      break;
    case Behavior::kMergedWithPrevious:
      for (auto& [r, m] : parts) {
        if (m && !previous_match && !kept.empty()) kept.back().second = r.second;
        else kept.push_back(r);
        previous_match = m;
      }
      break;
    case Behavior::kMergedWithNext:
      for (auto it = parts.rbegin(); it != parts.rend(); ++it) {
        if (it->second && !previous_match && !kept.empty()) kept.back().first = it->first.first;
        else kept.push_back(it->first);
        previous_match = it->second;
      }
      std::reverse(kept.begin(), kept.end());
      break;
    case Behavior::kContiguous:
      for (auto& [r, m] : parts) {
        if (m == previous_match && !kept.empty()) kept.back().second = r.second;
        else kept.push_back(r);
        previous_match = m;
      }
      break;
  }
  std::vector<NormalizedString> out;
  for (auto [b, e] : kept)
    if (e > b) out.push_back(s.slice(b, e));
  return out;
}

// Each character satisfying pred is one match.
Ranges char_matches(const std::string& text, const std::function<bool(char32_t)>& pred) {
  Ranges out;
  for (size_t pos = 0; pos < text.size();) {
    const size_t start = pos;
    if (pred(next_codepoint(text, pos))) out.emplace_back(start, pos);
  }
  return out;
}

// Applies f to every piece still to be tokenized, replacing it by the pieces f returns.
template <typename F>
void split_pieces(std::vector<TextPiece>& pieces, F&& f) {
  std::vector<TextPiece> out;
  out.reserve(pieces.size());
  for (TextPiece& p : pieces) {
    if (p.added_token_id) {
      out.push_back(std::move(p));
      continue;
    }
    for (NormalizedString& s : f(p.text)) out.push_back({std::move(s), std::nullopt});
  }
  pieces = std::move(out);
}

// Splits at whitespace (removed) and isolates punctuation, in one pass over the text.
class BertPreTokenizer : public PreTokenizer {
 public:
  void pre_tokenize(std::vector<TextPiece>& pieces) const override {
    split_pieces(pieces, [](const NormalizedString& s) {
      const std::string& text = s.text();
      std::vector<NormalizedString> out;
      size_t word = 0;  // start of the current word
      for (size_t pos = 0; pos < text.size();) {
        const size_t start = pos;
        const char32_t c = next_codepoint(text, pos);
        const bool space = is_whitespace(c);
        if (!space && !is_bert_punctuation(c)) continue;
        if (start > word) out.push_back(s.slice(word, start));
        if (!space) out.push_back(s.slice(start, pos));
        word = pos;
      }
      if (text.size() > word) out.push_back(s.slice(word, text.size()));
      return out;
    });
  }
};

constexpr const char* kGpt2Pattern =
    R"('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+)";

class ByteLevelPreTokenizer : public PreTokenizer {
 public:
  ByteLevelPreTokenizer(bool add_prefix_space, bool use_regex)
      : add_prefix_space_(add_prefix_space) {
    if (use_regex) regex_ = std::make_unique<Regex>(kGpt2Pattern, "ByteLevel");
  }
  void pre_tokenize(std::vector<TextPiece>& pieces) const override {
    split_pieces(pieces, [&](const NormalizedString& s) {
      NormalizedString t = s;
      if (add_prefix_space_ && t.text().rfind(' ', 0) != 0) t.prepend(" ");
      std::vector<NormalizedString> words;
      if (regex_) words = split_by(t, regex_->find_all(t.text()), Behavior::kIsolated);
      else if (!t.empty()) words.push_back(std::move(t));
      for (NormalizedString& w : words)
        w.map_chars([](char32_t c, std::string& out) {
          if (c < 0x80) {
            out += byte_level_char(static_cast<uint8_t>(c));
            return;
          }
          char utf8[4];
          const size_t n = encode_utf8(c, utf8);
          for (size_t i = 0; i < n; ++i) out += byte_level_char(static_cast<uint8_t>(utf8[i]));
        });
      return words;
    });
  }

 private:
  bool add_prefix_space_;
  std::unique_ptr<Regex> regex_;
};

enum class PrependScheme { kAlways, kFirst, kNever };

class MetaspacePreTokenizer : public PreTokenizer {
 public:
  MetaspacePreTokenizer(std::string replacement, PrependScheme scheme, bool split)
      : replacement_(std::move(replacement)), scheme_(scheme), split_(split) {}
  void pre_tokenize(std::vector<TextPiece>& pieces) const override {
    split_pieces(pieces, [&](const NormalizedString& s) {
      NormalizedString t = s;
      std::vector<NormalizedString::Replacement> spaces;
      for (size_t i = 0; i < t.text().size(); ++i)
        if (t.text()[i] == ' ') spaces.push_back({i, i + 1, replacement_});
      if (!spaces.empty()) t.replace_spans(spaces);
      const bool starts = t.text().rfind(replacement_, 0) == 0;
      if (!starts && (scheme_ == PrependScheme::kAlways ||
                      (scheme_ == PrependScheme::kFirst && t.original_begin() == 0)))
        t.prepend(replacement_);
      if (!split_) return std::vector<NormalizedString>{t};
      return split_by(t, Pattern(replacement_).find_all(t.text()), Behavior::kMergedWithNext);
    });
  }

 private:
  std::string replacement_;
  PrependScheme scheme_;
  bool split_;
};

class PatternSplitPreTokenizer : public PreTokenizer {
 public:
  PatternSplitPreTokenizer(Pattern pattern, Behavior behavior, bool invert)
      : pattern_(std::move(pattern)), behavior_(behavior), invert_(invert) {}
  void pre_tokenize(std::vector<TextPiece>& pieces) const override {
    split_pieces(pieces, [&](const NormalizedString& s) {
      return split_by(s, pattern_.find_all(s.text()), behavior_, invert_);
    });
  }

 private:
  Pattern pattern_;
  Behavior behavior_;
  bool invert_;
};

class CharSplitPreTokenizer : public PreTokenizer {
 public:
  CharSplitPreTokenizer(std::function<bool(char32_t)> pred, Behavior behavior)
      : pred_(std::move(pred)), behavior_(behavior) {}
  void pre_tokenize(std::vector<TextPiece>& pieces) const override {
    split_pieces(pieces, [&](const NormalizedString& s) {
      return split_by(s, char_matches(s.text(), pred_), behavior_);
    });
  }

 private:
  std::function<bool(char32_t)> pred_;
  Behavior behavior_;
};

class SequencePreTokenizer : public PreTokenizer {
 public:
  explicit SequencePreTokenizer(std::vector<std::unique_ptr<PreTokenizer>> parts)
      : parts_(std::move(parts)) {}
  void pre_tokenize(std::vector<TextPiece>& pieces) const override {
    for (const auto& p : parts_) p->pre_tokenize(pieces);
  }

 private:
  std::vector<std::unique_ptr<PreTokenizer>> parts_;
};

PrependScheme parse_prepend_scheme(const Json& j, const std::string& file) {
  if (j.contains("prepend_scheme")) {
    const std::string s = json_require_string(j, "prepend_scheme", file);
    if (s == "always") return PrependScheme::kAlways;
    if (s == "first") return PrependScheme::kFirst;
    if (s == "never") return PrependScheme::kNever;
    throw Error(file, cat("unknown Metaspace prepend_scheme \"", s, "\""));
  }
  return json_bool(j, "add_prefix_space", true, file) ? PrependScheme::kAlways : PrependScheme::kNever;
}

std::string metaspace_replacement(const Json& j, const std::string& file) {
  std::string r = json_string(j, "replacement", "\u2581", file);
  check(!r.empty(), file, "Metaspace replacement must not be empty");
  return r;
}

}  // namespace

std::unique_ptr<PreTokenizer> make_bert_pre_tokenizer() { return std::make_unique<BertPreTokenizer>(); }

std::unique_ptr<PreTokenizer> make_byte_level_pre_tokenizer(bool add_prefix_space, bool use_regex) {
  return std::make_unique<ByteLevelPreTokenizer>(add_prefix_space, use_regex);
}

std::unique_ptr<PreTokenizer> parse_pre_tokenizer(const Json& j, const std::string& file) {
  if (j.is_null()) return nullptr;
  check(j.is_object(), file, "pre_tokenizer must be an object or null");
  const std::string type = json_require_string(j, "type", file);
  if (type == "BertPreTokenizer") return make_bert_pre_tokenizer();
  if (type == "ByteLevel")
    return make_byte_level_pre_tokenizer(json_bool(j, "add_prefix_space", true, file),
                                         json_bool(j, "use_regex", true, file));
  if (type == "Metaspace")
    return std::make_unique<MetaspacePreTokenizer>(metaspace_replacement(j, file),
                                                   parse_prepend_scheme(j, file),
                                                   json_bool(j, "split", true, file));
  if (type == "Split") {
    check(j.contains("pattern"), file, "pre_tokenizer Split: missing \"pattern\"");
    check(j.contains("behavior"), file, "pre_tokenizer Split: missing \"behavior\"");
    return std::make_unique<PatternSplitPreTokenizer>(
        Pattern(j["pattern"], file, "pre_tokenizer Split"),
        parse_behavior(j, "behavior", Behavior::kRemoved, file), json_bool(j, "invert", false, file));
  }
  if (type == "Whitespace")
    return std::make_unique<PatternSplitPreTokenizer>(
        Pattern(Json{{"Regex", R"(\w+|[^\w\s]+)"}}, file, "Whitespace"), Behavior::kRemoved, true);
  if (type == "WhitespaceSplit")
    return std::make_unique<CharSplitPreTokenizer>(is_whitespace, Behavior::kRemoved);
  if (type == "Punctuation")
    return std::make_unique<CharSplitPreTokenizer>(
        is_bert_punctuation, parse_behavior(j, "behavior", Behavior::kIsolated, file));
  if (type == "Digits")
    return std::make_unique<CharSplitPreTokenizer>(
        is_numeric, json_bool(j, "individual_digits", false, file) ? Behavior::kIsolated
                                                                   : Behavior::kContiguous);
  if (type == "CharDelimiterSplit") {
    const std::string d = json_require_string(j, "delimiter", file);
    size_t pos = 0;
    check(!d.empty(), file, "CharDelimiterSplit: empty delimiter");
    const char32_t delimiter = next_codepoint(d, pos);
    return std::make_unique<CharSplitPreTokenizer>([delimiter](char32_t c) { return c == delimiter; },
                                                   Behavior::kRemoved);
  }
  if (type == "Sequence") {
    check(j.contains("pretokenizers") && j["pretokenizers"].is_array(), file,
          "pre_tokenizer Sequence: \"pretokenizers\" must be an array");
    std::vector<std::unique_ptr<PreTokenizer>> parts;
    for (const Json& part : j["pretokenizers"])
      if (auto p = parse_pre_tokenizer(part, file)) parts.push_back(std::move(p));
    return std::make_unique<SequencePreTokenizer>(std::move(parts));
  }
  throw Error(file, cat("unsupported pre_tokenizer type \"", type, "\""));
}

}  // namespace lowspec::tokenizer
