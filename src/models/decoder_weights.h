// The weights of a decoder (Llama, Phi, Gemma) by role, validated against the config's shapes.
// Matrices stay views into the memory-mapped file in their stored dtype (matmul converts);
// norm gains and biases are small and widened to float32 once.
#pragma once
#include <vector>

#include "core/tensor.h"
#include "formats/gguf_hf_tensors.h"
#include "formats/hf_weights.h"
#include "formats/model_config.h"
#include "optimize/weight_quant.h"

namespace lowspec {

struct DecoderLayerWeights {
  std::vector<float> attn_norm_w, attn_norm_b;  // input_layernorm [H] (bias: Phi only)
  std::vector<float> mlp_norm_w;                // post_attention_layernorm [H] (Llama, Gemma)
  TensorView q, k, v, o;                        // [heads*hd, H], [kv*hd, H] x2, [H, heads*hd]
  std::vector<float> q_bias, k_bias, v_bias, o_bias;  // empty when the model has none
  TensorView gate;                              // [I, H] (Llama, Gemma; empty for Phi)
  TensorView up, down;                          // [I, H], [H, I] (Phi: fc1, fc2)
  std::vector<float> up_bias, down_bias;        // Phi only
};

struct DecoderWeights {
  TensorView embed;  // [V, H]
  std::vector<DecoderLayerWeights> layers;
  std::vector<float> final_norm_w, final_norm_b;  // [H] (bias: Phi only)
  TensorView lm_head;                             // [V, H]: the embedding when tied
  std::vector<float> lm_head_bias;                // [V] (Phi only)
  // q and k rows of each head hold the rotary pairs interleaved (2i, 2i + 1) instead of
  // rotate_half's (i, i + d/2): llama GGUF files store them so (gguf_arch.h). Rotating in that
  // order keeps the file's rows in place; q.k is the same sum in another order.
  bool rope_pairs_interleaved = false;
};

// Finds every tensor of the config's family under HF's names; an Error names the file and
// the tensor when one is missing or has another shape. Gemma's RMSNorm gains are returned as
// 1 + w (float32), the factor its norm multiplies by.
DecoderWeights load_decoder_weights(const ModelConfig& c, const HfWeights& w);
// The same from a GGUF file (views into its mapping in the stored type, quantized included);
// its Gemma gains already hold 1 + w and its llama q/k rows are interleaved rotary pairs.
DecoderWeights load_decoder_weights(const ModelConfig& c, const GgufHfTensors& w);

// Points every matrix at a copy quantized to `to` held in `store`. The embedding table stays as
// it is (a look-up reads single rows) unless it doubles as the lm_head: then both share one copy.
void quantize_decoder_matrices(DecoderWeights& d, DType to, QuantizedWeights& store,
                               ThreadPool& pool);

// Bytes of weights one decode step streams: every layer matrix and the lm_head, as held.
uint64_t decode_matrix_bytes(const DecoderWeights& d);

}  // namespace lowspec
