// Block quantization to GGUF's Q8_0 / Q4_0 with ggml's rounding rules (so results match files
// written by llama.cpp), the way back to float, and the int8 form activations take in the
// quantized matmul.
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

// Activations for the integer dot products: per 32 floats, int8 values qs and a float scale
// (the Q8_0 rule with the scale kept in float). n must be a multiple of 32.
void quantize_activations(const float* x, int64_t n, int8_t* qs, float* scales);

// A weight matrix [N, K] (any dtype dequantize_row reads) quantized row by row into `storage`;
// the returned view points into it. K must be a multiple of 32. Rows are split over the pool.
TensorView quantize_matrix(const TensorView& w, DType to, AlignedBuffer<uint8_t>& storage,
                           ThreadPool& pool);

}  // namespace lowspec
