#include "tokenizer/post_processor.h"

#include "core/error.h"
#include "tokenizer/unicode.h"

namespace lowspec::tokenizer {

Encoding concatenate(Encoding first, const Encoding* second) {
  if (second) first.append(*second);
  return first;
}

namespace {

class TemplateProcessor : public PostProcessor {
 public:
  TemplateProcessor(std::vector<TemplatePiece> single, std::vector<TemplatePiece> pair)
      : single_(std::move(single)), pair_(std::move(pair)) {}

  size_t added_tokens(bool is_pair) const override {
    size_t n = 0;
    for (const TemplatePiece& p : is_pair ? pair_ : single_) n += p.special_ids.size();
    return n;
  }

  Encoding process(Encoding first, const Encoding* second, bool add_special_tokens) const override {
    Encoding out;
    for (const TemplatePiece& p : second ? pair_ : single_) {
      if (p.is_sequence) {
        const Encoding& seq = p.sequence_b && second ? *second : first;
        const size_t start = out.size();
        out.append(seq);
        for (size_t i = start; i < out.size(); ++i) out.type_ids[i] = p.type_id;
      } else if (add_special_tokens) {
        for (size_t i = 0; i < p.special_ids.size(); ++i)
          out.push(p.special_ids[i], p.special_tokens[i], {}, p.type_id, SequenceId::kNone, true);
      }
    }
    return out;
  }

 private:
  std::vector<TemplatePiece> single_, pair_;
};

// Moves offsets past the leading/trailing spaces (Ġ) of byte-level tokens.
class ByteLevelOffsetTrimmer : public PostProcessor {
 public:
  ByteLevelOffsetTrimmer(bool trim_offsets, bool add_prefix_space)
      : trim_offsets_(trim_offsets), add_prefix_space_(add_prefix_space) {}
  size_t added_tokens(bool) const override { return 0; }
  bool combines() const override { return false; }
  Encoding process(Encoding first, const Encoding* second, bool) const override {
    adjust(first);
    if (!second) return first;
    Encoding b = *second;
    adjust(b);
    first.append(b);
    return first;
  }
  void adjust(Encoding& e) const override {
    if (!trim_offsets_) return;
    for (size_t i = 0; i < e.size(); ++i) {
      const std::vector<char32_t> chars = code_points(e.tokens[i]);
      auto is_space = [](char32_t c) { return c == 0x120 || is_whitespace(c); };
      size_t leading = 0, trailing = 0;
      while (leading < chars.size() && is_space(chars[leading])) ++leading;
      while (trailing < chars.size() && is_space(chars[chars.size() - 1 - trailing])) ++trailing;
      Offset& o = e.offsets[i];
      if (leading > 0) {
        if ((i == 0 || o.begin == 0) && add_prefix_space_ && leading == 1) leading = 0;
        o.begin = std::min(o.begin + leading, o.end);
      }
      if (trailing > 0 && o.end >= trailing) o.end = std::max(o.end - trailing, o.begin);
    }
  }

 private:
  static std::vector<char32_t> code_points(const std::string& s) {
    std::vector<char32_t> out;
    for (size_t pos = 0; pos < s.size();) out.push_back(next_codepoint(s, pos));
    return out;
  }
  bool trim_offsets_, add_prefix_space_;
};

// A template processor that first trims byte-level offsets (RobertaProcessing).
class TrimmingTemplateProcessor : public TemplateProcessor {
 public:
  TrimmingTemplateProcessor(std::vector<TemplatePiece> single, std::vector<TemplatePiece> pair,
                            bool trim_offsets, bool add_prefix_space)
      : TemplateProcessor(std::move(single), std::move(pair)), trimmer_(trim_offsets, add_prefix_space) {}
  Encoding process(Encoding first, const Encoding* second, bool add_special_tokens) const override {
    adjust(first);
    if (!second) return TemplateProcessor::process(std::move(first), nullptr, add_special_tokens);
    Encoding b = *second;
    adjust(b);
    return TemplateProcessor::process(std::move(first), &b, add_special_tokens);
  }
  void adjust(Encoding& e) const override { trimmer_.adjust(e); }

