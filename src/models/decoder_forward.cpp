// forward_decoder: one batched pass over the inputs, logits at every position.
#include "core/error.h"
#include "models/decoder.h"
#include "models/forward.h"

namespace lowspec {

std::vector<NamedOutput> forward_decoder(const ModelConfig& config, const std::string& model_path,
                                         const ForwardInputs& in, ThreadPool& pool,
                                         std::optional<DType> quant) {
  const int64_t B = in.batch, T = in.seq;
  check(B > 0 && T > 0, model_path, "the inputs hold no tokens");
  check(T <= config.max_position_embeddings, model_path,
        cat("sequence of ", T, " tokens exceeds max_position_embeddings (", config.max_position_embeddings, ")"));
  Decoder decoder(config, model_path, quant);

  std::vector<uint8_t> key_mask;
  if (in.attention_mask) {
    key_mask.reserve(in.attention_mask->size());
    for (int64_t m : *in.attention_mask) {
      check(m == 0 || m == 1, model_path, cat("attention_mask values must be 0 or 1, not ", m));
      key_mask.push_back(static_cast<uint8_t>(m));
    }
  }
  std::vector<int64_t> positions;
  if (in.position_ids) {
    positions = *in.position_ids;
    for (int64_t p : positions)
      check(p >= 0 && p < config.max_position_embeddings, model_path,
            cat("position id ", p, " is outside [0, max_position_embeddings = ",
                config.max_position_embeddings, ")"));
  } else if (in.attention_mask) {
    positions = positions_from_mask(*in.attention_mask, B, T);
  } else {
    for (int64_t b = 0; b < B; ++b)
      for (int64_t t = 0; t < T; ++t) positions.push_back(t);
  }

  DecoderState state(decoder.config(), B, T, T, pool.size());
  DecoderStep step;
  step.tokens = T;
  step.ids = in.input_ids.data();
  step.positions = positions.data();
  step.key_mask = key_mask.empty() ? nullptr : key_mask.data();
  decoder.forward(state, step, pool);

  NamedOutput logits{"logits", {B, T, config.vocab_size}, {}};
  logits.data.resize(static_cast<size_t>(B * T * config.vocab_size));
  decoder.logits(state.hidden(), B * T, logits.data.data(), pool);
  std::vector<NamedOutput> out;
  out.push_back(std::move(logits));
  return out;
}

}  // namespace lowspec
