#include "tokenizer/decoder.h"

#include <optional>

#include "core/error.h"
#include "tokenizer/byte_level.h"
#include "tokenizer/pattern.h"
#include "tokenizer/tokenizer.h"
#include "tokenizer/unicode.h"

namespace lowspec::tokenizer {
namespace {

void replace_all(std::string& s, const std::string& from, const std::string& to) {
  if (from.empty()) return;
  for (size_t pos = s.find(from); pos != std::string::npos; pos = s.find(from, pos + to.size()))
    s.replace(pos, from.size(), to);
}

// Text that is not valid UTF-8 gets U+FFFD for each bad sequence (String::from_utf8_lossy).
std::string utf8_lossy(const std::string& bytes) {
  if (find_invalid_utf8(bytes) == std::string::npos) return bytes;
  std::string out;
  size_t pos = 0;
  while (pos < bytes.size()) {
    const size_t bad = find_invalid_utf8(std::string_view(bytes).substr(pos));
    if (bad == std::string::npos) {
      out.append(bytes, pos);
      break;
    }
    out.append(bytes, pos, bad);
    out += "\xEF\xBF\xBD";
    // Skip the lead byte and the continuation bytes that belong to it.
    size_t skip = 1;
    const size_t want = utf8_length(static_cast<uint8_t>(bytes[pos + bad]));
    while (skip < want && pos + bad + skip < bytes.size() &&
           (static_cast<uint8_t>(bytes[pos + bad + skip]) & 0xC0) == 0x80)
      ++skip;
    pos += bad + skip;
  }
  return out;
}

class ByteLevelDecoder : public Decoder {
 public:
  void decode_chain(std::vector<std::string>& tokens) const override {
    std::string bytes;
    for (const std::string& t : tokens) {
      std::string mapped;
      bool all = true;
      for (size_t pos = 0; pos < t.size() && all;) {
        auto b = byte_level_byte(next_codepoint(t, pos));
        if (b) mapped.push_back(static_cast<char>(*b));
        else all = false;
      }
      bytes += all ? mapped : t;  // tokens outside the alphabet (added tokens) stay as they are
    }
    tokens = {utf8_lossy(bytes)};
  }
};

class WordPieceDecoder : public Decoder {
 public:
  WordPieceDecoder(std::string prefix, bool cleanup) : prefix_(std::move(prefix)), cleanup_(cleanup) {}
  void decode_chain(std::vector<std::string>& tokens) const override {
    for (size_t i = 0; i < tokens.size(); ++i) {
      std::string& t = tokens[i];
      if (i > 0) {
        if (!prefix_.empty() && t.compare(0, prefix_.size(), prefix_) == 0) t.erase(0, prefix_.size());
        else t.insert(0, " ");
      }
      if (cleanup_) t = clean_up_tokenization(std::move(t));
    }
  }

 private:
  std::string prefix_;
  bool cleanup_;
};

class MetaspaceDecoder : public Decoder {
 public:
  MetaspaceDecoder(std::string replacement, bool strip_first)
      : replacement_(std::move(replacement)), strip_first_(strip_first) {}
  void decode_chain(std::vector<std::string>& tokens) const override {
    for (size_t i = 0; i < tokens.size(); ++i) {
      replace_all(tokens[i], replacement_, " ");
      if (i == 0 && strip_first_ && !tokens[i].empty() && tokens[i][0] == ' ') tokens[i].erase(0, 1);
    }
  }

 private:
  std::string replacement_;
  bool strip_first_;
};

// <0xXX> tokens become bytes; a run of them that is not valid UTF-8 gives one U+FFFD per byte.
class ByteFallbackDecoder : public Decoder {
 public:
  void decode_chain(std::vector<std::string>& tokens) const override {
    std::vector<std::string> out;
    std::string pending;
    size_t pending_count = 0;
    auto flush = [&] {
      if (pending_count == 0) return;
      if (find_invalid_utf8(pending) == std::string::npos) {
        out.push_back(pending);
      } else {
        for (size_t i = 0; i < pending_count; ++i) out.push_back("\xEF\xBF\xBD");
      }
      pending.clear();
      pending_count = 0;
    };
    for (std::string& t : tokens) {
      if (auto b = parse_byte(t)) {
        pending.push_back(static_cast<char>(*b));
        ++pending_count;
        continue;
      }
      flush();
      out.push_back(std::move(t));
    }
    flush();
    tokens = std::move(out);
  }

 private:
  static std::optional<uint8_t> parse_byte(const std::string& t) {
    if (t.size() != 6 || t.compare(0, 3, "<0x") != 0 || t[5] != '>') return std::nullopt;
    auto hex = [](char c) -> int {
      if (c >= '0' && c <= '9') return c - '0';
      if (c >= 'A' && c <= 'F') return c - 'A' + 10;
      if (c >= 'a' && c <= 'f') return c - 'a' + 10;
      return -1;
    };
    const int hi = hex(t[3]), lo = hex(t[4]);
    if (hi < 0 || lo < 0) return std::nullopt;
    return static_cast<uint8_t>(hi * 16 + lo);
  }
};

class FuseDecoder : public Decoder {
 public:
  void decode_chain(std::vector<std::string>& tokens) const override {
    std::string all;
    for (const std::string& t : tokens) all += t;
    tokens = {all};
  }
};

class StripDecoder : public Decoder {
 public:
  StripDecoder(std::string content, size_t start, size_t stop)
      : content_(std::move(content)), start_(start), stop_(stop) {}
  void decode_chain(std::vector<std::string>& tokens) const override {
    if (content_.empty()) return;
    for (std::string& t : tokens) {
      for (size_t i = 0; i < start_ && t.compare(0, content_.size(), content_) == 0; ++i)
        t.erase(0, content_.size());
      for (size_t i = 0; i < stop_ && t.size() >= content_.size() &&
                         t.compare(t.size() - content_.size(), content_.size(), content_) == 0;
           ++i)
        t.resize(t.size() - content_.size());
    }
  }

