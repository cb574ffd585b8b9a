#include "tokenizer/normalizer.h"

#include <vector>

#include "core/error.h"
#include "tokenizer/pattern.h"
#include "tokenizer/unicode.h"

namespace lowspec::tokenizer {
namespace {

bool is_ascii(std::string_view s) {
  for (char c : s)
    if (static_cast<uint8_t>(c) >= 0x80) return false;
  return true;
}

class UnicodeNormalizer : public Normalizer {
 public:
  explicit UnicodeNormalizer(NormalForm form) : form_(form) {}
  void normalize(NormalizedString& s) const override {
    if (is_ascii(s.text())) return;  // ASCII is invariant under all four forms
    s.map_clusters([&](std::string_view cluster) { return tokenizer::normalize(cluster, form_); });
  }

 private:
  NormalForm form_;
};

void lowercase(NormalizedString& s) {
  s.map_chars([](char32_t c, std::string& out) { append_lowercase(out, c); });
}

void remove_nonspacing_marks(NormalizedString& s) {
  s.map_chars([](char32_t c, std::string& out) {
    if (!is_nonspacing_mark(c)) append_utf8(out, c);
  });
}

class LowercaseNormalizer : public Normalizer {
 public:
  void normalize(NormalizedString& s) const override { lowercase(s); }
};

class StripAccentsNormalizer : public Normalizer {
 public:
  void normalize(NormalizedString& s) const override { remove_nonspacing_marks(s); }
};

class BertNormalizer : public Normalizer {
 public:
  BertNormalizer(bool clean_text, bool chinese, bool strip_accents, bool lowercase)
      : clean_text_(clean_text), chinese_(chinese), strip_accents_(strip_accents), lowercase_(lowercase) {}
  void normalize(NormalizedString& s) const override {
    if (is_ascii(s.text())) {
      // One pass does it all: ASCII has no accents or CJK, and stays ASCII when cleaned.
      if (clean_text_ || lowercase_)
        s.map_chars([&](char32_t c, std::string& out) {
          if (clean_text_ && (c == 0 || is_bert_control(c))) return;
          if (clean_text_ && is_whitespace(c)) c = ' ';
          if (lowercase_ && c >= 'A' && c <= 'Z') c += 'a' - 'A';
          out.push_back(static_cast<char>(c));
        });
      return;
    }
    if (clean_text_)
      s.map_chars([](char32_t c, std::string& out) {
        if (c == 0 || c == 0xFFFD || is_bert_control(c)) return;
        if (is_whitespace(c)) c = ' ';
        append_utf8(out, c);
      });
    if (chinese_)
      s.map_chars([](char32_t c, std::string& out) {
        const bool pad = is_cjk_ideograph(c);
        if (pad) out.push_back(' ');
        append_utf8(out, c);
        if (pad) out.push_back(' ');
      });
    if (strip_accents_) {
      UnicodeNormalizer(NormalForm::kNFD).normalize(s);
      remove_nonspacing_marks(s);
    }
    if (lowercase_) lowercase(s);
  }

 private:
  bool clean_text_, chinese_, strip_accents_, lowercase_;
};

class StripNormalizer : public Normalizer {
 public:
  StripNormalizer(bool left, bool right) : left_(left), right_(right) {}
  void normalize(NormalizedString& s) const override {
    const std::string& t = s.text();
    size_t begin = 0, end = t.size();
    if (left_) {
      while (begin < t.size()) {
        size_t next = begin;
        if (!is_whitespace(next_codepoint(t, next))) break;
        begin = next;
      }
    }
    if (right_)
      while (end > begin) {
        size_t start = end - 1;
        while (start > begin && (static_cast<uint8_t>(t[start]) & 0xC0) == 0x80) --start;
        size_t pos = start;
        if (!is_whitespace(next_codepoint(t, pos))) break;
        end = start;
      }
    if (begin != 0 || end != t.size()) s = s.slice(begin, end);
  }

