// The tensors of a decoder's GGUF file looked up by their Hugging Face names (gguf_arch.h's
// mapping), with HfWeights' find/require/file_of shape, so the model loaders take either file.
// Views point into the GGUF mapping in the stored type (quantized blocks included): zero-copy.
// Phi-2 files from older converters fuse q, k and v into blk.N.attn_qkv; their rows are handed
// out as three row ranges of it.
#pragma once
#include <map>
#include <string>
#include <vector>

#include "core/tensor.h"
#include "formats/gguf.h"
#include "formats/model_config.h"

namespace lowspec {

class GgufHfTensors {
 public:
  // `gguf` must outlive this object.
  GgufHfTensors(const GgufFile& gguf, const ModelConfig& c);

  // nullptr if absent (for a fused q/k/v part: the fused tensor).
  const GgufTensorInfo* find(const std::string& hf_name) const;
  // The tensor, which must exist and have this shape (an Error names the file and GGUF tensor).
  TensorView require(const std::string& hf_name, const std::vector<int64_t>& shape) const;
  const std::string& file_of(const std::string& /*hf_name*/) const { return gguf_.path(); }

 private:
  // Where an HF tensor lives: a whole GGUF tensor, or `rows` rows of it from `first_row`.
  struct Place {
    std::string gguf_name;
    int64_t first_row = 0, rows = -1;  // rows -1: the whole tensor
  };
  const GgufFile& gguf_;
  std::map<std::string, Place> places_;  // by HF name
};

}  // namespace lowspec
