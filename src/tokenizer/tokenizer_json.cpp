// Reads a Hugging Face tokenizer.json into the pipeline.
#include "core/error.h"
#include "core/json_util.h"
#include "core/mapped_file.h"
#include "tokenizer/pipeline_tokenizer.h"

namespace lowspec::tokenizer {
namespace {

// Builds the JSON document from the parser's events, except model.vocab (an object) and
// model.merges (an array): their entries go straight into ModelTables and the document gets
// an empty object or array in their place.
class TokenizerJsonReader : public nlohmann::json_sax<Json> {
 public:
  TokenizerJsonReader(Json& doc, ModelTables& tables) : dom_(doc, true), tables_(tables) {}

  bool null() override { return capturing() ? unexpected_value() : dom_.null(); }
  bool boolean(bool v) override { return capturing() ? unexpected_value() : dom_.boolean(v); }
  bool number_integer(number_integer_t v) override {
    return capturing() ? id(v) : dom_.number_integer(v);
  }
  bool number_unsigned(number_unsigned_t v) override {
    if (!capturing()) return dom_.number_unsigned(v);
    // Beyond any valid id anyway; clamping keeps the out-of-range error.
    return id(static_cast<int64_t>(std::min<number_unsigned_t>(v, Vocab::kMaxId)));
  }
  bool number_float(number_float_t v, const string_t& s) override {
    return capturing() ? unexpected_value() : dom_.number_float(v, s);
  }
  bool binary(binary_t& v) override { return capturing() ? unexpected_value() : dom_.binary(v); }
  bool string(string_t& s) override { return capturing() ? captured_string(s) : dom_.string(s); }

  bool key(string_t& k) override {
    if (capturing()) {
      if (capture_ == Capture::kVocab && capture_depth_ == 1) pending_token_ = k;
      return true;
    }
    if (depth_ == 1) root_key_ = k;
    if (in_model()) {
      model_key_ = k;
      // A repeated key replaces the earlier value, tables included.
      if (k == "vocab") tables_.has_vocab = false;
      if (k == "merges") tables_.has_merges = false;
    }
    return dom_.key(k);
  }

  bool start_object(std::size_t n) override {
    if (capturing()) return open_nested(false);
    if (in_model() && model_key_ == "vocab") {
      begin_capture(Capture::kVocab);
      return dom_.start_object(0) && dom_.end_object();
    }
    enter();
    return dom_.start_object(n);
  }
  bool start_array(std::size_t n) override {
    if (capturing()) return open_nested(true);
    if (in_model() && model_key_ == "merges") {
      begin_capture(Capture::kMerges);
      return dom_.start_array(0) && dom_.end_array();
    }
    enter();
    return dom_.start_array(n);
  }
  bool end_object() override {
    if (capturing()) return close_nested();
    --depth_;
    return dom_.end_object();
  }
  bool end_array() override {
    if (capturing()) return close_nested();
    --depth_;
    return dom_.end_array();
  }

  bool parse_error(std::size_t position, const std::string& token,
                   const nlohmann::detail::exception& e) override {
    return dom_.parse_error(position, token, e);
  }

 private:
  enum class Capture { kNone = 0, kVocab, kMerges };

  bool capturing() const { return capture_ != Capture::kNone; }
  bool in_model() const { return depth_ == 2 && root_key_ == "model"; }
  void enter() {
    if (depth_ == 1 && root_key_ == "model") model_key_.clear();
    ++depth_;
  }
  void begin_capture(Capture what) {
    capture_ = what;
    capture_depth_ = 1;
    if (what == Capture::kVocab) {
      tables_.has_vocab = true;
      tables_.vocab.clear();
      tables_.vocab_bytes.clear();
      tables_.vocab_error.clear();
    } else {
      tables_.has_merges = true;
      tables_.merges.clear();
      tables_.merges_error.clear();
    }
  }

  void vocab_error() {
    if (tables_.vocab_error.empty())
      tables_.vocab_error = cat("model vocab: id of \"", pending_token_, "\" is not an integer");
  }
  void merges_error(std::string message) {
    if (tables_.merges_error.empty()) tables_.merges_error = std::move(message);
  }
  static std::string merge_shape_error() { return "BPE merge must be \"a b\" or [\"a\", \"b\"]"; }