 private:
  bool left_, right_;
};

class ReplaceNormalizer : public Normalizer {
 public:
  ReplaceNormalizer(Pattern pattern, std::string content)
      : pattern_(std::move(pattern)), content_(std::move(content)) {}
  void normalize(NormalizedString& s) const override {
    std::vector<NormalizedString::Replacement> spans;
    for (auto [b, e] : pattern_.find_all(s.text())) spans.push_back({b, e, content_});
    if (!spans.empty()) s.replace_spans(spans);
  }

 private:
  Pattern pattern_;
  std::string content_;
};

class PrependNormalizer : public Normalizer {
 public:
  explicit PrependNormalizer(std::string prefix) : prefix_(std::move(prefix)) {}
  void normalize(NormalizedString& s) const override {
    if (!s.empty()) s.prepend(prefix_);
  }

 private:
  std::string prefix_;
};

class SequenceNormalizer : public Normalizer {
 public:
  explicit SequenceNormalizer(std::vector<std::unique_ptr<Normalizer>> parts) : parts_(std::move(parts)) {}
  void normalize(NormalizedString& s) const override {
    for (const auto& p : parts_) p->normalize(s);
  }

 private:
  std::vector<std::unique_ptr<Normalizer>> parts_;
};

std::optional<bool> optional_bool(const Json& j, const char* key, const std::string& file) {
  if (!j.contains(key) || j[key].is_null()) return std::nullopt;
  return json_bool(j, key, false, file);
}

}  // namespace

std::unique_ptr<Normalizer> make_bert_normalizer(bool clean_text, bool handle_chinese_chars,
                                                 std::optional<bool> strip_accents, bool lowercase) {
  return std::make_unique<BertNormalizer>(clean_text, handle_chinese_chars,
                                          strip_accents.value_or(lowercase), lowercase);
}

std::unique_ptr<Normalizer> parse_normalizer(const Json& j, const std::string& file) {
  if (j.is_null()) return nullptr;
  check(j.is_object(), file, "normalizer must be an object or null");
  const std::string type = json_require_string(j, "type", file);
  if (type == "BertNormalizer")
    return make_bert_normalizer(json_bool(j, "clean_text", true, file),
                                json_bool(j, "handle_chinese_chars", true, file),
                                optional_bool(j, "strip_accents", file),
                                json_bool(j, "lowercase", true, file));
  if (type == "NFC") return std::make_unique<UnicodeNormalizer>(NormalForm::kNFC);
  if (type == "NFD") return std::make_unique<UnicodeNormalizer>(NormalForm::kNFD);
  if (type == "NFKC") return std::make_unique<UnicodeNormalizer>(NormalForm::kNFKC);
  if (type == "NFKD") return std::make_unique<UnicodeNormalizer>(NormalForm::kNFKD);
  if (type == "Lowercase") return std::make_unique<LowercaseNormalizer>();
  if (type == "StripAccents") return std::make_unique<StripAccentsNormalizer>();
  if (type == "Strip")
    return std::make_unique<StripNormalizer>(json_bool(j, "strip_left", true, file),
                                             json_bool(j, "strip_right", true, file));
  if (type == "Replace") {
    check(j.contains("pattern"), file, "normalizer Replace: missing \"pattern\"");
    return std::make_unique<ReplaceNormalizer>(Pattern(j["pattern"], file, "normalizer Replace"),
                                               json_require_string(j, "content", file));
  }
  if (type == "Prepend")
    return std::make_unique<PrependNormalizer>(json_require_string(j, "prepend", file));
  if (type == "Sequence") {
    check(j.contains("normalizers") && j["normalizers"].is_array(), file,
          "normalizer Sequence: \"normalizers\" must be an array");
    std::vector<std::unique_ptr<Normalizer>> parts;
    for (const Json& part : j["normalizers"])
      if (auto n = parse_normalizer(part, file)) parts.push_back(std::move(n));
    return std::make_unique<SequenceNormalizer>(std::move(parts));
  }
  throw Error(file, cat("unsupported normalizer type \"", type, "\""));
}

}  // namespace lowspec::tokenizer
