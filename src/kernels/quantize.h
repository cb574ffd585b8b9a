// Block quantization to GGUF's Q8_0 / Q4_0 and k-quants (Q4_K, Q5_K, Q6_K) with ggml's rounding
// rules and search (so results match files written by llama.cpp), the way back to float, and the
// int8 form activations take in the quantized matmul.
#pragma once
#include <cstdint>

#include "core/aligned_buffer.h"
#include "core/tensor.h"
#include "core/thread_pool.h"
#include "kernels/quant_blocks.h"

namespace lowspec {

// n must be a multiple of 32 (Error otherwise). Q8_0: d = amax / 127, q = round(x / d).
void quantize_row_q8_0(const float* x, BlockQ8_0* out, int64_t n);
// Q4_0: d = m / -8 with m the value of largest magnitude (sign kept),
// q = min(15, (int)(x / d + 8.5)).
void quantize_row_q4_0(const float* x, BlockQ4_0* out, int64_t n);
void dequantize_row_q8_0(const BlockQ8_0* blocks, float* out, int64_t n);
void dequantize_row_q4_0(const BlockQ4_0* blocks, float* out, int64_t n);

// k-quants (quantize_k.cpp); n must be a multiple of 256 (Error otherwise). Q4_K/Q5_K fit each
// 32-element sub-block as scale * q - min by a weighted least-squares search, then quantize the
// scales and mins to 6 bits against the f16 super-scales d and dmin; Q6_K fits each 16-element
// sub-block as scale * (q - 32) and quantizes the scales to int8 against d.
void quantize_row_q4_k(const float* x, BlockQ4_K* out, int64_t n);
void quantize_row_q5_k(const float* x, BlockQ5_K* out, int64_t n);
void quantize_row_q6_k(const float* x, BlockQ6_K* out, int64_t n);
void dequantize_row_q4_k(const BlockQ4_K* blocks, float* out, int64_t n);
void dequantize_row_q5_k(const BlockQ5_K* blocks, float* out, int64_t n);
void dequantize_row_q6_k(const BlockQ6_K* blocks, float* out, int64_t n);

// n floats -> GGUF layout of `to` (F32, F16, BF16, Q8_0, Q4_0, Q4_K, Q5_K, Q6_K); n must be a
// whole number of blocks of `to` (Error otherwise, as for any other type).
void quantize_row(DType to, const float* x, void* out, int64_t n);
// The inverse for any of those types.
void dequantize_row(DType from, const void* in, float* out, int64_t n);

// Activations for the integer dot products: per group of 32 floats (or 256, a k-quant
// super-block), int8 values qs and a float scale (the Q8_0 rule with the scale kept in float). n
// must be a multiple of the group.
void quantize_activations(const float* x, int64_t n, int8_t* qs, float* scales, int64_t group = 32);

// A weight matrix [N, K] (any dtype dequantize_row reads) quantized row by row to `to` (Q8_0,
// Q4_0, Q4_K, Q5_K, Q6_K) into `storage`; the returned view points into it. K must be a whole
// number of blocks of `to` (32 or 256 elements). Rows are split over the pool.
TensorView quantize_matrix(const TensorView& w, DType to, AlignedBuffer<uint8_t>& storage,
                           ThreadPool& pool);

}  // namespace lowspec
