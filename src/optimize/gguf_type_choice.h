// Which type each tensor of an exported GGUF file gets, per target format (`lowspec quantize
// --to`), following llama.cpp's llama-quantize where it has a rule:
//  - 1-D tensors (norm gains, biases) stay F32;
//  - q4_k, q4_k_m: output.weight (or token_embd.weight when it doubles as the head) is Q6_K;
//  - q4_k_m: attn_v and ffn_down are Q6_K in the layers use_more_bits picks (the first and
//    last eighth of the blocks and every third one between: i < n/8 || i >= 7n/8 ||
//    (i - n/8) % 3 == 2), the rest Q4_K;
//  - q8_0, q4_0, q6_k, f16, bf16, f32: every matrix in that type ("pure", as convert_hf_to_gguf
//    --outtype writes them);
//  - a matrix whose rows are not whole blocks falls back: k-quants to Q8_0 (llama.cpp picks
//    Q5_0/Q5_1, which lowspec does not compute with), then to F16 when rows are not whole
//    32-element blocks either.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/dtype.h"

namespace lowspec {

struct GgufTarget {
  std::string name;     // "q4_k_m"
  DType base;           // the type most matrices get
  uint32_t file_type;   // general.file_type (llama.cpp's LLAMA_FTYPE_MOSTLY_*)
  bool k_mix = false;   // q4_k / q4_k_m: Q6_K head
  bool medium = false;  // q4_k_m: Q6_K attn_v / ffn_down in use_more_bits layers
};

// "q8_0", "q4_0", "q4_k", "q4_k_m", "q6_k", "f16", "bf16", "f32" (any case); an Error names the
// accepted values otherwise.
GgufTarget parse_gguf_target(std::string_view name);
const char* gguf_target_names();  // "q8_0, q4_0, ..." for help and errors

struct GgufTypeChoice {
  DType type;
  bool fell_back = false;  // the rule's type did not fit the row length
};

// The type of tensor `gguf_name` with `shape` (outermost first) in block `layer` of `layers`
// (-1 outside the blocks); `head` marks the tensor the logits are computed from.
GgufTypeChoice choose_gguf_type(const GgufTarget& t, const std::string& gguf_name,
                                const std::vector<int64_t>& shape, int64_t layer, int64_t layers,
                                bool head);

}  // namespace lowspec
