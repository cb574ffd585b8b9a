// Rotary position embedding in the rotate_half layout (HF Llama/Phi/Gemma): dims i and i + d/2
// of the rotated part form a pair, x' = x*cos + rotate_half(x)*sin, rotate_half(x) = [-x2, x1].
// Everything in float32, as transformers computes its cos/sin tables.
#pragma once
#include <cstdint>

namespace lowspec {

// inv_freq[i] = 1 / theta^(2i/d) for i < d/2 (d = rotated dims per head).
void rope_inv_freq(float theta, int64_t rotary_dims, float* inv_freq);

// cos/sin[i] of angle position * inv_freq[i], i < rotary_dims/2.
void rope_angles(float position, const float* inv_freq, int64_t half, float* cos, float* sin);

// Rotates the first 2*half dims of one head vector in place; the rest passes through.
void rope_rotate(float* x, int64_t half, const float* cos, const float* sin);
// The same rotation with pair i stored at dims (2i, 2i + 1) (ggml's "normal" rope layout, the
// row order of llama q/k in GGUF files).
void rope_rotate_pairs(float* x, int64_t half, const float* cos, const float* sin);

}  // namespace lowspec
