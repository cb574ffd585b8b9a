// The part of the float matmul bodies that is the same on every ISA: which path a call takes
// (Body::decode<W, M> for M <= 4, Body::gemm<W> otherwise), and blocked_gemm, a GEMM cache
// blocking with the weights packed (AVX2's): x copied in blocks of Body::kInputRows rows x
// Body::kDepth of K to a padded stride, W widened and packed Body::kPanelCols columns at a time,
// register tiles walking both. A Body using it supplies:
//   kTileRows, kTileCols, kDepth, kPanelCols, kInputStride, kInputRows (sizes),
//   pack_panel<W>(p, n0, cols, k0, depth, panel) and
//   tile_kernel(rows): its register tile for `rows` input rows.
// These templates carry no target attribute: they only loop and call the ISA's functions.
#pragma once
#include <algorithm>
#include <cstdint>

#include "core/aligned_buffer.h"
#include "kernels/matmul_dispatch.h"

namespace lowspec {

// y[rows, cols] = x[rows, depth] . sliver[depth, cols], added to y when `accumulate`, else
// starting from the bias (or zero).
using FloatTileKernel = void (*)(const float* x, int64_t ldx, const float* sliver, int depth,
                                 float* y, int64_t ldy, int cols, const float* bias,
                                 bool accumulate);

// Rows for the next register tile when `left` rows remain: full tiles, except that a short last
// tile (at most half a tile) shares the rows of the one before it, 6 + 2 -> 4 + 4. A tile keeps
// both FMA pipes busy only with enough independent sums (4 rows x 2 vectors on AVX2), so two
// middling tiles beat a full one and a thin one.
constexpr int tile_height(int64_t left, int tile_rows) {
  if (left <= tile_rows) return static_cast<int>(left);
  if (left < tile_rows + tile_rows / 2 + 1) return static_cast<int>((left + 1) / 2);
  return tile_rows;
}

template <class Body, class W>
void blocked_gemm(const MatmulProblem& p, int64_t n0, int64_t n1) {
  thread_local AlignedBuffer<float> panel, input;
  panel.resize(static_cast<size_t>(Body::kPanelCols) * Body::kDepth);
  input.resize(static_cast<size_t>(Body::kInputRows) * Body::kInputStride);
  for (int64_t mc = 0; mc < p.M; mc += Body::kInputRows) {
    const int64_t rows = std::min<int64_t>(Body::kInputRows, p.M - mc);
    for (int64_t k0 = 0; k0 < p.K; k0 += Body::kDepth) {
      const int depth = static_cast<int>(std::min<int64_t>(Body::kDepth, p.K - k0));
      // x rows copied kInputStride floats apart: the model's own row stride is often a multiple
      // of 4 KiB (K = 2048: 8 KiB), which would put every row of a tile in the same L1 sets.
      for (int64_t i = 0; i < rows; ++i) {
        std::copy_n(p.x + (mc + i) * p.K + k0, depth, input.data() + i * Body::kInputStride);
      }
      for (int64_t nc = n0; nc < n1; nc += Body::kPanelCols) {
        const int cols = static_cast<int>(std::min<int64_t>(Body::kPanelCols, n1 - nc));
        Body::template pack_panel<W>(p, nc, cols, k0, depth, panel.data());
        for (int64_t m0 = 0; m0 < rows;) {
          const int height = tile_height(rows - m0, Body::kTileRows);
          const FloatTileKernel kernel = Body::tile_kernel(height);
          for (int j = 0; j < cols; j += Body::kTileCols) {
            const int64_t n = nc + j;
            kernel(input.data() + m0 * Body::kInputStride, Body::kInputStride,
                   panel.data() + static_cast<int64_t>(j) * depth, depth, p.y + (mc + m0) * p.N + n,
                   p.N, std::min(Body::kTileCols, cols - j), p.bias ? p.bias + n : nullptr, k0 > 0);
          }
          m0 += height;
        }
      }
    }
  }
}

// Columns [n0, n1) of y for weights W: matrix-vector for up to 4 input rows, the body's GEMM
// beyond.
template <class Body, class W>
void float_columns(const MatmulProblem& p, int64_t n0, int64_t n1) {
  switch (p.M) {
    case 1:
      return Body::template decode<W, 1>(p, n0, n1);
    case 2:
      return Body::template decode<W, 2>(p, n0, n1);
    case 3:
      return Body::template decode<W, 3>(p, n0, n1);
    case 4:
      return Body::template decode<W, 4>(p, n0, n1);
    default:
      return Body::template gemm<W>(p, n0, n1);
  }
}

// The three float weight dtypes (matmul_with_isa() admits no other here).
template <class Body, class F32, class F16, class BF16>
void float_columns_by_dtype(const MatmulProblem& p, int64_t n0, int64_t n1) {
  switch (p.w_dtype) {
    case DType::F16:
      return float_columns<Body, F16>(p, n0, n1);
    case DType::BF16:
      return float_columns<Body, BF16>(p, n0, n1);
    default:
      return float_columns<Body, F32>(p, n0, n1);
  }
}

}  // namespace lowspec
