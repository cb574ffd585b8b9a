// Fill-mask as Hugging Face's fill-mask pipeline does it: the text (with [MASK] tokens) is
// tokenized with special tokens, one forward runs, and for every mask the top_k tokens of
// softmax(logits) are returned with the text they would make.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/thread_pool.h"
#include "models/encoder.h"
#include "tokenizer/tokenizer.h"

namespace lowspec {

struct MaskCandidate {
  int32_t token_id = 0;
  std::string token;     // decode([token_id])
  double score = 0;      // probability
  std::string sequence;  // the text with this mask filled (special tokens skipped)
};

struct MaskFill {
  int64_t position = 0;  // token index of the mask in the encoded text
  std::vector<MaskCandidate> candidates;  // best first
};

// One entry per mask, in text order. Errors: no mask token in the text, a text longer than the
// model's positions, a model without a masked-LM head.
std::vector<MaskFill> fill_mask(EncoderModel& model, const tokenizer::Tokenizer& tok,
                                std::string_view text, int64_t top_k, ThreadPool& pool);

}  // namespace lowspec
