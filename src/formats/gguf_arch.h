// How the decoder families map onto GGUF as llama.cpp's convert_hf_to_gguf.py writes them:
// architecture names ("llama", "phi2", "gemma"), the {arch}.* hyperparameter keys, and the
// tensor names (blk.N.attn_q.weight ...). Two layouts differ from Hugging Face's:
//  - llama: the rows of q and k are permuted per head from rotate_half order (pairs i, i + d/2)
//    to interleaved pairs (2i, 2i + 1), the rotary convention of ggml's "normal" rope mode;
//  - gemma: RMSNorm gains are stored as 1 + w (the factor the norm multiplies by).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "core/json_util.h"
#include "formats/gguf.h"
#include "formats/gguf_writer.h"
#include "formats/model_config.h"

namespace lowspec {

// "llama", "phi2" or "gemma"; an Error for encoder families.
const char* gguf_arch_name(Family f);

// The {arch}.* keys (and general.architecture) for a decoder config; an Error if the config
// has something GGUF cannot say (dynamic rope scaling).
void add_gguf_arch_metadata(GgufWriter& w, const ModelConfig& c);

// The config.json a GGUF file's metadata stands for (model_type, sizes, eps, rope, special ids),
// so parse_model_config applies the same defaults and bounds; an Error names the file and key.
Json hf_config_from_gguf(const GgufFile& g);
// parse_model_config(hf_config_from_gguf(g)) with the GGUF file as the config's path.
ModelConfig model_config_from_gguf(const GgufFile& g);

// What a GGUF tensor is made of: the Hugging Face tensor it comes from and how its values move.
struct GgufTensorSource {
  std::string gguf_name;       // "blk.0.attn_q.weight"
  std::string hf_name;         // "model.layers.0.self_attn.q_proj.weight"
  std::vector<int64_t> shape;  // outermost first
  int64_t layer = -1;          // block index, -1 outside the blocks
  // llama q/k: heads whose rows are stored as interleaved rotary pairs (0: rows in HF order).
  int64_t permuted_heads = 0;
  bool plus_one = false;  // gemma norm gains: stored as 1 + w
};

// Every tensor of a decoder's GGUF file in llama.cpp's order (token_embd, blocks, output_norm,
// output). A tied lm_head is not listed: llama.cpp omits output.weight and reads token_embd.
std::vector<GgufTensorSource> gguf_tensor_sources(const ModelConfig& c, bool lm_head_tied);

// The source row of stored row `row` of a q/k matrix whose heads are `head_dim` rows each and
// stored as interleaved rotary pairs: row 2i + j of a head holds HF row i + j * head_dim / 2.
int64_t gguf_rotary_source_row(int64_t row, int64_t head_dim);

}  // namespace lowspec