  // A value other than an id or a merge string inside a captured table.
  bool unexpected_value() {
    if (capture_depth_ == 1 || capture_ == Capture::kMerges) {
      if (capture_ == Capture::kVocab) vocab_error();
      else merges_error(merge_shape_error());
    }
    return true;
  }
  bool id(int64_t v) {
    if (capture_ == Capture::kVocab && capture_depth_ == 1) {
      tables_.vocab.push_back({tables_.vocab_bytes.size(), pending_token_.size(), v});
      tables_.vocab_bytes += pending_token_;
      return true;
    }
    return unexpected_value();
  }
  bool captured_string(const std::string& s) {
    if (capture_ == Capture::kVocab) return unexpected_value();
    if (capture_depth_ == 1) {  // "left right"
      const size_t space = s.find(' ');
      if (space == std::string::npos || s.find(' ', space + 1) != std::string::npos)
        merges_error(cat("BPE merge \"", s, "\" is not two tokens separated by one space"));
      else
        tables_.merges.push_back({s.substr(0, space), s.substr(space + 1),
                                  static_cast<double>(tables_.merges.size())});
    } else if (capture_depth_ == 2) {  // ["left", "right"]
      pair_.push_back(s);
    } else {
      merges_error(merge_shape_error());
    }
    return true;
  }
  bool open_nested(bool is_array) {
    if (capture_ == Capture::kVocab && capture_depth_ == 1) vocab_error();
    if (capture_ == Capture::kMerges && (!is_array || capture_depth_ > 1))
      merges_error(merge_shape_error());
    if (capture_ == Capture::kMerges && capture_depth_ == 1) pair_.clear();
    ++capture_depth_;
    return true;
  }
  bool close_nested() {
    if (--capture_depth_ == 0) {
      capture_ = Capture::kNone;
      return true;
    }
    if (capture_ == Capture::kMerges && capture_depth_ == 1) {
      if (pair_.size() == 2)
        tables_.merges.push_back({std::move(pair_[0]), std::move(pair_[1]),
                                  static_cast<double>(tables_.merges.size())});
      else
        merges_error(merge_shape_error());
    }
    return true;
  }

  nlohmann::detail::json_sax_dom_parser<Json> dom_;
  ModelTables& tables_;
  int depth_ = 0;  // containers open in the document
  std::string root_key_, model_key_;
  Capture capture_ = Capture::kNone;
  int capture_depth_ = 0;  // containers open inside the captured table (1: the table itself)
  std::string pending_token_;
  std::vector<std::string> pair_;
};

std::vector<AddedToken> parse_added_tokens(const Json& doc, const std::string& file) {
  std::vector<AddedToken> out;
  if (!doc.contains("added_tokens") || doc["added_tokens"].is_null()) return out;
  check(doc["added_tokens"].is_array(), file, "\"added_tokens\" must be an array");
  for (const Json& t : doc["added_tokens"]) {
    check(t.is_object(), file, "each added token must be an object");
    AddedToken a;
    const int64_t id = json_require_int(t, "id", file);
    check(id >= 0 && id < Vocab::kMaxId, file, cat("added token id ", id, " is out of range"));
    a.id = static_cast<int32_t>(id);
    a.content = json_require_string(t, "content", file);
    a.special = json_bool(t, "special", false, file);
    a.lstrip = json_bool(t, "lstrip", false, file);
    a.rstrip = json_bool(t, "rstrip", false, file);
    a.single_word = json_bool(t, "single_word", false, file);
    a.normalized = json_bool(t, "normalized", !a.special, file);
    out.push_back(std::move(a));
  }
  return out;
}

const Json& member_or_null(const Json& doc, const char* key) {
  static const Json null_json;
  return doc.contains(key) ? doc[key] : null_json;
}

// Builds the pipeline from a parsed tokenizer.json.
std::unique_ptr<PipelineTokenizer> build(const Json& doc, const ModelTables& tables,
                                         const std::string& path) {
  check(doc.is_object(), path, "tokenizer.json must hold a JSON object");
  check(doc.contains("model"), path, "missing \"model\"");
  PipelineParts parts;
  parts.normalizer = parse_normalizer(member_or_null(doc, "normalizer"), path);
  parts.pre_tokenizer = parse_pre_tokenizer(member_or_null(doc, "pre_tokenizer"), path);
  parts.model = parse_model(doc["model"], path, tables);
  parts.post_processor = parse_post_processor(member_or_null(doc, "post_processor"), path);
  parts.decoder = parse_decoder(member_or_null(doc, "decoder"), path);
  parts.added_tokens = parse_added_tokens(doc, path);
  return std::make_unique<PipelineTokenizer>(std::move(parts), path);
}

std::unique_ptr<PipelineTokenizer> parse(const std::string& text, const std::string& file) {
  Json doc;
  ModelTables tables;
  TokenizerJsonReader reader(doc, tables);
  try {
    Json::sax_parse(text, &reader);
  } catch (const Json::exception& e) {
    const std::string what = e.what();
    // nlohmann prefixes "[json.exception.parse_error.101] "; keep the readable part.
    const size_t close = what.find("] ");
    throw Error(file, "invalid JSON: " + (close == std::string::npos ? what : what.substr(close + 2)));
  }
  return build(doc, tables, file);
}

}  // namespace

std::unique_ptr<PipelineTokenizer> load_tokenizer_json(const std::string& path) {
  return parse(read_text_file(path, 64ull << 20), path);
}

std::unique_ptr<PipelineTokenizer> parse_tokenizer_json(const std::string& text, const std::string& file) {
  return parse(text, file);
}

}  // namespace lowspec::tokenizer
