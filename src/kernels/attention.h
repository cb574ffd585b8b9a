// Scaled dot-product attention of one query head over its cached keys and values.
#pragma once
#include <cstdint>

namespace lowspec {

// keys, values: [n, hd] (one kv head's slots, contiguous). mask[s] = 0 hides slot s (nullptr:
// all visible). out[hd] = sum_s softmax_s(scale * q.k_s) * v_s over the visible slots; a query
// that sees no slot gets zeros. scores: scratch of n floats.
void attend_head(const float* q, const float* keys, const float* values, int64_t n,
                 const uint8_t* mask, int64_t hd, float scale, float* scores, float* out);

}  // namespace lowspec
