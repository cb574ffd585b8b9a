// tokenizer_config.json (transformers): special tokens, BOS/EOS policy, lower-casing, clean-up
// of decoded spaces, maximum length.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "tokenizer/added_vocabulary.h"
#include "tokenizer/tokenizer.h"

namespace lowspec::tokenizer {

struct TokenizerConfig {
  std::optional<bool> add_bos_token, add_eos_token, do_lower_case, clean_up_tokenization_spaces;
  std::optional<std::string> bos_token, eos_token, unk_token, sep_token, pad_token, cls_token,
      mask_token;
  std::optional<size_t> model_max_length;
  std::optional<Side> padding_side;
  std::vector<AddedToken> added_tokens;  // "added_tokens_decoder"
};

// Reads `dir`/tokenizer_config.json; a missing file gives an empty config.
TokenizerConfig read_tokenizer_config(const std::string& dir);

// Sets the special-token ids, clean-up flag, max length and padding side of t from config
// (special tokens named in the config but absent from the vocabulary are left unset). When the
// config states add_bos_token/add_eos_token explicitly, the single/pair templates are rebuilt
// from them, as transformers does.
void apply_tokenizer_config(Tokenizer& t, const TokenizerConfig& config);

// "<s> $A </s>"-style templates from BOS/EOS ids (used for SentencePiece and GGUF vocabularies).
std::unique_ptr<PostProcessor> make_bos_eos_processor(const Tokenizer& t, bool add_bos, bool add_eos);

}  // namespace lowspec::tokenizer
