#include "tokenizer/gguf_vocab_export.h"

#include <filesystem>
#include <map>

#include <sentencepiece_processor.h>

#include "core/error.h"
#include "core/json_util.h"
#include "tokenizer/tokenizer_config.h"

namespace lowspec::tokenizer {
namespace {

// llama.cpp's token types.
constexpr int32_t kNormal = 1, kUnknown = 2, kControl = 3, kUserDefined = 4, kUnused = 5, kByte = 6;
// Score of a piece no merge produces: never preferred when merges are derived from scores.
constexpr float kNeverMerged = -1e9f;

bool is_byte_token(const std::string& t) {
  return t.size() == 6 && t.compare(0, 3, "<0x") == 0 && t[5] == '>';
}

// "a b" from either spelling tokenizer.json uses ("a b" or ["a", "b"]).
std::string merge_string(const Json& m, const std::string& file) {
  if (m.is_string()) return m.get<std::string>();
  check(m.is_array() && m.size() == 2 && m[0].is_string() && m[1].is_string(), file,
        "model.merges entries must be \"a b\" strings or [a, b] pairs");
  return m[0].get<std::string>() + " " + m[1].get<std::string>();
}

std::optional<int32_t> id_of(const std::optional<std::string>& token,
                             const std::map<std::string, int32_t>& ids) {
  if (!token) return std::nullopt;
  auto it = ids.find(*token);
  return it == ids.end() ? std::nullopt : std::optional<int32_t>(it->second);
}

// Whether the post-processor's single-sequence template starts (front) or ends with a special
// token: the tokenizer adds BOS (EOS) by default.
bool template_adds(const Json& post, bool front) {
  if (!post.is_object() || post.value("type", "") != "TemplateProcessing") return false;
  const Json& single = post.value("single", Json::array());
  if (!single.is_array() || single.empty()) return false;
  return (front ? single.front() : single.back()).contains("SpecialToken");
}

// Special ids named by tokenizer_config.json, else `own` (the tokenizer file's), else the model
// config's; bos/eos flags from tokenizer_config.json, else the given defaults.
void set_special_ids(GgufVocab& v, const std::string& dir,
                     const std::map<std::string, int32_t>& ids, const SpecialIds& own,
                     const SpecialIds& fallback, bool add_bos, bool add_eos) {
  const TokenizerConfig config = read_tokenizer_config(dir);
  const auto n = static_cast<int64_t>(v.tokens.size());
  auto in_vocab = [&](std::optional<int32_t> id) {
    return id && *id >= 0 && *id < n ? id : std::nullopt;
  };
  auto pick = [&](const std::optional<std::string>& name, std::optional<int32_t> mine,
                  std::optional<int32_t> model) {
    if (auto id = id_of(name, ids)) return id;
    if (auto id = in_vocab(mine)) return id;
    return in_vocab(model);
  };
  v.bos = pick(config.bos_token, own.bos, fallback.bos);
  v.eos = pick(config.eos_token, own.eos, fallback.eos);
  v.pad = pick(config.pad_token, own.pad, fallback.pad);
  v.add_bos = config.add_bos_token.value_or(add_bos);
  v.add_eos = config.add_eos_token.value_or(add_eos);
}

// GGUF readers (llama.cpp) take one token per embedding row: fewer tokens are padded, more are a
// tokenizer that belongs to another model.
void check_fits_embeddings(const std::string& file, int64_t tokens, int64_t model_vocab_size) {
  check(model_vocab_size <= 0 || tokens <= model_vocab_size, file,
        cat("the tokenizer has ", tokens, " tokens but the model's vocab_size is ",
            model_vocab_size, ": it belongs to another model"));
}

// tokenizer.model: the pieces, scores and types as llama.cpp's converter writes them (unused ids
// up to the embedding rows padded like the tokenizer.json path).
GgufVocab vocab_from_sentencepiece(const std::string& file, const std::string& dir,
                                   const SpecialIds& fallback, int64_t model_vocab_size) {
  sentencepiece::SentencePieceProcessor sp;
  check(sp.Load(file).ok(), file, "not a readable SentencePiece model");
  GgufVocab v;
  v.model = "llama";
  std::map<std::string, int32_t> ids;
  const int pieces = sp.GetPieceSize();
  check_fits_embeddings(file, pieces, model_vocab_size);
  const int64_t n = std::max<int64_t>(pieces, model_vocab_size);
  for (int64_t id = 0; id < n; ++id) {
    if (id >= pieces) {
      v.tokens.push_back(cat("[PAD", id, "]"));
      v.scores.push_back(kNeverMerged);
      v.token_type.push_back(kUnused);
      continue;
    }
    const int i = static_cast<int>(id);
    v.tokens.push_back(sp.IdToPiece(i));
    v.scores.push_back(sp.GetScore(i));
    v.token_type.push_back(sp.IsUnknown(i)   ? kUnknown
                           : sp.IsControl(i) ? kControl
                           : sp.IsUnused(i)  ? kUnused
                           : sp.IsByte(i)    ? kByte
                                             : kNormal);
    ids.emplace(v.tokens.back(), i);
  }
  auto id = [](int x) { return x >= 0 ? std::optional<int32_t>(x) : std::nullopt; };
  v.unk = id(sp.unk_id());
  // add_dummy_prefix shows in how a bare word comes out.
  const std::vector<std::string> a = sp.EncodeAsPieces("a");
  v.add_space_prefix = !a.empty() && a[0].rfind("\u2581", 0) == 0;
  set_special_ids(v, dir, ids, {id(sp.bos_id()), id(sp.eos_id()), id(sp.pad_id())}, fallback, true,
                  false);
  return v;
}

GgufVocab vocab_from_tokenizer_json(const std::string& file, const std::string& dir,
                                    const SpecialIds& fallback, int64_t model_vocab_size) {
  const Json j = load_json_file(file);
  check(j.is_object() && j.contains("model") && j["model"].is_object(), file,
        "missing \"model\" object");
  const Json& model = j["model"];
  check(model.value("type", "") == "BPE", file,
        cat("model type \"", model.value("type", ""),
            "\" cannot be written as a GGUF vocabulary "
            "(BPE can)"));
  const bool byte_fallback = model.value("byte_fallback", false);

  std::map<int64_t, std::string> by_id;
  std::map<int64_t, int32_t> types;
  check(model.contains("vocab") && model["vocab"].is_object(), file,
        "model.vocab must be an object");
  for (const auto& [token, id] : model["vocab"].items()) {
    check(id.is_number_integer() && id.get<int64_t>() >= 0, file,
          cat("model.vocab[\"", token, "\"] must be a non-negative integer"));
    by_id[id.get<int64_t>()] = token;
  }
  for (const Json& a : j.value("added_tokens", Json::array())) {
    check(a.is_object() && a.contains("id") && a["id"].is_number_integer() && a["id"] >= 0 &&
              a.contains("content") && a["content"].is_string(),
          file, "added_tokens entries need an integer id and a content string");
    const int64_t id = a["id"].get<int64_t>();
    by_id[id] = a["content"].get<std::string>();
    types[id] = a.value("special", false) ? kControl : kUserDefined;
  }
  check(!by_id.empty(), file, "the vocabulary is empty");
  check_fits_embeddings(file, by_id.rbegin()->first + 1, model_vocab_size);
  const int64_t n = std::max<int64_t>(by_id.rbegin()->first + 1, model_vocab_size);
  check(n <= (int64_t{1} << 24), file, cat("vocabulary of ", n, " tokens is too large"));

  GgufVocab v;
  v.model = byte_fallback ? "llama" : "gpt2";
  std::map<std::string, int32_t> ids;
  for (int64_t id = 0; id < n; ++id) {
    auto it = by_id.find(id);
    const bool present = it != by_id.end();
    v.tokens.push_back(present ? it->second : cat("[PAD", id, "]"));
    int32_t type = !present ? kUnused : types.count(id) ? types[id] : kNormal;
    if (type == kNormal && byte_fallback && is_byte_token(v.tokens.back())) type = kByte;
    v.token_type.push_back(type);
    if (present) ids.emplace(it->second, static_cast<int32_t>(id));
  }
  const auto unk_token = model.contains("unk_token") && model["unk_token"].is_string()
                             ? std::optional<std::string>(model["unk_token"].get<std::string>())
                             : std::nullopt;
  v.unk = id_of(unk_token, ids);
  if (v.unk) v.token_type[*v.unk] = kUnknown;

  std::vector<std::string> merges;
  for (const Json& m : model.value("merges", Json::array()))
    merges.push_back(merge_string(m, file));
  if (byte_fallback) {
    // SentencePiece-style BPE merges the pair whose result scores highest; scoring each piece by
    // minus the rank of the first merge producing it gives tokenizer.json's merge order.
    v.scores.assign(v.tokens.size(), kNeverMerged);
    for (size_t id = 0; id < v.tokens.size(); ++id) {
      if (v.token_type[id] != kNormal && v.token_type[id] != kUserDefined) v.scores[id] = 0;
    }
    std::vector<bool> scored(v.tokens.size(), false);
    for (size_t rank = 0; rank < merges.size(); ++rank) {
      const std::string& m = merges[rank];
      const size_t space = m.find(' ');
      check(space != std::string::npos, file, cat("merge \"", m, "\" has no space"));
      auto it = ids.find(m.substr(0, space) + m.substr(space + 1));
      if (it == ids.end() || scored[it->second]) continue;
      scored[it->second] = true;
      v.scores[it->second] = -static_cast<float>(rank);
    }
    // The Prepend("▁") normalizer is SentencePiece's add_dummy_prefix.
    v.add_space_prefix =
        j.contains("normalizer") && j["normalizer"].dump().find("\"Prepend\"") != std::string::npos;
  } else {
    v.merges = std::move(merges);
    v.pre = "gpt-2";
  }

  const Json post = j.value("post_processor", Json());
  set_special_ids(v, dir, ids, {}, fallback, template_adds(post, true), template_adds(post, false));
  return v;
}

}  // namespace

std::optional<GgufVocab> gguf_vocab_from_folder(const std::string& dir, const SpecialIds& fallback,
                                                int64_t model_vocab_size) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const std::string json = (fs::path(dir) / "tokenizer.json").string();
  if (fs::is_regular_file(json, ec))
    return vocab_from_tokenizer_json(json, dir, fallback, model_vocab_size);
  const std::string spm = (fs::path(dir) / "tokenizer.model").string();
  if (fs::is_regular_file(spm, ec))
    return vocab_from_sentencepiece(spm, dir, fallback, model_vocab_size);
  return std::nullopt;
}

