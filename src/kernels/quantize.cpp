#include "kernels/quantize.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

#if defined(__aarch64__)
#include <arm_neon.h>
#endif

#include "core/error.h"
#include "core/half.h"
#include "kernels/matmul.h"
#include "kernels/matmul_dispatch.h"

namespace lowspec {

namespace {

int64_t block_count(int64_t n, const char* what) {
  if (n < 0 || n % kQuantBlock != 0) {
    throw Error(
        cat(what, ": ", n, " elements are not a whole number of ", kQuantBlock, "-element blocks"));
  }
  return n / kQuantBlock;
}

// The number of blocks of `t` in n elements; Error unless n is a whole number of them.
int64_t whole_blocks(DType t, int64_t n, const char* what) {
  const int64_t elems = dtype_block_elems(t);
  if (n < 0 || n % elems != 0) {
    throw Error(cat(what, ": ", n, " elements are not a whole number of ", dtype_name(t),
                    " blocks (", elems, " elements)"));
  }
  return n / elems;
}

// The Q8_0 rule for a group of n floats (a block: n = 32); ggml multiplies by the reciprocal of
// the unrounded scale.
float quantize_group_q8(const float* x, int64_t n, int8_t* qs) {
  float amax = 0.0f;
  for (int64_t j = 0; j < n; ++j) amax = std::max(amax, std::fabs(x[j]));
  const float d = amax / 127.0f;
  const float id = d != 0.0f ? 1.0f / d : 0.0f;
  for (int64_t j = 0; j < n; ++j) qs[j] = static_cast<int8_t>(std::roundf(x[j] * id));
  return d;
}

float quantize_block_q8(const float* x, int8_t* qs) {
  return quantize_group_q8(x, kQuantBlock, qs);
}

#if defined(__aarch64__)
// quantize_group_q8 in NEON (baseline on aarch64; n a multiple of 8), operation for operation
// (FCVTAS rounds half away from zero like roundf; FMAXNM skips NaN like std::max here), so the
// same bytes and scale.
float quantize_group_q8_neon(const float* x, int64_t n, int8_t* qs) {
  float32x4_t amax = vdupq_n_f32(0.0f);
  for (int64_t i = 0; i < n; i += 4) amax = vmaxnmq_f32(amax, vabsq_f32(vld1q_f32(x + i)));
  const float d = vmaxnmvq_f32(amax) / 127.0f;
  const float id = d != 0.0f ? 1.0f / d : 0.0f;
  for (int64_t i = 0; i < n; i += 8) {
    const int16x4_t lo = vqmovn_s32(vcvtaq_s32_f32(vmulq_n_f32(vld1q_f32(x + i), id)));
    const int16x4_t hi = vqmovn_s32(vcvtaq_s32_f32(vmulq_n_f32(vld1q_f32(x + i + 4), id)));
    vst1_s8(qs + i, vqmovn_s16(vcombine_s16(lo, hi)));
  }
  return d;
}
#endif

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

void quantize_activations(const float* x, int64_t n, int8_t* qs, float* scales, int64_t group) {
  if (group != kQuantBlock && group != kSuperBlock) {
    throw InternalError(cat("quantize_activations: groups of ", group, " elements"));
  }
  const int64_t groups = block_count(n, "quantize_activations") * kQuantBlock / group;
  if (groups * group != n) {
    throw Error(
        cat("quantize_activations: ", n, " elements are not a whole number of groups of ", group));
  }
  for (int64_t g = 0; g < groups; ++g) {
#if defined(__aarch64__)
    scales[g] = quantize_group_q8_neon(x + g * group, group, qs + g * group);
#else
    scales[g] = quantize_group_q8(x + g * group, group, qs + g * group);
#endif
  }
}

void quantize_row(DType to, const float* x, void* out, int64_t n) {
  whole_blocks(to, n, "quantize_row");
  switch (to) {
    case DType::F32:
      std::memcpy(out, x, static_cast<size_t>(n) * sizeof(float));
      return;
    case DType::F16:
      for (int64_t i = 0; i < n; ++i) static_cast<uint16_t*>(out)[i] = f32_to_f16(x[i]);
      return;
    case DType::BF16:
      for (int64_t i = 0; i < n; ++i) static_cast<uint16_t*>(out)[i] = f32_to_bf16(x[i]);
      return;
    case DType::Q8_0:
      return quantize_row_q8_0(x, static_cast<BlockQ8_0*>(out), n);
    case DType::Q4_0:
      return quantize_row_q4_0(x, static_cast<BlockQ4_0*>(out), n);
    case DType::Q4_K:
      return quantize_row_q4_k(x, static_cast<BlockQ4_K*>(out), n);
    case DType::Q5_K:
      return quantize_row_q5_k(x, static_cast<BlockQ5_K*>(out), n);
    case DType::Q6_K:
      return quantize_row_q6_k(x, static_cast<BlockQ6_K*>(out), n);
    default:
      throw Error(cat("quantize_row: cannot convert to ", dtype_name(to)));
  }
}

void dequantize_row(DType from, const void* in, float* out, int64_t n) {
  whole_blocks(from, n, "dequantize_row");
  switch (from) {
    case DType::F32:
      std::memcpy(out, in, static_cast<size_t>(n) * sizeof(float));
      return;
    case DType::F16:
      for (int64_t i = 0; i < n; ++i) out[i] = f16_to_f32(static_cast<const uint16_t*>(in)[i]);
      return;
    case DType::BF16:
      for (int64_t i = 0; i < n; ++i) out[i] = bf16_to_f32(static_cast<const uint16_t*>(in)[i]);
      return;
    case DType::Q8_0:
      return dequantize_row_q8_0(static_cast<const BlockQ8_0*>(in), out, n);
    case DType::Q4_0:
      return dequantize_row_q4_0(static_cast<const BlockQ4_0*>(in), out, n);
    case DType::Q4_K:
      return dequantize_row_q4_k(static_cast<const BlockQ4_K*>(in), out, n);
    case DType::Q5_K:
      return dequantize_row_q5_k(static_cast<const BlockQ5_K*>(in), out, n);
    case DType::Q6_K:
      return dequantize_row_q6_k(static_cast<const BlockQ6_K*>(in), out, n);
    default:
      throw Error(cat("dequantize_row: cannot convert from ", dtype_name(from)));
  }
}

TensorView quantize_matrix(const TensorView& w, DType to, AlignedBuffer<uint8_t>& storage,
                           ThreadPool& pool) {
  if (w.rank() != 2) {
    throw Error(cat("quantize: expected a matrix, got shape ", shape_string(w.shape)));
  }
  if (!dtype_is_quantized(to) || !matmul_supports_dtype(to)) {
    throw Error(cat("quantize: cannot quantize to ", dtype_name(to)));
  }
  // Checked here: the rows are read on pool threads, which must not throw.
  if (!matmul_supports_dtype(w.dtype)) {
    throw Error(cat("quantize: cannot read weights of type ", dtype_name(w.dtype)));
  }
  const int64_t N = w.shape[0], K = w.shape[1];
  const size_t row_bytes =
      static_cast<size_t>(whole_blocks(to, K, "quantize")) * dtype_info(to).block_bytes;
  storage.resize(row_bytes * static_cast<size_t>(N));
  uint8_t* out = storage.data();
  pool.parallel_for(N, 16, [&](int64_t n0, int64_t n1) {
    std::vector<float> row(static_cast<size_t>(K));
    for (int64_t n = n0; n < n1; ++n) {
      dequantize_row(w, n, row.data());
      quantize_row(to, row.data(), out + row_bytes * static_cast<size_t>(n), K);
    }
  });
  return TensorView{to, {N, K}, storage.data(), row_bytes * static_cast<size_t>(N)};
}

}  // namespace lowspec
