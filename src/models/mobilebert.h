// MobileBERT as transformers 4.40 computes it: trigram input embeddings projected to the hidden
// size, then per layer input/attention bottlenecks, self-attention at the bottleneck width,
// stacked FFNs and an output bottleneck back to the hidden size; NoNorm (x*w + b) or LayerNorm
// as the config says.
#pragma once
#include <memory>

#include "formats/hf_weights.h"
#include "formats/model_config.h"
#include "models/encoder_body.h"
#include "models/encoder_layers.h"

namespace lowspec {

// With `quant` the layers' Linear weights are quantized (not the embedding tables).
std::unique_ptr<EncoderBody> make_mobilebert(const ModelConfig& c, const HfWeights& w,
                                             const LinearQuantizer* quant = nullptr);

}  // namespace lowspec
