// GGUF's block-quantized weight layouts, byte for byte as ggml writes them, so a Q8_0/Q4_0 tensor
// read from a GGUF file or produced by quantize_row_* is the same memory either way.
#pragma once
#include <cstdint>

#include "core/half.h"

namespace lowspec {

inline constexpr int kQuantBlock = 32;  // elements per Q8_0 / Q4_0 block

// value[j] = qs[j] * d
struct BlockQ8_0 {
  uint16_t d;  // f16 scale
  int8_t qs[kQuantBlock];
};
static_assert(sizeof(BlockQ8_0) == 34, "Q8_0 blocks are 34 bytes in GGUF");

// Byte j holds element j in its low nibble and element j + 16 in its high nibble;
// value = (nibble - 8) * d.
struct BlockQ4_0 {
  uint16_t d;  // f16 scale
  uint8_t qs[kQuantBlock / 2];
};
static_assert(sizeof(BlockQ4_0) == 18, "Q4_0 blocks are 18 bytes in GGUF");

// A block as 32 signed values and its scale (the form the integer dot products take).
inline float unpack_block(const BlockQ8_0& block, int8_t* q) {
  for (int j = 0; j < kQuantBlock; ++j) q[j] = block.qs[j];
  return f16_to_f32(block.d);
}
inline float unpack_block(const BlockQ4_0& block, int8_t* q) {
  for (int j = 0; j < kQuantBlock / 2; ++j) {
    q[j] = static_cast<int8_t>((block.qs[j] & 0x0f) - 8);
    q[j + kQuantBlock / 2] = static_cast<int8_t>((block.qs[j] >> 4) - 8);
  }
  return f16_to_f32(block.d);
}

}  // namespace lowspec
