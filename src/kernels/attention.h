// Scaled dot-product attention of one query head over its cached keys and values.
//
// Keys are cached in blocks of kKeyBlock slots, each block [head_dim][kKeyBlock] (slot-minor),
// so the scores of a block are kKeyBlock independent lanes: q[i] times one contiguous row per
// dim, which compilers vectorize without reassociating a sum. Values stay [slots][head_dim].
#pragma once
#include <cstdint>

namespace lowspec {

constexpr int64_t kKeyBlock = 16;

// Floats of one kv head's key cache for max_slots slots (rounded up to whole blocks).
inline int64_t key_cache_floats(int64_t max_slots, int64_t hd) {
  return (max_slots + kKeyBlock - 1) / kKeyBlock * kKeyBlock * hd;
}

// Writes key k[hd] into slot `slot` of a blocked key cache.
void store_key(float* keys, int64_t slot, const float* k, int64_t hd);

// keys: blocked cache, values: [n, hd]. mask[s] = 0 hides slot s (nullptr: all visible).
// out[hd] = sum_s softmax_s(scale * q.k_s) * v_s over the visible slots; a query that sees no
// slot gets zeros. scores: scratch of n rounded up to kKeyBlock floats.
void attend_head(const float* q, const float* keys, const float* values, int64_t n,
                 const uint8_t* mask, int64_t hd, float scale, float* scores, float* out);

}  // namespace lowspec