 private:
  ByteLevelOffsetTrimmer trimmer_;
};

class SequenceProcessor : public PostProcessor {
 public:
  SequenceProcessor(std::vector<std::unique_ptr<PostProcessor>> parts, const std::string& file)
      : parts_(std::move(parts)) {
    for (const auto& p : parts_)
      if (p->combines()) {
        check(combiner_ == nullptr, file, "post_processor Sequence: more than one combining processor");
        combiner_ = p.get();
      }
  }
  size_t added_tokens(bool is_pair) const override {
    return combiner_ ? combiner_->added_tokens(is_pair) : 0;
  }
  Encoding process(Encoding first, const Encoding* second, bool add_special_tokens) const override {
    std::optional<Encoding> b;
    if (second) b = *second;
    for (const auto& p : parts_)
      if (!p->combines()) {
        p->adjust(first);
        if (b) p->adjust(*b);
      }
    if (combiner_) return combiner_->process(std::move(first), b ? &*b : nullptr, add_special_tokens);
    return concatenate(std::move(first), b ? &*b : nullptr);
  }

 private:
  std::vector<std::unique_ptr<PostProcessor>> parts_;
  const PostProcessor* combiner_ = nullptr;
};

TemplatePiece special_piece(std::string token, int32_t id, int32_t type_id) {
  TemplatePiece p;
  p.special_ids = {id};
  p.special_tokens = {std::move(token)};
  p.type_id = type_id;
  return p;
}

TemplatePiece sequence_piece(bool b, int32_t type_id) {
  TemplatePiece p;
  p.is_sequence = true;
  p.sequence_b = b;
  p.type_id = type_id;
  return p;
}

// [token, id] as BertProcessing and RobertaProcessing store their cls and sep.
std::pair<std::string, int32_t> token_and_id(const Json& j, const char* key, const std::string& file) {
  check(j.contains(key) && j[key].is_array() && j[key].size() == 2 && j[key][0].is_string() &&
            j[key][1].is_number_integer(),
        file, cat("post_processor: \"", key, "\" must be [token, id]"));
  return {j[key][0].get<std::string>(), j[key][1].get<int32_t>()};
}

struct SpecialTokenDef {
  std::vector<int32_t> ids;
  std::vector<std::string> tokens;
};

TemplatePiece parse_template_piece(const Json& piece, const Json& specials, const std::string& file) {
  std::string name;
  int32_t type_id = 0;
  bool is_sequence = false;
  if (piece.is_string()) {  // "$A", "$B:1", "[SEP]:1"
    std::string s = piece.get<std::string>();
    const size_t colon = s.rfind(':');
    if (colon != std::string::npos && colon + 1 < s.size() && s.size() - colon <= 9 &&
        s.find_first_not_of("0123456789", colon + 1) == std::string::npos) {
      type_id = std::stoi(s.substr(colon + 1));
      s.resize(colon);
    }
    is_sequence = !s.empty() && s[0] == '$';
    name = is_sequence ? s.substr(1) : s;
    if (is_sequence && (name.empty() || name == "A" || name == "B")) {
      return sequence_piece(name == "B", type_id);
    }
    check(!is_sequence, file, cat("template: unknown sequence \"", piece.get<std::string>(), "\""));
  } else if (piece.is_object() && piece.contains("Sequence")) {
    const Json& seq = piece["Sequence"];
    const std::string id = json_require_string(seq, "id", file);
    check(id == "A" || id == "B", file, cat("template: sequence id must be A or B, not \"", id, "\""));
    return sequence_piece(id == "B", static_cast<int32_t>(json_int(seq, "type_id", 0, file)));
  } else if (piece.is_object() && piece.contains("SpecialToken")) {
    const Json& sp = piece["SpecialToken"];
    name = json_require_string(sp, "id", file);
    type_id = static_cast<int32_t>(json_int(sp, "type_id", 0, file));
  } else {
    throw Error(file, "template: each piece must be {\"Sequence\"} or {\"SpecialToken\"}");
  }
  check(specials.is_object() && specials.contains(name), file,
        cat("template: special token \"", name, "\" is not in special_tokens"));
  const Json& def = specials[name];
  check(def.is_object() && def.contains("ids") && def["ids"].is_array() && def.contains("tokens") &&
            def["tokens"].is_array() && def["ids"].size() == def["tokens"].size(),
        file, cat("template: special token \"", name, "\" needs ids and tokens of equal length"));
  TemplatePiece p;
  p.type_id = type_id;
  for (const Json& id : def["ids"]) {
    check(id.is_number_integer(), file, cat("template: ids of \"", name, "\" must be integers"));
    p.special_ids.push_back(id.get<int32_t>());
  }
  for (const Json& t : def["tokens"]) {
    check(t.is_string(), file, cat("template: tokens of \"", name, "\" must be strings"));
    p.special_tokens.push_back(t.get<std::string>());
  }
  return p;
}

std::vector<TemplatePiece> parse_template(const Json& j, const char* key, const Json& specials,
                                          const std::string& file) {
  check(j.contains(key), file, cat("TemplateProcessing: missing \"", key, "\""));
  std::vector<TemplatePiece> out;
  const Json& t = j[key];
  if (t.is_string()) {
    const std::string s = t.get<std::string>();
    size_t pos = 0;
    while (pos < s.size()) {
      const size_t end = std::min(s.find(' ', pos), s.size());
      if (end > pos) out.push_back(parse_template_piece(Json(s.substr(pos, end - pos)), specials, file));
      pos = end + 1;
    }
  } else {
    check(t.is_array(), file, cat("TemplateProcessing: \"", key, "\" must be a list or a string"));
    for (const Json& piece : t) out.push_back(parse_template_piece(piece, specials, file));
  }
  return out;
}

}  // namespace

std::unique_ptr<PostProcessor> make_template_processor(std::vector<TemplatePiece> single,
                                                       std::vector<TemplatePiece> pair) {
  return std::make_unique<TemplateProcessor>(std::move(single), std::move(pair));
}

std::unique_ptr<PostProcessor> parse_post_processor(const Json& j, const std::string& file) {
  if (j.is_null()) return nullptr;
  check(j.is_object(), file, "post_processor must be an object or null");
  const std::string type = json_require_string(j, "type", file);
  if (type == "TemplateProcessing") {
    const Json specials = j.contains("special_tokens") ? j["special_tokens"] : Json::object();
    return make_template_processor(parse_template(j, "single", specials, file),
                                   parse_template(j, "pair", specials, file));
  }
  if (type == "BertProcessing") {
    auto [sep, sep_id] = token_and_id(j, "sep", file);
    auto [cls, cls_id] = token_and_id(j, "cls", file);
    return make_template_processor(
        {special_piece(cls, cls_id, 0), sequence_piece(false, 0), special_piece(sep, sep_id, 0)},
        {special_piece(cls, cls_id, 0), sequence_piece(false, 0), special_piece(sep, sep_id, 0),
         sequence_piece(true, 1), special_piece(sep, sep_id, 1)});
  }
  if (type == "RobertaProcessing") {
    auto [sep, sep_id] = token_and_id(j, "sep", file);
    auto [cls, cls_id] = token_and_id(j, "cls", file);
    return std::make_unique<TrimmingTemplateProcessor>(
        std::vector{special_piece(cls, cls_id, 0), sequence_piece(false, 0), special_piece(sep, sep_id, 0)},
        std::vector{special_piece(cls, cls_id, 0), sequence_piece(false, 0), special_piece(sep, sep_id, 0),
                    special_piece(sep, sep_id, 0), sequence_piece(true, 0), special_piece(sep, sep_id, 0)},
        json_bool(j, "trim_offsets", true, file), json_bool(j, "add_prefix_space", true, file));
  }
  if (type == "ByteLevel")
    return std::make_unique<ByteLevelOffsetTrimmer>(json_bool(j, "trim_offsets", true, file),
                                                    json_bool(j, "add_prefix_space", true, file));
  if (type == "Sequence") {
    check(j.contains("processors") && j["processors"].is_array(), file,
          "post_processor Sequence: \"processors\" must be an array");
    std::vector<std::unique_ptr<PostProcessor>> parts;
    for (const Json& part : j["processors"])
      if (auto p = parse_post_processor(part, file)) parts.push_back(std::move(p));
    return std::make_unique<SequenceProcessor>(std::move(parts), file);
  }
  throw Error(file, cat("unsupported post_processor type \"", type, "\""));
}

}  // namespace lowspec::tokenizer
