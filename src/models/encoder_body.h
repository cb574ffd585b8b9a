// What a family's encoder stack does: a right-padded batch in, final hidden states out.
// Implementations own their scratch, sized on first use for a (batch, seq) and reused.
#pragma once
#include <string>

#include "core/thread_pool.h"
#include "formats/hf_weights.h"
#include "models/encoder_batch.h"
#include "models/encoder_layers.h"

namespace lowspec {

class EncoderBody {
 public:
  virtual ~EncoderBody() = default;
  // Final hidden states [batch * seq, hidden_size], valid until the next call.
  virtual const float* encode(const EncoderBatch& in, ThreadPool& pool) = 0;
};

// "distilbert." or "mobilebert." when the checkpoint holds a model with a head, "" for a bare
// base model (HF saves DistilBertModel's tensors without the prefix).
std::string encoder_prefix(const HfWeights& w, const std::string& family_prefix);

}  // namespace lowspec
