#include "kernels/quantize.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "core/error.h"
#include "core/half.h"
#include "kernels/matmul.h"
#include "kernels/matmul_dispatch.h"

namespace lowspec {

namespace {

int64_t block_count(int64_t n, const char* what) {
  if (n < 0 || n % kQuantBlock != 0) {
    throw Error(cat(what, ": ", n, " elements are not a whole number of ", kQuantBlock,
                    "-element blocks"));
  }
  return n / kQuantBlock;
}

// The Q8_0 rule for one block; ggml multiplies by the reciprocal of the unrounded scale.
float quantize_block_q8(const float* x, int8_t* qs) {
  float amax = 0.0f;
  for (int j = 0; j < kQuantBlock; ++j) amax = std::max(amax, std::fabs(x[j]));
  const float d = amax / 127.0f;
  const float id = d != 0.0f ? 1.0f / d : 0.0f;
  for (int j = 0; j < kQuantBlock; ++j) qs[j] = static_cast<int8_t>(std::roundf(x[j] * id));
  return d;
}

}  // namespace

void quantize_row_q8_0(const float* x, BlockQ8_0* out, int64_t n) {
  const int64_t blocks = block_count(n, "quantize_row_q8_0");
  for (int64_t b = 0; b < blocks; ++b) {
    out[b].d = f32_to_f16(quantize_block_q8(x + b * kQuantBlock, out[b].qs));
  }
}

void quantize_row_q4_0(const float* x, BlockQ4_0* out, int64_t n) {
  const int64_t blocks = block_count(n, "quantize_row_q4_0");
  constexpr int kHalf = kQuantBlock / 2;
  for (int64_t b = 0; b < blocks; ++b) {
    const float* xb = x + b * kQuantBlock;
    float amax = 0.0f, max = 0.0f;
    for (int j = 0; j < kQuantBlock; ++j) {
      if (amax < std::fabs(xb[j])) {
        amax = std::fabs(xb[j]);
        max = xb[j];
      }
    }
    // Mapping the extreme value to -8 uses the full [-8, 7] range on its side.
    const float d = max / -8.0f;
    const float id = d != 0.0f ? 1.0f / d : 0.0f;
    out[b].d = f32_to_f16(d);
    for (int j = 0; j < kHalf; ++j) {
      const int lo = std::min(15, static_cast<int>(xb[j] * id + 8.5f));
      const int hi = std::min(15, static_cast<int>(xb[j + kHalf] * id + 8.5f));
      out[b].qs[j] = static_cast<uint8_t>(lo | hi << 4);
    }
  }
}

void dequantize_row_q8_0(const BlockQ8_0* blocks, float* out, int64_t n) {
  const int64_t count = block_count(n, "dequantize_row_q8_0");
  for (int64_t b = 0; b < count; ++b) {
    const float d = f16_to_f32(blocks[b].d);
    for (int j = 0; j < kQuantBlock; ++j) out[b * kQuantBlock + j] = blocks[b].qs[j] * d;
  }
}

void dequantize_row_q4_0(const BlockQ4_0* blocks, float* out, int64_t n) {
  const int64_t count = block_count(n, "dequantize_row_q4_0");
  constexpr int kHalf = kQuantBlock / 2;
  for (int64_t b = 0; b < count; ++b) {
    const float d = f16_to_f32(blocks[b].d);
    float* o = out + b * kQuantBlock;
    for (int j = 0; j < kHalf; ++j) {
      o[j] = ((blocks[b].qs[j] & 0x0f) - 8) * d;
      o[j + kHalf] = ((blocks[b].qs[j] >> 4) - 8) * d;
    }
  }
}

void quantize_activations(const float* x, int64_t n, int8_t* qs, float* scales) {
  const int64_t blocks = block_count(n, "quantize_activations");
  for (int64_t b = 0; b < blocks; ++b) {
    scales[b] = quantize_block_q8(x + b * kQuantBlock, qs + b * kQuantBlock);
  }
}

TensorView quantize_matrix(const TensorView& w, DType to, AlignedBuffer<uint8_t>& storage,
                           ThreadPool& pool) {
  if (w.rank() != 2) {
    throw Error(cat("quantize: expected a matrix, got shape ", shape_string(w.shape)));
  }
  if (to != DType::Q8_0 && to != DType::Q4_0) {
    throw Error(cat("quantize: cannot quantize to ", dtype_name(to)));
  }
  // Checked here: the rows are read on pool threads, which must not throw.
  if (!matmul_supports_dtype(w.dtype)) {
    throw Error(cat("quantize: cannot read weights of type ", dtype_name(w.dtype)));
  }
  const int64_t N = w.shape[0], K = w.shape[1];
  const int64_t blocks = block_count(K, "quantize");
  const size_t row_bytes =
      static_cast<size_t>(blocks) * (to == DType::Q8_0 ? sizeof(BlockQ8_0) : sizeof(BlockQ4_0));
  storage.resize(row_bytes * static_cast<size_t>(N));
  uint8_t* out = storage.data();
  pool.parallel_for(N, 16, [&](int64_t n0, int64_t n1) {
    std::vector<float> row(static_cast<size_t>(K));
    for (int64_t n = n0; n < n1; ++n) {
      dequantize_row(w, n, row.data());
      void* dst = out + row_bytes * static_cast<size_t>(n);
      if (to == DType::Q8_0) {
        quantize_row_q8_0(row.data(), static_cast<BlockQ8_0*>(dst), K);
      } else {
        quantize_row_q4_0(row.data(), static_cast<BlockQ4_0*>(dst), K);
      }
    }
  });
  return TensorView{to, {N, K}, storage.data(), row_bytes * static_cast<size_t>(N)};
}

}  // namespace lowspec
