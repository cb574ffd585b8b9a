// AVX-512 body for F32/F16/BF16 weights; every weight is widened to float exactly and multiplied
// in float (FMA), so all three agree with float32 math to round-off.
//  - M <= 4 (decode): matrix-vector. Each weight row is streamed once (alone, or 4 rows together
//    when x is too big for L1), widened in registers and multiplied with all M input rows.
//  - M > 4 (prefill, encoders): GEMM with the weights broadcast. A block of x is transposed once
//    into slivers of 32 input rows (k-major); 12 weight rows at a time are widened, in their own
//    row-major order, into a small buffer; a 12x32 register tile (24 zmm accumulators) broadcasts
//    one weight per row and step against two x vectors. It gives y transposed, written back once
//    per panel. The weights were packed transposed before (x broadcast): on Zen 5, whose FMA rate
//    doubled, those 16x16 shuffle transposes of the big side cost a fifth of a BF16 prefill.
//    bench_matmul, TinyLlama shapes, 1 thread: F32 0.73-0.76 -> 0.84-0.89 of the FMA peak, BF16
//    0.75-0.82 -> 0.83-0.84; BF16 prefill of 128 on the three decoders 0.59-0.72 -> 0.70-0.80
//    (BENCHMARKS.md, session 8).
// Functions carry the target attribute (no per-file -m flags), so nothing here can leak AVX-512
// code into shared inline functions; matmul() calls in only after checking cpu_features().
#include <immintrin.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <utility>

#include "core/aligned_buffer.h"
#include "kernels/matmul_dispatch.h"
#include "kernels/matmul_float_blocking.h"
#include "kernels/prefetch.h"

#define LOWSPEC_AVX512 __attribute__((target("avx512f,avx512bw,avx512vl,fma,f16c")))

