// Every block-quantized weight format seen one way: a row as groups of G elements (32; 16 for
// Q6_K), each unsigned bytes u[G] with value_j = scale * u_j - offset. Kernels that pack weight
// panels read any format through decode_group instead of one unpacker per format.
#pragma once
#include <cstdint>

#include "core/dtype.h"
#include "core/half.h"
#include "kernels/quant_blocks.h"

namespace lowspec {

// Elements per group: 16 for Q6_K (its sub-blocks), 32 for Q8_0, Q4_0, Q4_K, Q5_K.
inline int group_size(DType type) {
  return type == DType::Q6_K ? 16 : 32;
}

// Group g of a row starting at `row` (the row's first block) in Q8_0, Q4_0, Q4_K, Q5_K or Q6_K:
//   Q8_0: u = q + 128, scale = d, offset = 128 d
//   Q4_0: u = nibble, scale = d, offset = 8 d
//   Q4_K, Q5_K: u = q (0..15, 0..31), scale = d * sc, offset = dmin * m
//   Q6_K: u = q (0..63), scale = d * sc, offset = 32 d * sc
// Other types leave u, scale and offset untouched (callers check the dtype once per matrix).
inline void decode_group(DType type, const uint8_t* row, int64_t g, uint8_t* u, float& scale,
                         float& offset) {
  switch (type) {
    case DType::Q8_0: {
      const auto& b = reinterpret_cast<const BlockQ8_0*>(row)[g];
      for (int j = 0; j < kQuantBlock; ++j) u[j] = static_cast<uint8_t>(b.qs[j] + 128);
      scale = f16_to_f32(b.d);
      offset = 128.0f * scale;
      return;
    }
    case DType::Q4_0: {
      const auto& b = reinterpret_cast<const BlockQ4_0*>(row)[g];
      for (int j = 0; j < kQuantBlock / 2; ++j) {
        u[j] = b.qs[j] & 0x0f;
        u[j + kQuantBlock / 2] = b.qs[j] >> 4;
      }
      scale = f16_to_f32(b.d);
      offset = 8.0f * scale;
      return;
    }
    case DType::Q4_K:
    case DType::Q5_K: {
      constexpr int kGroups = kSuperBlock / 32;
      const int j = static_cast<int>(g % kGroups);
      const bool five = type == DType::Q5_K;
      const uint8_t* block = row + (g / kGroups) * (five ? sizeof(BlockQ5_K) : sizeof(BlockQ4_K));
      // Q4_K and Q5_K share the d, dmin, scales prefix; qs is 64 elements per 32 bytes.
      const auto& head = *reinterpret_cast<const BlockQ4_K*>(block);
      const uint8_t* qs =
          (five ? reinterpret_cast<const BlockQ5_K*>(block)->qs : head.qs) + 32 * (j / 2);
      const int shift = 4 * (j % 2);
      for (int l = 0; l < 32; ++l) u[l] = (qs[l] >> shift) & 0x0f;
      if (five) {
        const uint8_t* qh = reinterpret_cast<const BlockQ5_K*>(block)->qh;
        for (int l = 0; l < 32; ++l) u[l] |= ((qh[l] >> j) & 1) << 4;
      }
      int sc, m;
      k_scale_min(head.scales, j, sc, m);
      scale = f16_to_f32(head.d) * sc;
      offset = f16_to_f32(head.dmin) * m;
      return;
    }
    case DType::Q6_K: {
      constexpr int kGroups = kSuperBlock / 16;
      const auto& b = reinterpret_cast<const BlockQ6_K*>(row)[g / kGroups];
      const int s = static_cast<int>(g % kGroups);
      // Within its 128-element half, the group is quarter `quarter` (32 elements) at l0 = 0 or
      // 16: quarters 0/1 are the low nibbles of ql[l] / ql[l + 32], 2/3 their high nibbles, and
      // bits 2*quarter..+1 of qh[l] are the top two bits.
      const int half = s / 8, quarter = (s % 8) / 2, l0 = 16 * (s % 2);
      const uint8_t* ql = b.ql + 64 * half + 32 * (quarter % 2) + l0;
      const uint8_t* qh = b.qh + 32 * half + l0;
      const int shift = 4 * (quarter / 2);
      for (int l = 0; l < 16; ++l) {
        u[l] =
            static_cast<uint8_t>(((ql[l] >> shift) & 0x0f) | ((qh[l] >> (2 * quarter)) & 3) << 4);
      }
      scale = f16_to_f32(b.d) * b.scales[s];
      offset = 32.0f * scale;
      return;
    }
    default:
      return;
  }
}

}  // namespace lowspec
