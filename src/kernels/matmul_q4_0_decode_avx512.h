// Q4_0 decode (M <= 4) on AVX-512 VNNI, shared by the two ways of reading a step of 16 blocks:
// matmul_quant_avx512.cpp (inserts and scalar moves, any VNNI core) and
// matmul_q4_0_decode_avx512vbmi.cpp (byte permutes). The including file sets the target
// (#pragma GCC target) before including this; the functions here carry none of their own.
//
// One row (a single stream) at a time, 16 blocks per step, no software prefetch (at this speed it
// no longer helped: TinyLlama 1 thread 26.7 ms/token without, 27.6 with 5 lines 512 B ahead). zmm g
// holds the nibbles of blocks 4g..4g+3, one per 128-bit lane; against activations laid out the same
// way once per call (Q4DecodeInput::quad_x), two vpdpbusd leave each block's dot product as four
// dwords in its lane. A 4x4 transpose-add of the four zmm gives the 16 blocks' sums in one zmm,
// block 4g + j at lane 4j + g ("transposed order", which the scales and offsets are put in too), so
// the offset (8 x the activation sum), the conversion to float and the scaling happen once per 16
// blocks.
#pragma once
#include <immintrin.h>

#include <algorithm>
#include <cstdint>
#include <cstring>

#include "kernels/matmul_dispatch.h"
#include "kernels/prefetch.h"
#include "kernels/quant_blocks.h"

namespace lowspec::q4_0_decode {

constexpr int kStepBlocks = 16;
constexpr int kStepBytes = kStepBlocks * static_cast<int>(sizeof(BlockQ4_0));  // 288
constexpr int kStepInputBytes = kStepBlocks * kQuantBlock;  // activations of one step, re-laid

// The input rows re-laid for the steps (steps = ceil(K / 512) per row, zeros past the row's end).
struct Q4DecodeInput {
  const int8_t* quad_x;     // per row and step: quad g = [lo halves of 4 blocks | hi halves]
  const float* xd_t;        // per row and step: activation scales in transposed order
  const int32_t* offset_t;  // per row and step: -8 x activation sums in transposed order
};

// Columns [n0, n1) through the byte-permute step reader (needs AVX512_VBMI and GFNI).
void decode_q4_0_vbmi(const QuantMatmulProblem& p, int64_t n0, int64_t n1, const Q4DecodeInput& in);

// Compiled once per including file, each for its own target: nothing here may be shared.
namespace {

// The block whose sum lands in lane `lane` of transpose_add's result.
constexpr int transposed_block(int lane) {
  return 4 * (lane % 4) + lane / 4;
}

// One step's nibbles (quads) and f16 scales (transposed order), as a reader gives them.
struct Q4Step {
  __m512i quad[4];
  __m512 dw;
};

// Lane 4j + g of the result: the sum of the four dwords in lane j of d[g].
inline __m512i transpose_add(const __m512i (&d)[4]) {
  const __m512i a =
      _mm512_add_epi32(_mm512_unpacklo_epi32(d[0], d[1]), _mm512_unpackhi_epi32(d[0], d[1]));
  const __m512i b =
      _mm512_add_epi32(_mm512_unpacklo_epi32(d[2], d[3]), _mm512_unpackhi_epi32(d[2], d[3]));
  return _mm512_add_epi32(_mm512_unpacklo_epi64(a, b), _mm512_unpackhi_epi64(a, b));
}

// y[r, n0..n1) for R input rows; Reader::load(const BlockQ4_0*) gives one step and
// Reader::high(v) the high nibbles of v's bytes.
template <class Reader, int R>
void decode_rows(const QuantMatmulProblem& p, int64_t n0, int64_t n1, const Q4DecodeInput& in) {
  const int64_t blocks = p.K / kQuantBlock;
  const int64_t steps = (blocks + kStepBlocks - 1) / kStepBlocks;
  const __m512i low4 = _mm512_set1_epi8(0x0f);
  alignas(64) BlockQ4_0 tail[kStepBlocks];
  for (int64_t n = n0; n < n1; ++n) {
    const BlockQ4_0* row = static_cast<const BlockQ4_0*>(p.w) + n * blocks;
    __m512 acc[R];
    for (int r = 0; r < R; ++r) acc[r] = _mm512_setzero_ps();
    for (int64_t s = 0; s < steps; ++s) {
      const BlockQ4_0* w = row + s * kStepBlocks;
      const int64_t count = blocks - s * kStepBlocks;
      prefetch_ahead(w, std::min<int64_t>(count, kStepBlocks) * sizeof(BlockQ4_0));
      if (count < kStepBlocks) {  // the row's last, partial step: zero blocks after it
        std::memset(tail, 0, sizeof(tail));
        std::memcpy(tail, w, count * sizeof(BlockQ4_0));
        w = tail;
      }
      const Q4Step st = Reader::load(w);
      __m512i lo[4], hi[4];
      for (int g = 0; g < 4; ++g) {
        lo[g] = _mm512_and_si512(st.quad[g], low4);
        hi[g] = Reader::high(st.quad[g]);
      }
      for (int r = 0; r < R; ++r) {
        const int64_t at = r * steps + s;
        const int8_t* x = in.quad_x + at * kStepInputBytes;
        __m512i d[4];
        for (int g = 0; g < 4; ++g) {
          const __m512i x_lo = _mm512_load_si512(x + g * 128);
          const __m512i x_hi = _mm512_load_si512(x + g * 128 + 64);
          d[g] = _mm512_dpbusd_epi32(_mm512_dpbusd_epi32(_mm512_setzero_si512(), lo[g], x_lo),
                                     hi[g], x_hi);
        }
        const __m512i sum =
            _mm512_add_epi32(transpose_add(d), _mm512_load_si512(in.offset_t + at * kStepBlocks));
        const __m512 scale = _mm512_mul_ps(st.dw, _mm512_load_ps(in.xd_t + at * kStepBlocks));
        acc[r] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(sum), scale, acc[r]);
      }
    }
    for (int r = 0; r < R; ++r) {
      p.y[r * p.N + n] = _mm512_reduce_add_ps(acc[r]) + (p.bias ? p.bias[n] : 0.0f);
    }
  }
}

// decode_rows for p.M (1..4) input rows.
template <class Reader>
void decode(const QuantMatmulProblem& p, int64_t n0, int64_t n1, const Q4DecodeInput& in) {
  switch (p.M) {
    case 1:
      return decode_rows<Reader, 1>(p, n0, n1, in);
    case 2:
      return decode_rows<Reader, 2>(p, n0, n1, in);
    case 3:
      return decode_rows<Reader, 3>(p, n0, n1, in);
    default:
      return decode_rows<Reader, 4>(p, n0, n1, in);
  }
}

}  // namespace

}  // namespace lowspec::q4_0_decode
