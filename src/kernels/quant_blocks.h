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

// k-quants: super-blocks of 256 elements split into sub-blocks, each with its own small scale
// (and for Q4_K/Q5_K a min), the scales themselves quantized against f16 super-scales.
inline constexpr int kSuperBlock = 256;

// 8 sub-blocks of 32: value = d * sc[j] * q - dmin * m[j], q in 0..15. scales[12] packs the
// eight 6-bit (sc, m) pairs; qs holds nibbles 64 elements at a time (low nibbles = first 32).
struct BlockQ4_K {
  uint16_t d;     // f16 super-scale of the scales
  uint16_t dmin;  // f16 super-scale of the mins
  uint8_t scales[12];
  uint8_t qs[kSuperBlock / 2];
};
static_assert(sizeof(BlockQ4_K) == 144, "Q4_K blocks are 144 bytes in GGUF");

// Sub-block j's 6-bit scale and min from Q4_K/Q5_K's scales[12]: bytes 0-3 hold sc 0-3 and bytes
// 4-7 m 0-3 in their low 6 bits; bytes 8-11 hold sc 4-7 (low nibble) and m 4-7 (high nibble),
// whose top 2 bits sit in the spare top bits of bytes 0-3 (sc) and 4-7 (m).
inline void k_scale_min(const uint8_t* scales, int j, int& sc, int& m) {
  if (j < 4) {
    sc = scales[j] & 63;
    m = scales[j + 4] & 63;
  } else {
    sc = (scales[j + 4] & 0x0f) | (scales[j - 4] >> 6) << 4;
    m = (scales[j + 4] >> 4) | (scales[j] >> 6) << 4;
  }
}

// All eight of k_scale_min's scales (byte j of sc) and mins (byte j of m) at once: the 12 bytes as
// three little-endian words, the low 6 bits of words 0 and 1 give j < 4, word 2's nibbles plus
// the top 2 bits of words 0 and 1 give j >= 4.
inline void k_scales_mins(const uint8_t* scales, uint64_t& sc, uint64_t& m) {
  uint32_t w[3] = {};
  for (int i = 0; i < 12; ++i) w[i / 4] |= uint32_t{scales[i]} << 8 * (i % 4);
  sc = (w[0] & 0x3f3f3f3fu) | uint64_t{(w[2] & 0x0f0f0f0fu) | ((w[0] >> 6) & 0x03030303u) << 4}
                                  << 32;
  m = (w[1] & 0x3f3f3f3fu) |
      uint64_t{((w[2] >> 4) & 0x0f0f0f0fu) | ((w[1] >> 6) & 0x03030303u) << 4} << 32;
}

// As Q4_K with a fifth bit per element in qh: q in 0..31.
struct BlockQ5_K {
  uint16_t d;
  uint16_t dmin;
  uint8_t scales[12];
  uint8_t qh[kSuperBlock / 8];
  uint8_t qs[kSuperBlock / 2];
};
static_assert(sizeof(BlockQ5_K) == 176, "Q5_K blocks are 176 bytes in GGUF");

// 16 sub-blocks of 16: value = d * scales[j] * (q - 32), q in 0..63 from 4 low bits (ql) and
// 2 high bits (qh).
struct BlockQ6_K {
  uint8_t ql[kSuperBlock / 2];
  uint8_t qh[kSuperBlock / 4];
  int8_t scales[kSuperBlock / 16];
  uint16_t d;
};
static_assert(sizeof(BlockQ6_K) == 210, "Q6_K blocks are 210 bytes in GGUF");

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
