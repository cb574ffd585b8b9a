// One forward pass of a model over a batch given as tensors (what `lowspec forward` runs):
// inputs as HF takes them, outputs named as HF names them, in float32.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/thread_pool.h"
#include "formats/model_config.h"

namespace lowspec {

// All I64 [batch, seq], row-major.
struct ForwardInputs {
  int64_t batch = 0, seq = 0;
  std::vector<int64_t> input_ids;
  std::optional<std::vector<int64_t>> attention_mask;  // 1 = real token, 0 = padding
  std::optional<std::vector<int64_t>> token_type_ids;
  std::optional<std::vector<int64_t>> position_ids;
};

struct NamedOutput {
  std::string name;  // "logits", "start_logits", ...
  std::vector<int64_t> shape;
  std::vector<float> data;
};

// Causal LMs (llama, phi, gemma): `logits` [batch, seq, vocab]. Without position_ids, positions
// come from the attention mask as generate() builds them (left padding); without a mask, 0..seq-1.
// `quant`: the matrices quantized at load (Q8_0 / Q4_0).
std::vector<NamedOutput> forward_decoder(const ModelConfig& config, const std::string& model_path,
                                         const ForwardInputs& in, ThreadPool& pool,
                                         std::optional<DType> quant = std::nullopt);

// Encoders (distilbert, mobilebert), right padding: `start_logits`/`end_logits` [batch, seq] for
// QA heads, `logits` [batch, seq, vocab] for masked-LM heads, `last_hidden_state` without a head.
// Without token_type_ids, zeros; without position_ids, 0..seq-1 in every row.
// `quant`: the Linear weights quantized at load (Q8_0 / Q4_0).
std::vector<NamedOutput> forward_encoder(const ModelConfig& config, const std::string& model_path,
                                         const ForwardInputs& in, ThreadPool& pool,
                                         std::optional<DType> quant = std::nullopt);

}  // namespace lowspec
