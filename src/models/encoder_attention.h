// Bidirectional multi-head self-attention over a right-padded batch (the encoders' core):
//   ctx[b, i, head] = sum_j softmax_j(scale * q[b, i, head] · k[b, j, head]) v[b, j, head]
// over the keys j with key_mask[b, j] != 0. q, k, v, ctx are [batch * seq, heads * hd] with
// head h in columns h*hd .. h*hd + hd - 1 (the layout the projections write).
#pragma once
#include <cstdint>

#include "core/thread_pool.h"

namespace lowspec {

struct AttentionShape {
  int64_t batch = 0, seq = 0, heads = 0, head_dim = 0;
  float scale = 1.0f;
};

// Floats of scratch encoder_attention needs for this shape on `threads` threads.
int64_t encoder_attention_scratch(const AttentionShape& s, int threads);

// key_mask [batch * seq] (nullptr: every key visible). A query that sees no key gets zeros.
// Work is split over (batch, head, block of query rows) items across the pool.
void encoder_attention(const AttentionShape& s, const float* q, const float* k, const float* v,
                       const uint8_t* key_mask, float* ctx, float* scratch, ThreadPool& pool);

}  // namespace lowspec
