// The input of an encoder forward: a right-padded batch of token ids with optional attention
// mask, token types and positions (HF's argument names), all [batch, seq] row-major.
#pragma once
#include <cstdint>
#include <vector>

#include "formats/model_config.h"

namespace lowspec {

struct EncoderBatch {
  int64_t batch = 0, seq = 0;
  const int64_t* input_ids = nullptr;
  const int64_t* attention_mask = nullptr;  // 1 = real token, 0 = padding; nullptr: all real
  const int64_t* token_type_ids = nullptr;  // nullptr: zeros
  const int64_t* position_ids = nullptr;    // nullptr: 0 .. seq-1 in every row

  int64_t position(int64_t b, int64_t t) const {
    return position_ids != nullptr ? position_ids[b * seq + t] : t;
  }
  int64_t token_type(int64_t b, int64_t t) const {
    return token_type_ids != nullptr ? token_type_ids[b * seq + t] : 0;
  }
};

// Throws Error when an id, token type or position is outside the model's tables, or the
// shape is empty.
void validate_encoder_batch(const EncoderBatch& in, const ModelConfig& c);

// The attention mask as one byte per token (1 = attend to this key), written into `storage`
// (reused across calls); nullptr when every token is real.
const uint8_t* key_mask(const EncoderBatch& in, std::vector<uint8_t>& storage);

}  // namespace lowspec
