#include "optimize/gguf_type_choice.h"

#include <algorithm>
#include <cctype>

#include "core/error.h"

namespace lowspec {
namespace {

// llama.cpp's LLAMA_FTYPE_* numbers.
constexpr uint32_t kFtypeF32 = 0, kFtypeF16 = 1, kFtypeQ4_0 = 2, kFtypeQ8_0 = 7, kFtypeQ4_K_S = 14,
                   kFtypeQ4_K_M = 15, kFtypeQ6_K = 18, kFtypeBF16 = 32;

bool use_more_bits(int64_t i, int64_t n) {
  return i < n / 8 || i >= 7 * n / 8 || (i - n / 8) % 3 == 2;
}

bool ends_with(const std::string& s, std::string_view suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

}  // namespace

const char* gguf_target_names() {
  return "q8_0, q4_0, q4_k, q4_k_m, q6_k, f16, bf16, f32";
}

GgufTarget parse_gguf_target(std::string_view name) {
  std::string lower(name);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
  if (lower == "q8_0") return {lower, DType::Q8_0, kFtypeQ8_0};
  if (lower == "q4_0") return {lower, DType::Q4_0, kFtypeQ4_0};
  // Plain q4_k has no llama.cpp name; Q4_K_S is the closest label (Q4_K body, Q6_K head).
  if (lower == "q4_k") return {lower, DType::Q4_K, kFtypeQ4_K_S, true};
  if (lower == "q4_k_m") return {lower, DType::Q4_K, kFtypeQ4_K_M, true, true};
  if (lower == "q6_k") return {lower, DType::Q6_K, kFtypeQ6_K};
  if (lower == "f16") return {lower, DType::F16, kFtypeF16};
  if (lower == "bf16") return {lower, DType::BF16, kFtypeBF16};
  if (lower == "f32") return {lower, DType::F32, kFtypeF32};
  throw Error(cat("unknown --to \"", name, "\": expected one of ", gguf_target_names()));
}

GgufTypeChoice choose_gguf_type(const GgufTarget& t, const std::string& gguf_name,
                                const std::vector<int64_t>& shape, int64_t layer, int64_t layers,
                                bool head) {
  if (shape.size() < 2) return {DType::F32};
  DType type = t.base;
  if (t.k_mix && head) type = DType::Q6_K;
  if (t.medium && layer >= 0 && use_more_bits(layer, layers) &&
      (ends_with(gguf_name, "attn_v.weight") || ends_with(gguf_name, "ffn_down.weight")))
    type = DType::Q6_K;
  const int64_t row = shape.back();
  if (row % dtype_block_elems(type) == 0) return {type};
  if (row % dtype_block_elems(DType::Q8_0) == 0) return {DType::Q8_0, true};
  return {DType::F16, true};
}

}  // namespace lowspec