 private:
  std::string content_;
  size_t start_, stop_;
};

class ReplaceDecoder : public Decoder {
 public:
  ReplaceDecoder(Pattern pattern, std::string content)
      : pattern_(std::move(pattern)), content_(std::move(content)) {}
  void decode_chain(std::vector<std::string>& tokens) const override {
    for (std::string& t : tokens) {
      const auto matches = pattern_.find_all(t);
      if (matches.empty()) continue;
      std::string out;
      size_t pos = 0;
      for (auto [b, e] : matches) {
        out.append(t, pos, b - pos);
        out += content_;
        pos = e;
      }
      out.append(t, pos);
      t = std::move(out);
    }
  }

 private:
  Pattern pattern_;
  std::string content_;
};

// BPEDecoder: the end-of-word suffix becomes a space (none after the last token).
class BpeSuffixDecoder : public Decoder {
 public:
  explicit BpeSuffixDecoder(std::string suffix) : suffix_(std::move(suffix)) {}
  void decode_chain(std::vector<std::string>& tokens) const override {
    for (size_t i = 0; i < tokens.size(); ++i)
      replace_all(tokens[i], suffix_, i + 1 == tokens.size() ? "" : " ");
  }

 private:
  std::string suffix_;
};

class SequenceDecoder : public Decoder {
 public:
  explicit SequenceDecoder(std::vector<std::unique_ptr<Decoder>> parts) : parts_(std::move(parts)) {}
  void decode_chain(std::vector<std::string>& tokens) const override {
    for (const auto& p : parts_) p->decode_chain(tokens);
  }

 private:
  std::vector<std::unique_ptr<Decoder>> parts_;
};

size_t json_count(const Json& j, const char* key, const std::string& file) {
  const int64_t n = json_int(j, key, 0, file);
  check(n >= 0, file, cat("decoder: \"", key, "\" must not be negative"));
  return static_cast<size_t>(n);
}

}  // namespace

std::unique_ptr<Decoder> make_wordpiece_decoder(std::string prefix, bool cleanup) {
  return std::make_unique<WordPieceDecoder>(std::move(prefix), cleanup);
}
std::unique_ptr<Decoder> make_byte_level_decoder() { return std::make_unique<ByteLevelDecoder>(); }
std::unique_ptr<Decoder> make_metaspace_decoder(std::string replacement, bool strip_first) {
  return std::make_unique<MetaspaceDecoder>(std::move(replacement), strip_first);
}

std::unique_ptr<Decoder> parse_decoder(const Json& j, const std::string& file) {
  if (j.is_null()) return nullptr;
  check(j.is_object(), file, "decoder must be an object or null");
  const std::string type = json_require_string(j, "type", file);
  if (type == "ByteLevel") return make_byte_level_decoder();
  if (type == "WordPiece")
    return make_wordpiece_decoder(json_string(j, "prefix", "##", file), json_bool(j, "cleanup", true, file));
  if (type == "Metaspace") {
    bool strip_first = json_bool(j, "add_prefix_space", true, file);
    if (j.contains("prepend_scheme")) strip_first = json_require_string(j, "prepend_scheme", file) != "never";
    return make_metaspace_decoder(json_string(j, "replacement", "\u2581", file), strip_first);
  }
  if (type == "ByteFallback") return std::make_unique<ByteFallbackDecoder>();
  if (type == "Fuse") return std::make_unique<FuseDecoder>();
  if (type == "Strip")
    return std::make_unique<StripDecoder>(json_require_string(j, "content", file),
                                          json_count(j, "start", file), json_count(j, "stop", file));
  if (type == "Replace") {
    check(j.contains("pattern"), file, "decoder Replace: missing \"pattern\"");
    return std::make_unique<ReplaceDecoder>(Pattern(j["pattern"], file, "decoder Replace"),
                                            json_require_string(j, "content", file));
  }
  if (type == "BPEDecoder") return std::make_unique<BpeSuffixDecoder>(json_string(j, "suffix", "</w>", file));
  if (type == "Sequence") {
    check(j.contains("decoders") && j["decoders"].is_array(), file,
          "decoder Sequence: \"decoders\" must be an array");
    std::vector<std::unique_ptr<Decoder>> parts;
    for (const Json& part : j["decoders"])
      if (auto d = parse_decoder(part, file)) parts.push_back(std::move(d));
    return std::make_unique<SequenceDecoder>(std::move(parts));
  }
  throw Error(file, cat("unsupported decoder type \"", type, "\""));
}

}  // namespace lowspec::tokenizer