namespace lowspec {

namespace {

constexpr int kTileRows = 12;                // weight rows per register tile (broadcast)
constexpr int kTileCols = 32;                // input rows per register tile (2 zmm)
constexpr int kDepth = 512;                  // K per block: 12 widened weight rows are 25 KiB (L1)
constexpr int kWeightStride = kDepth + 16;   // floats between widened weight rows: not 4 KiB apart
constexpr int kPanelCols = 1024;             // output columns per y panel (transposed: 768 KiB)
constexpr int64_t kInputRows = 192;          // x rows per transposed block: 384 KiB (L2)
constexpr int kDecodeRows = 4;               // weight rows per pass when x does not stay in L1
constexpr int64_t kL1InputBytes = 16 << 10;  // half of L1: the rest holds the weight stream

// Masked forms with all lanes set stand in for some unmasked intrinsics: GCC 12's versions of
// those start from _mm512_undefined_*() and trip -Wuninitialized once inlined.
constexpr __mmask16 kAllLanes = 0xffff;

// 16 consecutive weights widened to float.
struct F32Weights {
  using Elem = float;
  LOWSPEC_AVX512 static __m512 load(const float* p, __mmask16 mask) {
    return _mm512_maskz_loadu_ps(mask, p);
  }
};
struct F16Weights {
  using Elem = uint16_t;
  LOWSPEC_AVX512 static __m512 load(const uint16_t* p, __mmask16 mask) {
    return _mm512_maskz_cvtph_ps(kAllLanes, _mm256_maskz_loadu_epi16(mask, p));
  }
};
struct BF16Weights {  // bf16 is the top half of a float: widening is a shift
  using Elem = uint16_t;
  LOWSPEC_AVX512 static __m512 load(const uint16_t* p, __mmask16 mask) {
    __m512i wide = _mm512_maskz_cvtepu16_epi32(kAllLanes, _mm256_maskz_loadu_epi16(mask, p));
    return _mm512_castsi512_ps(_mm512_maskz_slli_epi32(kAllLanes, wide, 16));
  }
};

LOWSPEC_AVX512 inline __mmask16 first_lanes(int64_t n) {
  return n >= 16 ? kAllLanes : static_cast<__mmask16>((1u << n) - 1);
}

LOWSPEC_AVX512 inline float horizontal_sum(__m512 v) {
  const __m256 lo = _mm512_castps512_ps256(v);
  const __m256 hi = _mm256_castpd_ps(_mm512_maskz_extractf64x4_pd(0xf, _mm512_castps_pd(v), 1));
  const __m256 sum8 = _mm256_add_ps(lo, hi);
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(sum8), _mm256_extractf128_ps(sum8, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}

// ---- decode: matrix-vector ----

// y[0..M, n..n+R): R weight rows streamed together, each x vector used R times.
template <class W, int M, int R>
LOWSPEC_AVX512 void decode_rows(const MatmulProblem& p, int64_t n) {
  const int64_t K = p.K;
  const auto* w = static_cast<const typename W::Elem*>(p.w) + n * K;
  __m512 acc[R][M];
  for (int r = 0; r < R; ++r)
    for (int m = 0; m < M; ++m) acc[r][m] = _mm512_setzero_ps();
  for (int64_t k = 0; k < K; k += 16) {
    const __mmask16 mask = first_lanes(K - k);
    __m512 xv[M];
    for (int m = 0; m < M; ++m) xv[m] = _mm512_maskz_loadu_ps(mask, p.x + m * K + k);
    for (int r = 0; r < R; ++r) {
      if (k % kLineElems<typename W::Elem> == 0) {
        constexpr int64_t elem = sizeof(typename W::Elem);
        prefetch_group_ahead(w + r * K, k * elem, K * elem, R);
      }
      const __m512 wv = W::load(w + r * K + k, mask);
      for (int m = 0; m < M; ++m) acc[r][m] = _mm512_fmadd_ps(wv, xv[m], acc[r][m]);
    }
  }
  for (int r = 0; r < R; ++r) {
    const float b = p.bias ? p.bias[n + r] : 0.0f;
    for (int m = 0; m < M; ++m) p.y[m * p.N + n + r] = horizontal_sum(acc[r][m]) + b;
  }
}

// y[0..M, n): one weight row streamed front to back, 4 vectors per step into 4*M independent
// accumulators; the weights form a single sequential stream.
template <class W, int M>
LOWSPEC_AVX512 void decode_row(const MatmulProblem& p, int64_t n) {
  constexpr int kUnroll = 4;
  const int64_t K = p.K;
  const auto* w = static_cast<const typename W::Elem*>(p.w) + n * K;
  __m512 acc[kUnroll][M];
  for (int u = 0; u < kUnroll; ++u)
    for (int m = 0; m < M; ++m) acc[u][m] = _mm512_setzero_ps();
  int64_t k = 0;
  for (; k + 16 * kUnroll <= K; k += 16 * kUnroll) {
    prefetch_ahead(w + k, 16 * kUnroll * static_cast<int64_t>(sizeof(*w)));
    for (int u = 0; u < kUnroll; ++u) {
      const __m512 wv = W::load(w + k + 16 * u, kAllLanes);
      for (int m = 0; m < M; ++m) {
        acc[u][m] = _mm512_fmadd_ps(wv, _mm512_loadu_ps(p.x + m * K + k + 16 * u), acc[u][m]);
      }
    }
  }
  for (; k < K; k += 16) {  // at most 3 more vectors: one accumulator (a constant index keeps
                            // acc in registers)
    const __mmask16 mask = first_lanes(K - k);
    const __m512 wv = W::load(w + k, mask);
    for (int m = 0; m < M; ++m) {
      acc[0][m] = _mm512_fmadd_ps(wv, _mm512_maskz_loadu_ps(mask, p.x + m * K + k), acc[0][m]);
    }
  }
  const float b = p.bias ? p.bias[n] : 0.0f;
  for (int m = 0; m < M; ++m) {
    const __m512 sum =
        _mm512_add_ps(_mm512_add_ps(acc[0][m], acc[1][m]), _mm512_add_ps(acc[2][m], acc[3][m]));
    p.y[m * p.N + n] = horizontal_sum(sum) + b;
  }
}

// ---- prefill: packed GEMM ----

// In-register transpose of a 16x16 block: r[i][j] -> r[j][i].
LOWSPEC_AVX512 void transpose16(__m512 r[16]) {
  __m512 t[16];
  for (int i = 0; i < 8; ++i) {
    t[2 * i] = _mm512_unpacklo_ps(r[2 * i], r[2 * i + 1]);
    t[2 * i + 1] = _mm512_unpackhi_ps(r[2 * i], r[2 * i + 1]);
  }
  // Now r[4i + c] holds, in 128-bit lane L, column 4L + c of rows 4i..4i+3.
  for (int i = 0; i < 4; ++i) {
    const __m512d a = _mm512_castps_pd(t[4 * i]), b = _mm512_castps_pd(t[4 * i + 1]);
    const __m512d c = _mm512_castps_pd(t[4 * i + 2]), d = _mm512_castps_pd(t[4 * i + 3]);
    r[4 * i] = _mm512_castpd_ps(_mm512_unpacklo_pd(a, c));
    r[4 * i + 1] = _mm512_castpd_ps(_mm512_unpackhi_pd(a, c));
    r[4 * i + 2] = _mm512_castpd_ps(_mm512_unpacklo_pd(b, d));
    r[4 * i + 3] = _mm512_castpd_ps(_mm512_unpackhi_pd(b, d));
  }
  // 4x4 transpose of 128-bit lanes across r[c], r[4+c], r[8+c], r[12+c].
  for (int c = 0; c < 4; ++c) {
    const __m512 u0 = _mm512_shuffle_f32x4(r[c], r[4 + c], 0x44);
    const __m512 u1 = _mm512_shuffle_f32x4(r[8 + c], r[12 + c], 0x44);
    const __m512 u2 = _mm512_shuffle_f32x4(r[c], r[4 + c], 0xee);
    const __m512 u3 = _mm512_shuffle_f32x4(r[8 + c], r[12 + c], 0xee);
    t[c] = _mm512_shuffle_f32x4(u0, u1, 0x88);
    t[4 + c] = _mm512_shuffle_f32x4(u0, u1, 0xdd);
    t[8 + c] = _mm512_shuffle_f32x4(u2, u3, 0x88);
    t[12 + c] = _mm512_shuffle_f32x4(u2, u3, 0xdd);
  }
  for (int i = 0; i < 16; ++i) r[i] = t[i];
}

// yt[0..ROWS, 0..32) (+)= w[0..ROWS, 0..depth) · sliver[depth, 32]: each of ROWS widened weight
// rows (ldw apart) broadcast one weight per step against two vectors of transposed input rows.
// Starts from zero unless `accumulate`, when it adds to what earlier K blocks left in yt.
template <int ROWS>
LOWSPEC_AVX512 void tile_kernel(const float* w, int64_t ldw, const float* sliver, int depth,
                                float* yt, int64_t ldyt, bool accumulate, LinesAhead ahead) {
  __m512 acc[ROWS][2];
  for (int i = 0; i < ROWS; ++i) {
    acc[i][0] = accumulate ? _mm512_load_ps(yt + i * ldyt) : _mm512_setzero_ps();
    acc[i][1] = accumulate ? _mm512_load_ps(yt + i * ldyt + 16) : _mm512_setzero_ps();
  }
  int countdown = ahead.every;
  int64_t line = 0;
  for (int k = 0; k < depth; ++k) {
    if (--countdown == 0 && ahead.rows > 0) {
      countdown = ahead.every;
      __builtin_prefetch(ahead.row + line * 64, 0, 3);
      if (++line == ahead.row_lines) {
        line = 0;
        ahead.row += ahead.stride;
        --ahead.rows;
      }
    }
    const __m512 x0 = _mm512_load_ps(sliver + k * kTileCols);
    const __m512 x1 = _mm512_load_ps(sliver + k * kTileCols + 16);
    for (int i = 0; i < ROWS; ++i) {
      const __m512 wi = _mm512_set1_ps(w[i * ldw + k]);
      acc[i][0] = _mm512_fmadd_ps(wi, x0, acc[i][0]);
      acc[i][1] = _mm512_fmadd_ps(wi, x1, acc[i][1]);
    }
  }
  for (int i = 0; i < ROWS; ++i) {
    _mm512_store_ps(yt + i * ldyt, acc[i][0]);
    _mm512_store_ps(yt + i * ldyt + 16, acc[i][1]);
  }
}

template <size_t... I>
constexpr std::array<TileKernel, sizeof...(I)> tile_kernels(std::index_sequence<I...>) {
  return {&tile_kernel<static_cast<int>(I) + 1>...};
}
// kTileKernels[r - 1] handles a tile of r weight rows.
constexpr auto kTileKernels = tile_kernels(std::make_index_sequence<kTileRows>{});

// The AVX-512 body of the shared blocking and dispatch (matmul_float_blocking.h): its sizes,
// decode and the GEMM steps broadcast_gemm calls.
// F32 weights are widened too: the 12 tile rows, K = 2048 apart, would share one 8-way L1 set.
struct Avx512Body
    : FloatBodySizes<kTileRows, kTileCols, kDepth, kWeightStride, kPanelCols, kInputRows, false> {
  // One row at a time while x stays in L1 next to the weight stream; past that, 4 rows per pass
  // so each x vector fetched from L2 serves 4 rows (measured: K = 2048/2560 faster with one row,
  // K = 5632 with four).
  template <class W, int M>
  static LOWSPEC_AVX512 void decode(const MatmulProblem& p, int64_t n0, int64_t n1) {
    if (M * p.K * static_cast<int64_t>(sizeof(float)) <= kL1InputBytes) {
      for (int64_t n = n0; n < n1; ++n) decode_row<W, M>(p, n);
      return;
    }
    int64_t n = n0;
    for (; n + kDecodeRows <= n1; n += kDecodeRows) decode_rows<W, M, kDecodeRows>(p, n);
    switch (n1 - n) {
      case 3:
        decode_rows<W, M, 3>(p, n);
        break;
      case 2:
        decode_rows<W, M, 2>(p, n);
        break;
      case 1:
        decode_rows<W, M, 1>(p, n);
        break;
      default:
        break;
    }
  }

  // xt[s][k][j] = x[32 s + j][k] for k < depth, j < 32: rows past `rows` are zero, up to a whole
  // sliver.
  static LOWSPEC_AVX512 void transpose_input(const float* x, int64_t ldx, int rows, int depth,
                                             float* xt) {
    const int slivers = (rows + kTileCols - 1) / kTileCols;
    for (int s = 0; s < slivers; ++s) {
      float* sliver = xt + static_cast<int64_t>(s) * depth * kTileCols;
      for (int half = 0; half < kTileCols / 16; ++half) {
        const int j0 = s * kTileCols + half * 16;
        const int n = std::clamp(rows - j0, 0, 16);
        for (int kk = 0; kk < depth; kk += 16) {
          const int width = std::min(16, depth - kk);
          const __mmask16 mask = first_lanes(width);
          __m512 r[16];
          for (int i = 0; i < 16; ++i) {
            r[i] =
                i < n ? _mm512_maskz_loadu_ps(mask, x + (j0 + i) * ldx + kk) : _mm512_setzero_ps();
          }
          transpose16(r);
          for (int j = 0; j < width; ++j)
            _mm512_store_ps(sliver + (kk + j) * kTileCols + half * 16, r[j]);
        }
      }
    }
  }

  // out[i][k] = W[n + i][k0 + k] as float, first <= i < last, k < depth; rows kWeightStride apart.
  template <class W>
  static LOWSPEC_AVX512 void widen_rows(const MatmulProblem& p, int64_t n, int first, int last,
                                        int64_t k0, int depth, float* out) {
    const auto* w = static_cast<const typename W::Elem*>(p.w) + n * p.K + k0;
    for (int i = first; i < last; ++i) {
      for (int k = 0; k < depth; k += 16)
        _mm512_store_ps(out + i * kWeightStride + k,
                        W::load(w + i * p.K + k, first_lanes(depth - k)));
    }
  }

  // y[m][j] = yt[j][m] (+ bias[j]) for m < rows, j < cols.
  static LOWSPEC_AVX512 void store_transposed(const float* yt, int64_t ldyt, int rows, int cols,
                                              const float* bias, float* y, int64_t ldy) {
    for (int j0 = 0; j0 < cols; j0 += 16) {
      const __mmask16 mask = first_lanes(cols - j0);
      const __m512 b = bias ? _mm512_maskz_loadu_ps(mask, bias + j0) : _mm512_setzero_ps();
      for (int m0 = 0; m0 < rows; m0 += 16) {
        __m512 r[16];
        for (int j = 0; j < 16; ++j)
          r[j] = j0 + j < cols ? _mm512_load_ps(yt + (j0 + j) * ldyt + m0) : _mm512_setzero_ps();
        transpose16(r);
        for (int m = 0; m < std::min(16, rows - m0); ++m)
          _mm512_mask_storeu_ps(y + (m0 + m) * ldy + j0, mask, _mm512_add_ps(r[m], b));
      }
    }
  }

  static TileKernel tile_kernel(int rows) { return kTileKernels[rows - 1]; }
  template <class W>
  static void gemm(const MatmulProblem& p, int64_t n0, int64_t n1) {
    broadcast_gemm<Avx512Body, W>(p, n0, n1);
  }
};

}  // namespace

void matmul_columns_avx512(const MatmulProblem& p, int64_t n0, int64_t n1) {
  float_columns_by_dtype<Avx512Body, F32Weights, F16Weights, BF16Weights>(p, n0, n1);
}

}  // namespace lowspec
