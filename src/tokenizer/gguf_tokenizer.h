// Tokenizers from the tokenizer.ggml.* metadata of a GGUF file (llama.cpp conventions), run by
// the same pipeline as tokenizer.json: "llama" = SentencePiece BPE by token scores with byte
// fallback, "gpt2" = byte-level BPE with merges, "bert" = WordPiece.
#pragma once
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tokenizer/tokenizer.h"

namespace lowspec {
class GgufFile;
}

namespace lowspec::tokenizer {

// The vocabulary part of a GGUF file's metadata.
struct GgufVocab {
  std::string model;  // tokenizer.ggml.model
  std::string pre;    // tokenizer.ggml.pre ("" if absent)
  std::vector<std::string> tokens;
  std::vector<float> scores;        // may be empty
  std::vector<int32_t> token_type;  // may be empty; 1 normal, 2 unknown, 3 control, 4 user, 6 byte
  std::vector<std::string> merges;  // "a b"
  std::optional<int32_t> bos, eos, unk, sep, pad, cls, mask;
  std::optional<bool> add_bos, add_eos, add_space_prefix;
};

// tokenizer.ggml.model of a file written without a vocabulary (llama.cpp also reads "no_vocab").
inline constexpr std::string_view kGgufNoVocab = "none";
// Whether the file carries a vocabulary: tokenizer.ggml.model present and not "none"/"no_vocab".
bool gguf_has_vocab(const GgufFile& gguf);

// Errors: no vocabulary (see gguf_has_vocab), and malformed keys.
GgufVocab read_gguf_vocab(const GgufFile& gguf);
// Builds the tokenizer; `file` names the source in errors.
std::unique_ptr<Tokenizer> make_gguf_tokenizer(const GgufVocab& vocab, const std::string& file);
std::unique_ptr<Tokenizer> load_gguf_tokenizer(const std::string& path);

}  // namespace lowspec::tokenizer
