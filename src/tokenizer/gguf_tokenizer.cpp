#include "tokenizer/gguf_tokenizer.h"

#include "core/error.h"
#include "formats/gguf.h"
#include "tokenizer/pipeline_tokenizer.h"
#include "tokenizer/tokenizer_config.h"

namespace lowspec::tokenizer {
namespace {

constexpr int32_t kTypeUnknown = 2, kTypeControl = 3, kTypeUserDefined = 4;

std::optional<int32_t> optional_id(const GgufFile& g, const std::string& key, size_t n_tokens) {
  const auto v = g.get_int_opt(key);
  if (!v) return std::nullopt;
  check(*v >= 0 && static_cast<size_t>(*v) < n_tokens, g.path(),
        cat(key, " = ", *v, " is outside the vocabulary"));
  return static_cast<int32_t>(*v);
}

// SentencePiece's Llama normalization and decoding, as the Llama tokenizer.json spells them.
void llama_parts(PipelineParts& parts, bool add_space_prefix) {
  Json normalizers = Json::array();
  if (add_space_prefix) normalizers.push_back({{"type", "Prepend"}, {"prepend", "\u2581"}});
  normalizers.push_back(
      {{"type", "Replace"}, {"pattern", {{"String", " "}}}, {"content", "\u2581"}});
  parts.normalizer = parse_normalizer({{"type", "Sequence"}, {"normalizers", normalizers}}, "");
  Json decoders =
      Json::array({{{"type", "Replace"}, {"pattern", {{"String", "\u2581"}}}, {"content", " "}},
                   {{"type", "ByteFallback"}},
                   {{"type", "Fuse"}}});
  if (add_space_prefix)
    decoders.push_back({{"type", "Strip"}, {"content", " "}, {"start", 1}, {"stop", 0}});
  parts.decoder = parse_decoder({{"type", "Sequence"}, {"decoders", decoders}}, "");
}

}  // namespace

bool gguf_has_vocab(const GgufFile& g) {
  const auto model = g.get_string_opt("tokenizer.ggml.model");
  return model && *model != kGgufNoVocab && *model != "no_vocab";
}

GgufVocab read_gguf_vocab(const GgufFile& g) {
  GgufVocab v;
  v.model = g.get_string("tokenizer.ggml.model");
  check(gguf_has_vocab(g), g.path(),
        cat("the file has no vocabulary (tokenizer.ggml.model = \"", v.model,
            "\"): pass a tokenizer or token ids"));
  v.pre = g.get_string_opt("tokenizer.ggml.pre").value_or("");
  v.tokens = g.get_array("tokenizer.ggml.tokens").strings();
  const size_t n = v.tokens.size();
  check(n > 0, g.path(), "tokenizer.ggml.tokens is empty");
  if (g.has("tokenizer.ggml.scores")) v.scores = g.get_array("tokenizer.ggml.scores").floats();
  if (g.has("tokenizer.ggml.token_type"))
    v.token_type = g.get_array("tokenizer.ggml.token_type").int32s();
  if (g.has("tokenizer.ggml.merges")) v.merges = g.get_array("tokenizer.ggml.merges").strings();
  check(v.scores.empty() || v.scores.size() == n, g.path(),
        "tokenizer.ggml.scores and tokens differ in length");
  check(v.token_type.empty() || v.token_type.size() == n, g.path(),
        "tokenizer.ggml.token_type and tokens differ in length");
  v.bos = optional_id(g, "tokenizer.ggml.bos_token_id", n);
  v.eos = optional_id(g, "tokenizer.ggml.eos_token_id", n);
  v.unk = optional_id(g, "tokenizer.ggml.unknown_token_id", n);
  v.sep = optional_id(g, "tokenizer.ggml.seperator_token_id", n);
  v.pad = optional_id(g, "tokenizer.ggml.padding_token_id", n);
  v.cls = optional_id(g, "tokenizer.ggml.cls_token_id", n);
  v.mask = optional_id(g, "tokenizer.ggml.mask_token_id", n);
  v.add_bos = g.get_bool_opt("tokenizer.ggml.add_bos_token");
  v.add_eos = g.get_bool_opt("tokenizer.ggml.add_eos_token");
  v.add_space_prefix = g.get_bool_opt("tokenizer.ggml.add_space_prefix");
  return v;
}

std::unique_ptr<Tokenizer> make_gguf_tokenizer(const GgufVocab& v, const std::string& file) {
  const size_t n = v.tokens.size();
  auto type_of = [&](size_t id) { return v.token_type.empty() ? 1 : v.token_type[id]; };
  PipelineParts parts;
  // Control, unknown and user-defined tokens are matched in the raw text before the model.
  for (size_t id = 0; id < n; ++id) {
    const int32_t type = type_of(id);
    if ((type == kTypeControl || type == kTypeUnknown || type == kTypeUserDefined) &&
        !v.tokens[id].empty())
      parts.added_tokens.push_back({static_cast<int32_t>(id), v.tokens[id],
                                    type != kTypeUserDefined, false, false, false, false});
  }
  Vocab vocab;
  bool add_bos = false, add_eos = false;
  if (v.model == "llama") {
    for (size_t id = 0; id < n; ++id) vocab.add(v.tokens[id], static_cast<int64_t>(id), file);
    check(v.scores.size() == n, file, "a llama vocabulary needs tokenizer.ggml.scores");
    const std::vector<BpeMerge> merges = merges_from_scores(vocab, v.scores);
    BpeOptions options;
    if (v.unk) options.unk_token = v.tokens[*v.unk];
    options.byte_fallback = true;
    options.fuse_unk = true;
    parts.model = make_bpe(std::move(vocab), merges, options, file);
    llama_parts(parts, v.add_space_prefix.value_or(true));
    add_bos = v.add_bos.value_or(true);
    add_eos = v.add_eos.value_or(false);
  } else if (v.model == "gpt2") {
    // llama.cpp labels phi-2's vocabulary "phi-2"; its tokenizer.json splits with GPT-2's regex.
    check(v.pre.empty() || v.pre == "default" || v.pre == "gpt-2" || v.pre == "phi-2", file,
          cat("tokenizer.ggml.pre \"", v.pre, "\" is not supported (gpt-2 pre-tokenization only)"));
    for (size_t id = 0; id < n; ++id) vocab.add(v.tokens[id], static_cast<int64_t>(id), file);
    std::vector<BpeMerge> merges;
    for (const std::string& m : v.merges) {
      const size_t space = m.find(' ');
      check(space != std::string::npos, file,
            cat("tokenizer.ggml.merges entry \"", m, "\" has no space"));
      merges.push_back(
          {m.substr(0, space), m.substr(space + 1), static_cast<double>(merges.size())});
    }
    parts.model = make_bpe(std::move(vocab), merges, BpeOptions{}, file);
    parts.pre_tokenizer = make_byte_level_pre_tokenizer(false, true);
    parts.decoder = make_byte_level_decoder();
    add_bos = v.add_bos.value_or(false);
    add_eos = v.add_eos.value_or(false);
  } else if (v.model == "bert") {
    // llama.cpp stores word-initial pieces as "▁word" and continuations bare; WordPiece wants
    // "word" and "##piece".
    const std::string marker = "\u2581";
    for (size_t id = 0; id < n; ++id) {
      std::string t = v.tokens[id];
      if (type_of(id) == 1)
        t = t.compare(0, marker.size(), marker) == 0 ? t.substr(marker.size()) : "##" + t;
      vocab.add(std::move(t), static_cast<int64_t>(id), file);
    }
    check(v.unk.has_value(), file, "a bert vocabulary needs tokenizer.ggml.unknown_token_id");
    WordPieceOptions options;
    options.unk_token = v.tokens[*v.unk];
    parts.model = make_wordpiece(std::move(vocab), options, file);
    parts.normalizer = make_bert_normalizer(true, true, std::nullopt, true);
    parts.pre_tokenizer = make_bert_pre_tokenizer();
    parts.decoder = make_wordpiece_decoder("##", true);
  } else {
    throw Error(file,
                cat("tokenizer.ggml.model \"", v.model, "\" is not supported (llama, gpt2, bert)"));
  }

  auto t = std::make_unique<PipelineTokenizer>(std::move(parts), file);
  auto& s = t->mutable_settings();
  s.special = {v.bos, v.eos, v.unk, v.sep, v.pad, v.cls, v.mask};
  s.clean_up_tokenization_spaces = false;
  if (v.model == "bert" && v.cls && v.sep) {
    TemplatePiece cls{false, false, {*v.cls}, {v.tokens[*v.cls]}, 0};
    TemplatePiece sep_a{false, false, {*v.sep}, {v.tokens[*v.sep]}, 0};
    TemplatePiece sep_b{false, false, {*v.sep}, {v.tokens[*v.sep]}, 1};
    TemplatePiece a{true, false, {}, {}, 0}, b{true, true, {}, {}, 1};
    t->set_post_processor(make_template_processor({cls, a, sep_a}, {cls, a, sep_a, b, sep_b}));
  } else {
    t->set_post_processor(make_bos_eos_processor(*t, add_bos, add_eos));
  }
  return t;
}

std::unique_ptr<Tokenizer> load_gguf_tokenizer(const std::string& path) {
  const GgufFile gguf = GgufFile::open(path);
  return make_gguf_tokenizer(read_gguf_vocab(gguf), path);
}

}  // namespace lowspec::tokenizer
