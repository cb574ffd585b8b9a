#include "models/encoder_attention.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace lowspec {
namespace {

constexpr int64_t kQueryBlock = 32;

int64_t per_thread_scratch(const AttentionShape& s) {
  return s.head_dim * s.seq + s.seq;  // K^T [hd, seq] + scores [seq]
}

// kt[hd, L] = keys of (batch row b, head h) transposed, so that QK^T runs with the innermost
// loop over contiguous keys.
void transpose_keys(const AttentionShape& s, const float* k, int64_t b, int64_t h, float* kt) {
  const int64_t L = s.seq, hd = s.head_dim, stride = s.heads * hd;
  const float* kb = k + b * L * stride + h * hd;
  for (int64_t j = 0; j < L; ++j)
    for (int64_t c = 0; c < hd; ++c) kt[c * L + j] = kb[j * stride + c];
}

// Query rows i0..i1-1 of (batch row b, head h), keys already transposed into kt.
void attend_block(const AttentionShape& s, const float* q, const float* kt, const float* v,
                  const uint8_t* mask, float* ctx, int64_t b, int64_t h, int64_t i0, int64_t i1,
                  float* scores) {
  const int64_t L = s.seq, hd = s.head_dim, stride = s.heads * hd;
  const float* vb = v + b * L * stride + h * hd;
  const uint8_t* mb = mask != nullptr ? mask + b * L : nullptr;

  for (int64_t i = i0; i < i1; ++i) {
    const float* qi = q + (b * L + i) * stride + h * hd;
    float* out = ctx + (b * L + i) * stride + h * hd;
    // scores[j] = scale * q_i · k_j   [L]
    for (int64_t j = 0; j < L; ++j) scores[j] = 0.0f;
    for (int64_t c = 0; c < hd; ++c) {
      const float qc = qi[c] * s.scale;
      const float* ktc = kt + c * L;
      for (int64_t j = 0; j < L; ++j) scores[j] += qc * ktc[j];
    }
    float max = -std::numeric_limits<float>::infinity();
    for (int64_t j = 0; j < L; ++j)
      if (mb == nullptr || mb[j] != 0) max = std::max(max, scores[j]);
    for (int64_t c = 0; c < hd; ++c) out[c] = 0.0f;
    if (max == -std::numeric_limits<float>::infinity()) continue;
    float sum = 0.0f;
    for (int64_t j = 0; j < L; ++j) {
      scores[j] = (mb == nullptr || mb[j] != 0) ? std::exp(scores[j] - max) : 0.0f;
      sum += scores[j];
    }
    const float inv = 1.0f / sum;
    // out[hd] = sum_j p_j v_j
    for (int64_t j = 0; j < L; ++j) {
      if (scores[j] == 0.0f) continue;
      const float p = scores[j] * inv;
      const float* vj = vb + j * stride;
      for (int64_t c = 0; c < hd; ++c) out[c] += p * vj[c];
    }
  }
}

}  // namespace

int64_t encoder_attention_scratch(const AttentionShape& s, int threads) {
  return per_thread_scratch(s) * threads;
}

void encoder_attention(const AttentionShape& s, const float* q, const float* k, const float* v,
                       const uint8_t* key_mask, float* ctx, float* scratch, ThreadPool& pool) {
  const int64_t blocks = (s.seq + kQueryBlock - 1) / kQueryBlock;
  const int64_t items = s.batch * s.heads * blocks;
  pool.run([&](int thread, int threads) {
    float* kt = scratch + per_thread_scratch(s) * thread;
    float* scores = kt + s.head_dim * s.seq;
    const int64_t first = items * thread / threads, last = items * (thread + 1) / threads;
    int64_t transposed = -1;  // the (batch row, head) whose keys kt holds
    for (int64_t item = first; item < last; ++item) {
      const int64_t block = item % blocks, bh = item / blocks;
      const int64_t b = bh / s.heads, h = bh % s.heads;
      if (bh != transposed) transpose_keys(s, k, b, h, kt);
      transposed = bh;
      const int64_t i0 = block * kQueryBlock, i1 = std::min(s.seq, i0 + kQueryBlock);
      attend_block(s, q, kt, v, key_mask, ctx, b, h, i0, i1, scores);
    }
  });
}

}  // namespace lowspec