void add_gguf_vocab(GgufWriter& w, const GgufVocab& v) {
  w.add_string("tokenizer.ggml.model", v.model);
  if (!v.pre.empty()) w.add_string("tokenizer.ggml.pre", v.pre);
  w.add_string_array("tokenizer.ggml.tokens", v.tokens);
  if (!v.scores.empty()) w.add_f32_array("tokenizer.ggml.scores", v.scores);
  if (!v.token_type.empty()) w.add_i32_array("tokenizer.ggml.token_type", v.token_type);
  if (!v.merges.empty()) w.add_string_array("tokenizer.ggml.merges", v.merges);
  const std::pair<const char*, std::optional<int32_t>> ids[] = {
      {"tokenizer.ggml.bos_token_id", v.bos},
      {"tokenizer.ggml.eos_token_id", v.eos},
      {"tokenizer.ggml.unknown_token_id", v.unk},
      {"tokenizer.ggml.padding_token_id", v.pad}};
  for (const auto& [key, id] : ids) {
    if (id) w.add_u32(key, static_cast<uint32_t>(*id));
  }
  if (v.add_bos) w.add_bool("tokenizer.ggml.add_bos_token", *v.add_bos);
  if (v.add_eos) w.add_bool("tokenizer.ggml.add_eos_token", *v.add_eos);
  if (v.add_space_prefix) w.add_bool("tokenizer.ggml.add_space_prefix", *v.add_space_prefix);
}

}  // namespace lowspec::tokenizer
