// AVX2+FMA body for F32/F16/BF16 weights, the same two algorithms as matmul_float_avx512.cpp at
// 8 lanes: matrix-vector for M <= 4, packed GEMM with a 6x16 register tile (12 ymm accumulators)
// otherwise. Weights are widened to float exactly (F16C, shifts for bf16).
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

constexpr int kTileRows = 6;              // input rows per register tile
constexpr int kTileCols = 16;             // output columns per register tile (2 ymm)
constexpr int kDepth = 256;               // K per packed panel: a sliver is 16 KiB
constexpr int kPanelCols = 256;           // output columns per packed panel: 256 KiB
constexpr int kInputStride = kDepth + 8;  // floats between copied x rows
constexpr int64_t kInputRows = 480;       // x rows per copied block: 495 KiB

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

template <class W, int M>
LOWSPEC_AVX2 void decode(const MatmulProblem& p, int64_t n0, int64_t n1) {
  constexpr int R = kDecodeRows<M>;
  int64_t n = n0;
  for (; n + R <= n1; n += R) decode_rows<W, M, R>(p, n);
  for (; n < n1; ++n) decode_rows<W, M, 1>(p, n);
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

// Widens W[n0 .. n0+cols, k0 .. k0+depth) into slivers of kTileCols columns stored k-major:
// panel[s][k][j] = W[n0 + s*16 + j][k0 + k]. Columns past `cols` are zero.
template <class W>
LOWSPEC_AVX2 void pack_panel(const MatmulProblem& p, int64_t n0, int cols, int64_t k0, int depth,
                             float* panel) {
  const auto* w = static_cast<const typename W::Elem*>(p.w);
  const int slivers = (cols + kTileCols - 1) / kTileCols;
  const int vector_depth = depth / 8 * 8;
  for (int s = 0; s < slivers; ++s) {
    float* sliver = panel + static_cast<int64_t>(s) * depth * kTileCols;
    for (int half = 0; half < kTileCols / 8; ++half) {
      const int j0 = s * kTileCols + half * 8;
      const int rows = std::clamp(cols - j0, 0, 8);
      const int64_t next = n0 + j0 + 16;  // two groups on (prefetch.h)
      const int64_t next_rows = std::clamp<int64_t>(p.N - next, 0, 8);
      for (int kk = 0; kk < vector_depth; kk += 8) {
        if (kk % kLineElems<typename W::Elem> == 0)
          prefetch_rows(w + next * p.K + k0 + kk, next_rows, p.K);
        __m256 r[8];
        for (int i = 0; i < 8; ++i) {
          r[i] = i < rows ? W::load(w + (n0 + j0 + i) * p.K + k0 + kk) : _mm256_setzero_ps();
        }
        transpose8(r);
        for (int j = 0; j < 8; ++j) _mm256_store_ps(sliver + (kk + j) * kTileCols + half * 8, r[j]);
      }
      for (int k = vector_depth; k < depth; ++k) {
        for (int i = 0; i < 8; ++i) {
          sliver[k * kTileCols + half * 8 + i] =
              i < rows ? W::scalar(w + (n0 + j0 + i) * p.K + k0 + k) : 0.0f;
        }
      }
    }
  }
}

// y[0..ROWS, 0..cols) (+)= x[0..ROWS, 0..depth) · sliver; starts from bias (or 0) unless
// `accumulate`, when it adds to what earlier K blocks left in y.
template <int ROWS>
LOWSPEC_AVX2 void tile_kernel(const float* x, int64_t ldx, const float* sliver, int depth, float* y,
                              int64_t ldy, int cols, const float* bias, bool accumulate) {
  // A tile at the right edge (cols < 16) goes through `edge` instead of masked loads and stores:
  // GCC treats vmaskmov as touching any memory, kept the 12 sums in memory too and stored all of
  // them on every step (0.35 of the FMA peak).
  alignas(32) float edge[ROWS][kTileCols] = {};
  const bool full = cols == kTileCols;
  __m256 acc[ROWS][2];
  if (accumulate) {
    for (int i = 0; i < ROWS; ++i) {
      const float* from = y + i * ldy;
      if (!full) from = std::copy_n(from, cols, edge[i]) - cols;
      acc[i][0] = _mm256_loadu_ps(from);
      acc[i][1] = _mm256_loadu_ps(from + 8);
    }
  } else {
    const float* from = bias;
    if (bias && !full) from = std::copy_n(bias, cols, edge[0]) - cols;
    const __m256 b0 = bias ? _mm256_loadu_ps(from) : _mm256_setzero_ps();
    const __m256 b1 = bias ? _mm256_loadu_ps(from + 8) : _mm256_setzero_ps();
    for (int i = 0; i < ROWS; ++i) {
      acc[i][0] = b0;
      acc[i][1] = b1;
    }
  }
  for (int k = 0; k < depth; ++k) {
    const __m256 w0 = _mm256_load_ps(sliver + k * kTileCols);
    const __m256 w1 = _mm256_load_ps(sliver + k * kTileCols + 8);
    for (int i = 0; i < ROWS; ++i) {
      const __m256 xi = _mm256_set1_ps(x[i * ldx + k]);
      acc[i][0] = _mm256_fmadd_ps(xi, w0, acc[i][0]);
      acc[i][1] = _mm256_fmadd_ps(xi, w1, acc[i][1]);
    }
  }
  for (int i = 0; i < ROWS; ++i) {
    float* to = full ? y + i * ldy : edge[i];
    _mm256_storeu_ps(to, acc[i][0]);
    _mm256_storeu_ps(to + 8, acc[i][1]);
    if (!full) std::copy_n(edge[i], cols, y + i * ldy);
  }
}

template <size_t... I>
constexpr std::array<FloatTileKernel, sizeof...(I)> tile_kernels(std::index_sequence<I...>) {
  return {&tile_kernel<static_cast<int>(I) + 1>...};
}
// kTileKernels[r - 1] handles a tile of r input rows.
constexpr auto kTileKernels = tile_kernels(std::make_index_sequence<kTileRows>{});

// This file's pieces for the shared blocking and dispatch (matmul_float_blocking.h).
struct Avx2Body {
  static constexpr int kTileRows = lowspec::kTileRows;
  static constexpr int kTileCols = lowspec::kTileCols;
  static constexpr int kDepth = lowspec::kDepth;
  static constexpr int kPanelCols = lowspec::kPanelCols;
  static constexpr int kInputStride = lowspec::kInputStride;
  static constexpr int64_t kInputRows = lowspec::kInputRows;
  template <class W, int M>
  static void decode(const MatmulProblem& p, int64_t n0, int64_t n1) {
    lowspec::decode<W, M>(p, n0, n1);
  }
  template <class W>
  static void pack_panel(const MatmulProblem& p, int64_t n0, int cols, int64_t k0, int depth,
                         float* panel) {
    lowspec::pack_panel<W>(p, n0, cols, k0, depth, panel);
  }
  static FloatTileKernel tile_kernel(int rows) { return kTileKernels[rows - 1]; }
  template <class W>
  static void gemm(const MatmulProblem& p, int64_t n0, int64_t n1) {
    blocked_gemm<Avx2Body, W>(p, n0, n1);
  }
};

}  // namespace

void matmul_columns_avx2(const MatmulProblem& p, int64_t n0, int64_t n1) {
  float_columns_by_dtype<Avx2Body, F32Weights, F16Weights, BF16Weights>(p, n0, n1);
}

}  // namespace lowspec
