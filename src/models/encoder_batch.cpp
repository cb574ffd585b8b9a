#include "models/encoder_batch.h"

#include <algorithm>

#include "core/error.h"

namespace lowspec {

void validate_encoder_batch(const EncoderBatch& in, const ModelConfig& c) {
  check(in.batch > 0 && in.seq > 0, "", cat("empty input: batch ", in.batch, ", seq ", in.seq));
  check(in.input_ids != nullptr, "", "input_ids missing");
  const int64_t n = in.batch * in.seq;
  for (int64_t i = 0; i < n; ++i) {
    check(in.input_ids[i] >= 0 && in.input_ids[i] < c.vocab_size, "",
          cat("input_ids[", i, "] = ", in.input_ids[i], " is outside the vocabulary [0, ",
              c.vocab_size, ")"));
  }
  for (int64_t b = 0; b < in.batch; ++b) {
    for (int64_t t = 0; t < in.seq; ++t) {
      const int64_t pos = in.position(b, t);
      check(pos >= 0 && pos < c.max_position_embeddings, "",
            cat("position ", pos, " (row ", b, ", token ", t, ") is outside [0, ",
                c.max_position_embeddings, "): max_position_embeddings is ",
                c.max_position_embeddings));
      const int64_t type = in.token_type(b, t);
      check(type == 0 || (type > 0 && type < c.type_vocab_size), "",
            cat("token_type_ids[", b * in.seq + t, "] = ", type, " is outside [0, ",
                std::max<int64_t>(c.type_vocab_size, 1), ")"));
    }
  }
}

const uint8_t* key_mask(const EncoderBatch& in, std::vector<uint8_t>& storage) {
  if (in.attention_mask == nullptr) return nullptr;
  storage.resize(static_cast<size_t>(in.batch * in.seq));
  for (size_t i = 0; i < storage.size(); ++i) storage[i] = in.attention_mask[i] != 0;
  return storage.data();
}

}  // namespace lowspec
