// The heads that sit on an encoder's final hidden states [rows, H]:
//   QA:  [start, end] = qa_outputs(h)                         (Linear H -> 2)
//   MLM: logits = decoder(LayerNorm(act(dense(h)))) + bias    (decoder [V, H])
// DistilBERT's decoder is the word embedding table (vocab_projector, tied); MobileBERT's is
// [word_embeddings^T ; cls.predictions.dense.weight]^T, built once as a float32 [V, H] matrix.
#pragma once
#include <vector>

#include "core/aligned_buffer.h"
#include "core/thread_pool.h"
#include "formats/hf_weights.h"
#include "formats/model_config.h"
#include "models/encoder_layers.h"

namespace lowspec {

struct QaHead {
  Linear outputs;  // [2, H]: row 0 start, row 1 end
};

struct MlmHead {
  Linear transform;  // [H, H]
  Activation activation = Activation::Gelu;
  Norm norm;                           // LayerNorm [H]
  TensorView decoder;                  // [V, H]
  std::vector<float> decoder_bias;     // [V]
  AlignedBuffer<float> owned_decoder;  // MobileBERT's assembled decoder (decoder points here)
};

// With `quant` the QA outputs and the MLM transform are quantized; the MLM decoder (the tied
// embedding table) stays as stored.
QaHead load_qa_head(const ModelConfig& c, const HfWeights& w,
                    const LinearQuantizer* quant = nullptr);
MlmHead load_mlm_head(const ModelConfig& c, const HfWeights& w,
                      const LinearQuantizer* quant = nullptr);

// start[rows], end[rows]; scratch holds rows * 2 floats.
void apply_qa_head(const QaHead& head, const float* hidden, int64_t rows, float* start, float* end,
                   float* scratch, ThreadPool& pool);
// logits[rows, V]; scratch holds rows * H floats.
void apply_mlm_head(const MlmHead& head, const float* hidden, int64_t rows, float* logits,
                    float* scratch, ThreadPool& pool);

}  // namespace lowspec
