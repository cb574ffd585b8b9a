// The part of the float matmul bodies that is the same on every ISA: which path a call takes
// (Body::decode<W, M> for M <= 4, Body::gemm<W> otherwise), and broadcast_gemm, the GEMM's cache
// blocking around the ISA's register tiles (AVX2, AVX-512). These templates carry no target
// attribute: they only loop and call the ISA's functions.
#pragma once
#include <algorithm>
#include <cstdint>
#include <type_traits>

#include "core/aligned_buffer.h"
#include "kernels/matmul_dispatch.h"

namespace lowspec {

// Lines of weight rows a tile kernel asks for on its way, one every `every` steps: rows `stride`
// bytes apart from `row`, `row_lines` lines each. Asked for in one burst before the kernel (into
// L2, as the decode bodies do), the widening still waited on memory for a fifth of a BF16
// prefill on Zen 5; spread over the steps and into L1, for a seventh. On Zen 3 (AVX2) the
// requests make the GEMM 1.05-1.08x faster.
struct LinesAhead {
  const char* row;
  int64_t stride, row_lines, rows;
  int every;
};

// yt[0..rows, 0..kTileCols) (+)= w[0..rows, 0..depth) . sliver[depth, kTileCols], where w holds
// `rows` widened weight rows ldw apart, sliver kTileCols transposed input rows; from zero unless
// `accumulate`.
using TileKernel = void (*)(const float* w, int64_t ldw, const float* sliver, int depth, float* yt,
                            int64_t ldyt, bool accumulate, LinesAhead ahead);

// Tile t of a panel of `cols` output columns, in the order broadcast_gemm() runs them: each
// kDepth of K in turn, kTileRows weight rows at a time within it. Rows 0 is past the last tile.
struct PanelTile {
  int64_t k0 = 0;
  int depth = 0, j = 0, rows = 0;
};
template <class Body>
PanelTile panel_tile(int64_t K, int cols, int64_t t) {
  const int64_t per_block = (cols + Body::kTileRows - 1) / Body::kTileRows;
  const int64_t block = t / per_block;
  if (block * Body::kDepth >= K) return {};
  PanelTile tile;
  tile.k0 = block * Body::kDepth;
  tile.depth = static_cast<int>(std::min<int64_t>(Body::kDepth, K - tile.k0));
  tile.j = static_cast<int>(t - block * per_block) * Body::kTileRows;
  tile.rows = std::min(Body::kTileRows, cols - tile.j);
  return tile;
}

// A float body's blocking sizes, which broadcast_gemm reads from it: weight rows and input rows
// per register tile, K per block, floats between widened weight rows, output columns per y
// panel, input rows per transposed block, and whether F32 weights are read in place (not widened).
template <int TileRows, int TileCols, int Depth, int WeightStride, int PanelCols, int64_t InputRows,
          bool F32InPlace>
struct FloatBodySizes {
  static constexpr int kTileRows = TileRows;
  static constexpr int kTileCols = TileCols;
  static constexpr int kDepth = Depth;
  static constexpr int kWeightStride = WeightStride;
  static constexpr int kPanelCols = PanelCols;
  static constexpr int64_t kInputRows = InputRows;
  static constexpr bool kF32InPlace = F32InPlace;
};

// Columns [n0, n1) of y = x W^T + bias with the weights broadcast: per block of input rows, per
// panel of output columns, per kDepth of K: x transposed into slivers of kTileCols rows, then
// each kTileRows weight rows, widened in their own row-major order into a small buffer, run
// against every sliver, into y transposed (yt), written back once per panel. Packing the weights
// transposed instead (x broadcast) took a fifth of a BF16 prefill on Zen 5 and 10-14 % on Zen 3
// in shuffles and memory waits, and sent y through memory once per kDepth. The weights are
// software-pipelined over a tile's slivers: between its kernel calls, a share of the next tile's
// rows is widened (into the other buffer), and each kernel asks for the rows that the call after
// it widens (LinesAhead). A Body supplies the sizes (FloatBodySizes) and transpose_input,
// widen_rows<W>, store_transposed, tile_kernel(rows).
template <class Body, class W>
void broadcast_gemm(const MatmulProblem& p, int64_t n0, int64_t n1) {
  constexpr int kTileCols = Body::kTileCols, kTileRows = Body::kTileRows;
  thread_local AlignedBuffer<float> xt, yt, wrows;
  const int64_t max_rows = std::min<int64_t>(Body::kInputRows, p.M);
  const int64_t max_ldyt = (max_rows + kTileCols - 1) / kTileCols * kTileCols;
  xt.resize(static_cast<size_t>(max_ldyt * p.K));
  yt.resize(static_cast<size_t>(Body::kPanelCols * max_ldyt));
  wrows.resize(static_cast<size_t>(2) * kTileRows * Body::kWeightStride);
  const int64_t elem = sizeof(typename W::Elem);
  const auto* w = static_cast<const char*>(p.w);
  for (int64_t mc = 0; mc < p.M; mc += Body::kInputRows) {
    const int rows = static_cast<int>(std::min<int64_t>(Body::kInputRows, p.M - mc));
    const int slivers = (rows + kTileCols - 1) / kTileCols;
    const int64_t ldyt = static_cast<int64_t>(slivers) * kTileCols;
    for (int64_t nc = n0; nc < n1; nc += Body::kPanelCols) {
      const int cols = static_cast<int>(std::min<int64_t>(Body::kPanelCols, n1 - nc));
      PanelTile tile = panel_tile<Body>(p.K, cols, 0);
      PanelTile next = panel_tile<Body>(p.K, cols, 1);
      // F32 weights are read where they are, if the body's tile rows fit an L1 set (rows K = 2048
      // apart share one): widening them would be a copy (AVX2, 6 rows, Zen 3: 1.01-1.08x).
      constexpr bool kInPlace = Body::kF32InPlace && std::is_same_v<typename W::Elem, float>;
      if (!kInPlace) {
        Body::template widen_rows<W>(p, nc, 0, tile.rows, tile.k0, tile.depth, wrows.data());
      }
      for (int64_t t = 0; tile.rows > 0; ++t) {
        const PanelTile after = panel_tile<Body>(p.K, cols, t + 2);
        const int64_t k0 = tile.k0;
        // x is transposed block by block as the first panel reaches it (into L2 right before
        // use) and kept, at xt + k0 * ldyt, for the other panels: Phi-2's 10240 columns are 10
        // panels a thread, and transposing x again for each took 2.6 % of its prefill.
        if (nc == n0 && tile.j == 0) {
          Body::transpose_input(p.x + mc * p.K + k0, p.K, rows, tile.depth, xt.data() + k0 * ldyt);
        }
        const float* current = kInPlace ? static_cast<const float*>(p.w) + (nc + tile.j) * p.K + k0
                                        : wrows.data() + (t % 2) * kTileRows * Body::kWeightStride;
        const int64_t ldw = kInPlace ? p.K : Body::kWeightStride;
        float* widened = wrows.data() + ((t + 1) % 2) * kTileRows * Body::kWeightStride;
        const TileKernel kernel = Body::tile_kernel(tile.rows);
        for (int s = 0; s < slivers; ++s) {
          if (!kInPlace && next.rows > 0) {
            Body::template widen_rows<W>(p, nc + next.j, s * next.rows / slivers,
                                         (s + 1) * next.rows / slivers, next.k0, next.depth,
                                         widened);
          }
          // The rows the next call widens, asked for over this call's steps: the rest of the next
          // tile, or at the last sliver the first share of the tile after it (2 calls ahead were
          // slower, 4 more so).
          const PanelTile& ahead = s + 1 < slivers ? next : after;
          const int part = (s + 1) % slivers;
          const int r0 = part * ahead.rows / slivers, r1 = (part + 1) * ahead.rows / slivers;
          const int64_t row_lines = ahead.rows > 0 ? (ahead.depth * elem + 63) / 64 + 1 : 0;
          const int64_t requests = std::max<int64_t>(1, (r1 - r0) * row_lines);
          const LinesAhead lines{w + ((nc + ahead.j + r0) * p.K + ahead.k0) * elem, p.K * elem,
                                 row_lines, r1 - r0,
                                 static_cast<int>(std::max<int64_t>(1, tile.depth / requests))};
          kernel(current, ldw,
                 xt.data() + k0 * ldyt + static_cast<int64_t>(s) * tile.depth * kTileCols,
                 tile.depth, yt.data() + tile.j * ldyt + s * kTileCols, ldyt, k0 > 0, lines);
        }
        tile = next;
        next = after;
      }
      Body::store_transposed(yt.data(), ldyt, rows, cols, p.bias ? p.bias + nc : nullptr,
                             p.y + mc * p.N + nc, p.N);
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
