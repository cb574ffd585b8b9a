// One spec-driven decoder for HF Llama, Phi and Gemma, computing what transformers 4.40 computes
// (float32 math on weights stored as F32, F16 or BF16).
//
//   x = embed(ids) (* sqrt(H) for Gemma)
//   per layer, Llama/Gemma:  x += o(attn(rope(q(n1(x))), rope(k(n1(x))), v(n1(x))))
//                            x += down(act(gate(n2(x))) * up(n2(x)))
//              Phi:          h = LN(x);  x = (dense(attn(h)) + fc2(gelu(fc1(h)))) + x
//   hidden = final_norm(x);  logits = hidden . lm_head^T (+ bias)
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/thread_pool.h"
#include "formats/gguf.h"
#include "formats/hf_weights.h"
#include "formats/model_config.h"
#include "models/decoder_state.h"
#include "models/decoder_weights.h"
#include "optimize/weight_quant.h"

namespace lowspec {

// One step: T new tokens in each of the state's B rows, appended to its cache.
struct DecoderStep {
  int64_t tokens = 1;                  // T
  const int64_t* ids = nullptr;        // [B, T]
  const int64_t* positions = nullptr;  // [B, T] rotary positions
  // [B, state.max_context]: 0 hides a cache slot (padding); slots length..length+T-1 are the new
  // tokens'. nullptr: every slot visible.
  const uint8_t* key_mask = nullptr;
  float* hidden_states = nullptr;      // optional [layers + 1, B*T, H], as HF's output_hidden_states
};

class Decoder {
 public:
  // Opens MODEL (a HF folder or a .gguf file): the config and the memory-mapped weights. With
  // `quant` (Q8_0 or Q4_0) the matrices are quantized into memory the decoder owns.
  explicit Decoder(const std::string& model_path, std::optional<DType> quant = std::nullopt);
  Decoder(ModelConfig config, const std::string& model_path,
          std::optional<DType> quant = std::nullopt);

  const ModelConfig& config() const { return config_; }
  const std::string& path() const { return path_; }
  const DecoderWeights& weights() const { return w_; }
  // Size of the model's weight file(s) on disk.
  uint64_t file_bytes() const { return hf_file_ ? hf_file_->file_bytes() : gguf_file_->file_size(); }

  // Runs one step; the final-norm output lands in state.hidden() [B*T, H] and state.length
  // grows by T. Token ids outside the vocabulary are an Error.
  void forward(DecoderState& state, const DecoderStep& step, ThreadPool& pool) const;

  // logits[rows, V] = hidden[rows, H] . lm_head^T (+ bias).
  void logits(const float* hidden, int64_t rows, float* out, ThreadPool& pool) const;

 private:
  void compute_rope_tables(DecoderState& s, const DecoderStep& step, int64_t rows) const;
  void attention(DecoderState& s, int64_t layer, const DecoderStep& step, ThreadPool& pool) const;

  ModelConfig config_;
  std::string path_;
  // The mapped weights: a HF folder's safetensors or a .gguf file.
  std::optional<HfWeights> hf_file_;
  std::optional<GgufFile> gguf_file_;
  DecoderWeights w_;
  QuantizedWeights quantized_;  // the matrices' storage when loaded with a quant
};

// Positions as generate() builds them from an attention mask [B, T]: cumsum(mask) - 1, and 1 at
// padding positions.
std::vector<int64_t> positions_from_mask(const std::vector<int64_t>& mask, int64_t batch, int64_t seq);

}  // namespace lowspec
