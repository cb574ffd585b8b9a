// DistilBERT as transformers 4.40 computes it: word + learned position embeddings, LayerNorm
// (eps 1e-12), then per layer post-norm self-attention and a GELU FFN.
#pragma once
#include <memory>

#include "formats/hf_weights.h"
#include "formats/model_config.h"
#include "models/encoder_body.h"
#include "models/encoder_layers.h"

namespace lowspec {

// With `quant` the layers' Linear weights are quantized (not the embedding tables).
std::unique_ptr<EncoderBody> make_distilbert(const ModelConfig& c, const HfWeights& w,
                                             const LinearQuantizer* quant = nullptr);

}  // namespace lowspec
