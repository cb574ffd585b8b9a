// Q4_0 decode's step reader for cores with AVX512_VBMI and GFNI (Ice Lake, Zen 4 and later): a
// step's 288 bytes in five loads (64 x 4 + 32), each quad one byte permute of two of them (blocks
// 4g..4g+3 are the 72 bytes at 72 g), the 16 scales three word permutes, high nibbles by one
// gf2p8affine. The rest of the body is
// matmul_q4_0_decode_avx512.h's.
#pragma GCC push_options
#pragma GCC target("avx512f,avx512bw,avx512vl,avx512vnni,avx512vbmi,gfni,fma,f16c")
#include "kernels/matmul_q4_0_decode_avx512.h"

namespace lowspec::q4_0_decode {

namespace {

struct PermuteTables {
  alignas(64) uint8_t quad[4][64];  // byte indices into (v[g], v[g + 1])
  alignas(
      64) uint16_t dw[3][32];  // word indices: blocks 0-7 in (v0, v1), 8-14 in (v2, v3), 15 in v4
  __mmask32 from_second = 0, from_last = 0;  // lanes taking dw[1], dw[2]
};

// constexpr: built by the compiler, so no AVX-512 code runs at load time on a core without it.
constexpr PermuteTables make_tables() {
  PermuteTables t{};
  for (int g = 0; g < 4; ++g) {
    for (int j = 0; j < 4; ++j) {
      for (int i = 0; i < 16; ++i)
        t.quad[g][16 * j + i] = static_cast<uint8_t>(8 * g + 18 * j + 2 + i);
    }
  }
  for (int lane = 0; lane < kStepBlocks; ++lane) {
    const int b = transposed_block(lane);  // its scale is word 9 b of the step
    const int table = b < 8 ? 0 : b < 15 ? 1 : 2;
    t.dw[table][lane] = static_cast<uint16_t>(9 * b - 64 * table);
    if (table == 1) t.from_second |= 1u << lane;
    if (table == 2) t.from_last |= 1u << lane;
  }
  return t;
}

constexpr PermuteTables kTables = make_tables();

struct PermuteReader {
  static inline __attribute__((always_inline)) Q4Step load(const BlockQ4_0* w) {
    const char* bytes = reinterpret_cast<const char*>(w);
    __m512i v[5];
    for (int i = 0; i < 4; ++i) v[i] = _mm512_loadu_si512(bytes + 64 * i);
    v[4] =
        _mm512_zextsi256_si512(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(bytes + 256)));
    Q4Step st;
    for (int g = 0; g < 4; ++g) {
      st.quad[g] = _mm512_permutex2var_epi8(v[g], _mm512_load_si512(kTables.quad[g]), v[g + 1]);
    }
    __m512i dw = _mm512_permutex2var_epi16(v[0], _mm512_load_si512(kTables.dw[0]), v[1]);
    dw = _mm512_mask_blend_epi16(
        kTables.from_second, dw,
        _mm512_permutex2var_epi16(v[2], _mm512_load_si512(kTables.dw[1]), v[3]));
    dw = _mm512_mask_blend_epi16(kTables.from_last, dw,
                                 _mm512_permutexvar_epi16(_mm512_load_si512(kTables.dw[2]), v[4]));
    st.dw = _mm512_cvtph_ps(_mm512_castsi512_si256(dw));
    return st;
  }
  // One GF(2) affine byte transform: bits 4-7 to 0-3, zeros above (8 % faster than shift + and).
  static inline __attribute__((always_inline)) __m512i high(__m512i v) {
    return _mm512_gf2p8affine_epi64_epi8(v, _mm512_set1_epi64(0x1020408000000000LL), 0);
  }
};

}  // namespace

void decode_q4_0_vbmi(const QuantMatmulProblem& p, int64_t n0, int64_t n1,
                      const Q4DecodeInput& in) {
  decode<PermuteReader>(p, n0, n1, in);
}

}  // namespace lowspec::q4_0_decode
#pragma GCC pop_options
