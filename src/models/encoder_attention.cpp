#include "models/encoder_attention.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "kernels/matmul_dispatch.h"

namespace lowspec {
namespace {

constexpr int64_t kQueryBlock = 64;

using ColumnsKernel = void (*)(const MatmulProblem&, int64_t, int64_t);

// The single-threaded GEMM body matmul() itself would use: attention runs one (row, head, query
// block) per thread, so each product stays on its thread.
ColumnsKernel columns_kernel() {
  switch (matmul_best_isa()) {
    case MatmulIsa::Avx512: return matmul_columns_avx512;
    case MatmulIsa::Avx2: return matmul_columns_avx2;
    default: return matmul_columns_scalar;
  }
}

// Per-thread scratch: K [L, hd], V^T [hd, L], Q block [B, hd], scores [B, L], ctx block [B, hd].
struct Scratch {
  float *k, *vt, *q, *scores, *out;
};

int64_t per_thread_scratch(const AttentionShape& s) {
  return 2 * s.seq * s.head_dim + 2 * kQueryBlock * s.head_dim + kQueryBlock * s.seq;
}

Scratch scratch_of(const AttentionShape& s, float* base) {
  const int64_t L = s.seq, hd = s.head_dim;
  return {base, base + L * hd, base + 2 * L * hd, base + 2 * L * hd + kQueryBlock * hd,
          base + 2 * L * hd + kQueryBlock * hd + kQueryBlock * L};
}

// Packs the keys [L, hd] and transposed values [hd, L] of (batch row b, head h).
void pack_keys_values(const AttentionShape& s, const float* k, const float* v, int64_t b, int64_t h,
                      const Scratch& t) {
  const int64_t L = s.seq, hd = s.head_dim, stride = s.heads * hd;
  const float* kb = k + b * L * stride + h * hd;
  const float* vb = v + b * L * stride + h * hd;
  for (int64_t j = 0; j < L; ++j) {
    std::copy_n(kb + j * stride, hd, t.k + j * hd);
    for (int64_t c = 0; c < hd; ++c) t.vt[c * L + j] = vb[j * stride + c];
  }
}

// Query rows i0..i1-1 of (batch row b, head h), keys and values already packed.
void attend_block(const AttentionShape& s, ColumnsKernel gemm, const float* q, const uint8_t* mask,
                  float* ctx, int64_t b, int64_t h, int64_t i0, int64_t i1, const Scratch& t) {
  const int64_t L = s.seq, hd = s.head_dim, stride = s.heads * hd, m = i1 - i0;
  for (int64_t i = 0; i < m; ++i) {
    const float* qi = q + (b * L + i0 + i) * stride + h * hd;
    for (int64_t c = 0; c < hd; ++c) t.q[i * hd + c] = qi[c] * s.scale;
  }
  // scores[m, L] = (scale q) · K^T
  gemm({t.q, m, hd, L, t.k, DType::F32, nullptr, t.scores}, 0, L);
  const uint8_t* mb = mask != nullptr ? mask + b * L : nullptr;
  const float hidden = -std::numeric_limits<float>::infinity();
  bool any_visible = mb == nullptr;
  for (int64_t j = 0; mb != nullptr && j < L; ++j) any_visible |= mb[j] != 0;
  for (int64_t i = 0; i < m; ++i) {
    float* row = t.scores + i * L;
    float max = hidden;
    for (int64_t j = 0; j < L; ++j) {
      if (mb != nullptr && mb[j] == 0) row[j] = hidden;
      max = std::max(max, row[j]);
    }
    float sum = 0.0f;
    for (int64_t j = 0; j < L; ++j) sum += row[j] = row[j] == hidden ? 0.0f : std::exp(row[j] - max);
    const float inv = any_visible ? 1.0f / sum : 0.0f;  // no visible key: zeros
    for (int64_t j = 0; j < L; ++j) row[j] *= inv;
  }
  // out[m, hd] = P · V
  gemm({t.scores, m, L, hd, t.vt, DType::F32, nullptr, t.out}, 0, hd);
  for (int64_t i = 0; i < m; ++i)
    std::copy_n(t.out + i * hd, hd, ctx + (b * L + i0 + i) * stride + h * hd);
}

}  // namespace

int64_t encoder_attention_scratch(const AttentionShape& s, int threads) {
  return per_thread_scratch(s) * threads;
}

void encoder_attention(const AttentionShape& s, const float* q, const float* k, const float* v,
                       const uint8_t* key_mask, float* ctx, float* scratch, ThreadPool& pool) {
  static const ColumnsKernel gemm = columns_kernel();
  const int64_t blocks = (s.seq + kQueryBlock - 1) / kQueryBlock;
  const int64_t items = s.batch * s.heads * blocks;
  pool.run([&](int thread, int threads) {
    const Scratch t = scratch_of(s, scratch + per_thread_scratch(s) * thread);
    const int64_t first = items * thread / threads, last = items * (thread + 1) / threads;
    int64_t packed = -1;  // the (batch row, head) whose keys and values t holds
    for (int64_t item = first; item < last; ++item) {
      const int64_t block = item % blocks, bh = item / blocks;
      const int64_t b = bh / s.heads, h = bh % s.heads;
      if (bh != packed) pack_keys_values(s, k, v, b, h, t);
      packed = bh;
      const int64_t i0 = block * kQueryBlock, i1 = std::min(s.seq, i0 + kQueryBlock);
      attend_block(s, gemm, q, key_mask, ctx, b, h, i0, i1, t);
    }
  });
}

}  // namespace lowspec
