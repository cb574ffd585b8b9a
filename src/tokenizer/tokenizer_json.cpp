// Reads a Hugging Face tokenizer.json into the pipeline.
#include "core/error.h"
#include "core/json_util.h"
#include "tokenizer/pipeline_tokenizer.h"

namespace lowspec::tokenizer {
namespace {

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
std::unique_ptr<PipelineTokenizer> build(const Json& doc, const std::string& path) {
  check(doc.is_object(), path, "tokenizer.json must hold a JSON object");
  check(doc.contains("model"), path, "missing \"model\"");
  PipelineParts parts;
  parts.normalizer = parse_normalizer(member_or_null(doc, "normalizer"), path);
  parts.pre_tokenizer = parse_pre_tokenizer(member_or_null(doc, "pre_tokenizer"), path);
  parts.model = parse_model(doc["model"], path);
  parts.post_processor = parse_post_processor(member_or_null(doc, "post_processor"), path);
  parts.decoder = parse_decoder(member_or_null(doc, "decoder"), path);
  parts.added_tokens = parse_added_tokens(doc, path);
  return std::make_unique<PipelineTokenizer>(std::move(parts), path);
}

}  // namespace

std::unique_ptr<PipelineTokenizer> load_tokenizer_json(const std::string& path) {
  const Json doc = load_json_file(path);
  return build(doc, path);
}

std::unique_ptr<PipelineTokenizer> parse_tokenizer_json(const std::string& text, const std::string& file) {
  return build(parse_json(text, file), file);
}

}  // namespace lowspec::tokenizer
