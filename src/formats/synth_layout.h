// The weight tensors a config's Hugging Face model class holds: names exactly as save_pretrained
// writes them (tied weights stored once), shapes, and what each tensor is for. `lowspec synth`
// writes these, and the memory estimate sizes weights from them.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "formats/model_config.h"

namespace lowspec {

enum class TensorRole {
  Embedding,    // lookup table (token, position, token type)
  Matrix,       // a linear layer's [out, in] weight reading from the residual stream or a head
  ResidualOut,  // a linear layer whose output is added to the residual stream
  NormWeight,   // LayerNorm / RMSNorm / NoNorm gain
  Bias,         // linear or norm bias
};

struct TensorSpec {
  std::string name;
  std::vector<int64_t> shape;  // outermost first: [out, in] for linear weights
  TensorRole role;

  int64_t numel() const;
};

// Every tensor of the model `c` describes, for its family and head, in a stable order. A config
// whose sizes overflow int64_t, with more than 4096 layers or 64 stacked FFNs is an Error
// naming c.path (the layout's own size must not be set by a hostile file).
// Decoders use the *ForCausalLM layout; encoders without a task head (Head::Base) the layout of
// their task classes without the head.
std::vector<TensorSpec> model_tensor_layout(const ModelConfig& c);

// Residual branches per layer (attention, FFNs, bottleneck): scales ResidualOut weights so the
// residual stream stays of order one through all layers.
int64_t residual_branches_per_layer(const ModelConfig& c);

}  // namespace lowspec
