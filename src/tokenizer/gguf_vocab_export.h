// A model folder's tokenizer.json (or, without one, tokenizer.model) as the tokenizer.ggml.*
// metadata llama.cpp's converter writes (SentencePiece pieces, scores and types as they are):
// byte-fallback BPE (Llama/SentencePiece style) becomes model "llama" with token scores, other
// BPE becomes model "gpt2" with merges and pre-tokenizer "gpt-2". read_gguf_vocab and
// make_gguf_tokenizer read it back.
#pragma once
#include <cstdint>
#include <optional>
#include <string>

#include "formats/gguf_writer.h"
#include "tokenizer/gguf_tokenizer.h"

namespace lowspec::tokenizer {

// Special ids the model's config.json names, used where tokenizer_config.json names none.
struct SpecialIds {
  std::optional<int32_t> bos, eos, pad;
};

// The vocabulary of `dir`/tokenizer.json, else `dir`/tokenizer.model (+ tokenizer_config.json);
// nullopt if the folder has neither. Ids the tokenizer does not use up to `model_vocab_size` (the
// embedding rows) become "[PAD<id>]" tokens of type unused, as llama.cpp pads them. An Error names
// the file when its model is not BPE or the SentencePiece model does not load.
std::optional<GgufVocab> gguf_vocab_from_folder(const std::string& dir, const SpecialIds& fallback,
                                                int64_t model_vocab_size);

// Writes the tokenizer.ggml.* keys of `v`.
void add_gguf_vocab(GgufWriter& w, const GgufVocab& v);

}  // namespace lowspec::tokenizer
