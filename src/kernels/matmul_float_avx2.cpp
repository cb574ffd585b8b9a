// AVX2+FMA body for F32/F16/BF16 weights, the same two algorithms as matmul_float_avx512.cpp at
// 8 lanes: matrix-vector for M <= 4, otherwise the weight-broadcast GEMM of
// matmul_float_blocking.h with a 6x16 register tile (6 weight rows by 16 input rows, 12 ymm
// accumulators). Weights are widened to float exactly (F16C, shifts for bf16). On Zen 3 the
// packed form before it (x broadcast against weights packed transposed, y read and written once
// per kDepth) reached 0.72-0.86 of the FMA peak, 10-14 % of the time in its pack; this one
// 0.86-0.89 (bench_matmul, TinyLlama shapes, 1 thread, BENCHMARKS.md session 14).
#include <immintrin.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <utility>

#include "core/aligned_buffer.h"
#include "core/half.h"
#include "kernels/matmul_dispatch.h"
#include "kernels/matmul_float_blocking.h"
#include "kernels/prefetch.h"

#define LOWSPEC_AVX2 __attribute__((target("avx2,fma,f16c")))

namespace lowspec {

namespace {

constexpr int kTileRows = 6;               // weight rows per register tile (broadcast)
constexpr int kTileCols = 16;              // input rows per register tile (2 ymm)
constexpr int kDepth = 512;                // K per block: a sliver of x is 32 KiB (256: as fast)
constexpr int kWeightStride = kDepth + 8;  // floats between widened weight rows: not 4 KiB apart
constexpr int kPanelCols = 256;            // output columns per y panel (transposed: 192 KiB)
constexpr int64_t kInputRows = 192;        // x rows per transposed block: 384 KiB per kDepth

// 8 consecutive weights widened to float; `scalar` widens one (for K tails).
struct F32Weights {
  using Elem = float;
  LOWSPEC_AVX2 static __m256 load(const float* p) { return _mm256_loadu_ps(p); }
  static float scalar(const float* p) { return *p; }
};
struct F16Weights {
  using Elem = uint16_t;
  LOWSPEC_AVX2 static __m256 load(const uint16_t* p) {
    return _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
  }
  static float scalar(const uint16_t* p) { return f16_to_f32(*p); }
};
struct BF16Weights {
  using Elem = uint16_t;
  LOWSPEC_AVX2 static __m256 load(const uint16_t* p) {
    __m256i wide = _mm256_cvtepu16_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
    return _mm256_castsi256_ps(_mm256_slli_epi32(wide, 16));
  }
  static float scalar(const uint16_t* p) { return bf16_to_f32(*p); }
};

LOWSPEC_AVX2 inline float horizontal_sum(__m256 v) {
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}

// ---- decode: matrix-vector ----

// 16 ymm registers: 4 weight rows at a time for M <= 2, 2 for more input rows.
template <int M>
constexpr int kDecodeRows = M <= 2 ? 4 : 2;

template <class W, int M, int R>
LOWSPEC_AVX2 void decode_rows(const MatmulProblem& p, int64_t n) {
  const int64_t K = p.K;
  const auto* w = static_cast<const typename W::Elem*>(p.w) + n * K;
  __m256 acc[R][M];
  for (int r = 0; r < R; ++r)
    for (int m = 0; m < M; ++m) acc[r][m] = _mm256_setzero_ps();
  int64_t k = 0;
  for (; k + 8 <= K; k += 8) {
    __m256 xv[M];
    for (int m = 0; m < M; ++m) xv[m] = _mm256_loadu_ps(p.x + m * K + k);
    for (int r = 0; r < R; ++r) {
      if (k % kLineElems<typename W::Elem> == 0) {
        constexpr int64_t elem = sizeof(typename W::Elem);
        prefetch_group_ahead(w + r * K, k * elem, K * elem, R);
      }
      const __m256 wv = W::load(w + r * K + k);
      for (int m = 0; m < M; ++m) acc[r][m] = _mm256_fmadd_ps(wv, xv[m], acc[r][m]);
    }
  }
  for (int r = 0; r < R; ++r) {
    const float b = p.bias ? p.bias[n + r] : 0.0f;
    for (int m = 0; m < M; ++m) {
      float sum = horizontal_sum(acc[r][m]);
      for (int64_t t = k; t < K; ++t) sum += p.x[m * K + t] * W::scalar(w + r * K + t);
      p.y[m * p.N + n + r] = sum + b;
    }
  }
}

// ---- prefill: packed GEMM ----

// In-register transpose of an 8x8 block: r[i][j] -> r[j][i].
__attribute__((always_inline, target("avx2,fma,f16c"))) inline void transpose8(__m256 r[8]) {
  __m256 t[8], u[8];
  for (int i = 0; i < 4; ++i) {
    t[2 * i] = _mm256_unpacklo_ps(r[2 * i], r[2 * i + 1]);
    t[2 * i + 1] = _mm256_unpackhi_ps(r[2 * i], r[2 * i + 1]);
  }
  // u[4h + c] holds, in 128-bit lane L, column 4L + c of rows 4h..4h+3.
  for (int h = 0; h < 2; ++h) {
    u[4 * h] = _mm256_shuffle_ps(t[4 * h], t[4 * h + 2], 0x44);
    u[4 * h + 1] = _mm256_shuffle_ps(t[4 * h], t[4 * h + 2], 0xee);
    u[4 * h + 2] = _mm256_shuffle_ps(t[4 * h + 1], t[4 * h + 3], 0x44);
    u[4 * h + 3] = _mm256_shuffle_ps(t[4 * h + 1], t[4 * h + 3], 0xee);
  }
  for (int c = 0; c < 4; ++c) {
    r[c] = _mm256_permute2f128_ps(u[c], u[4 + c], 0x20);
    r[4 + c] = _mm256_permute2f128_ps(u[c], u[4 + c], 0x31);
  }
}

// yt[0..ROWS, 0..16) (+)= w[0..ROWS, 0..depth) . sliver[depth, 16]: each of ROWS widened weight
// rows (ldw apart) broadcast one weight per step against two vectors of transposed input rows.
// Starts from zero unless `accumulate`, when it adds to what earlier K blocks left in yt.
template <int ROWS>
LOWSPEC_AVX2 void tile_kernel(const float* w, int64_t ldw, const float* sliver, int depth,
                              float* yt, int64_t ldyt, bool accumulate, LinesAhead ahead) {
  __m256 acc[ROWS][2];
  for (int i = 0; i < ROWS; ++i) {
    if (accumulate) {
      acc[i][0] = _mm256_load_ps(yt + i * ldyt);
      acc[i][1] = _mm256_load_ps(yt + i * ldyt + 8);
    } else {
      acc[i][0] = acc[i][1] = _mm256_setzero_ps();
    }
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
    const __m256 x0 = _mm256_load_ps(sliver + k * kTileCols);
    const __m256 x1 = _mm256_load_ps(sliver + k * kTileCols + 8);
    for (int i = 0; i < ROWS; ++i) {
      // set1 of a loaded float, not _mm256_broadcast_ss: with the latter GCC 12 stored every sum
      // to memory on every step (the pointer argument may alias them).
      const __m256 wi = _mm256_set1_ps(w[i * ldw + k]);
      acc[i][0] = _mm256_fmadd_ps(wi, x0, acc[i][0]);
      acc[i][1] = _mm256_fmadd_ps(wi, x1, acc[i][1]);
    }
  }
  for (int i = 0; i < ROWS; ++i) {
    _mm256_store_ps(yt + i * ldyt, acc[i][0]);
    _mm256_store_ps(yt + i * ldyt + 8, acc[i][1]);
  }
}

template <size_t... I>
constexpr std::array<TileKernel, sizeof...(I)> tile_kernels(std::index_sequence<I...>) {
  return {&tile_kernel<static_cast<int>(I) + 1>...};
}
// kTileKernels[r - 1] handles a tile of r weight rows.
constexpr auto kTileKernels = tile_kernels(std::make_index_sequence<kTileRows>{});

// The AVX2 body of the shared blocking and dispatch (matmul_float_blocking.h): its sizes, decode
// and the GEMM steps broadcast_gemm calls.
struct Avx2Body
    : FloatBodySizes<kTileRows, kTileCols, kDepth, kWeightStride, kPanelCols, kInputRows, true> {
  template <class W, int M>
  static LOWSPEC_AVX2 void decode(const MatmulProblem& p, int64_t n0, int64_t n1) {
    constexpr int R = kDecodeRows<M>;
    int64_t n = n0;
    for (; n + R <= n1; n += R) decode_rows<W, M, R>(p, n);
    for (; n < n1; ++n) decode_rows<W, M, 1>(p, n);
  }

  // xt[s][k][j] = x[16 s + j][k] for k < depth, j < 16: rows past `rows` are zero, up to a whole
  // sliver.
  static LOWSPEC_AVX2 void transpose_input(const float* x, int64_t ldx, int rows, int depth,
                                           float* xt) {
    const int slivers = (rows + kTileCols - 1) / kTileCols;
    for (int s = 0; s < slivers; ++s) {
      float* sliver = xt + static_cast<int64_t>(s) * depth * kTileCols;
      for (int half = 0; half < kTileCols / 8; ++half) {
        const int j0 = s * kTileCols + half * 8;
        const int n = std::clamp(rows - j0, 0, 8);
        for (int kk = 0; kk < depth; kk += 8) {
          const int width = std::min(8, depth - kk);
          __m256 r[8];
          for (int i = 0; i < 8; ++i) {
            alignas(32) float part[8] = {};
            const float* from = x + (j0 + i) * ldx + kk;
            if (i < n && width < 8) std::copy_n(from, width, part);
            r[i] = i >= n       ? _mm256_setzero_ps()
                   : width == 8 ? _mm256_loadu_ps(from)
                                : _mm256_load_ps(part);
          }
          transpose8(r);
          for (int j = 0; j < width; ++j)
            _mm256_store_ps(sliver + (kk + j) * kTileCols + half * 8, r[j]);
        }
      }
    }
  }

  // out[i][k] = W[n + i][k0 + k] as float, first <= i < last, k < depth; rows kWeightStride apart.
  template <class W>
  static LOWSPEC_AVX2 void widen_rows(const MatmulProblem& p, int64_t n, int first, int last,
                                      int64_t k0, int depth, float* out) {
    const auto* w = static_cast<const typename W::Elem*>(p.w) + n * p.K + k0;
    for (int i = first; i < last; ++i) {
      int k = 0;
      for (; k + 8 <= depth; k += 8)
        _mm256_store_ps(out + i * kWeightStride + k, W::load(w + i * p.K + k));
      for (; k < depth; ++k) out[i * kWeightStride + k] = W::scalar(w + i * p.K + k);
    }
  }

  // y[m][j] = yt[j][m] (+ bias[j]) for m < rows, j < cols.
  static LOWSPEC_AVX2 void store_transposed(const float* yt, int64_t ldyt, int rows, int cols,
                                            const float* bias, float* y, int64_t ldy) {
    for (int j0 = 0; j0 < cols; j0 += 8) {
      const int width = std::min(8, cols - j0);
      alignas(32) float b[8] = {};
      if (bias) std::copy_n(bias + j0, width, b);
      const __m256 bv = _mm256_load_ps(b);
      for (int m0 = 0; m0 < rows; m0 += 8) {  // yt's rows are whole slivers: m0 + 8 <= ldyt
        __m256 r[8];
        for (int j = 0; j < 8; ++j)
          r[j] = j < width ? _mm256_load_ps(yt + (j0 + j) * ldyt + m0) : _mm256_setzero_ps();
        transpose8(r);
        for (int m = 0; m < std::min(8, rows - m0); ++m) {
          const __m256 v = _mm256_add_ps(r[m], bv);
          if (width == 8) {
            _mm256_storeu_ps(y + (m0 + m) * ldy + j0, v);
          } else {
            alignas(32) float part[8];
            _mm256_store_ps(part, v);
            std::copy_n(part, width, y + (m0 + m) * ldy + j0);
          }
        }
      }
    }
  }

  static TileKernel tile_kernel(int rows) { return kTileKernels[rows - 1]; }
  template <class W>
  static void gemm(const MatmulProblem& p, int64_t n0, int64_t n1) {
    broadcast_gemm<Avx2Body, W>(p, n0, n1);
  }
};

}  // namespace

void matmul_columns_avx2(const MatmulProblem& p, int64_t n0, int64_t n1) {
  float_columns_by_dtype<Avx2Body, F32Weights, F16Weights, BF16Weights>(p, n0, n1);
}

}  // namespace lowspec
