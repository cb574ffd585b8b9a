// Internals of matmul(): the per-ISA kernel bodies and the once-per-process choice between them.
// Each body computes a range of output columns for every input row on the calling thread;
// matmul() splits the columns over the pool. Adding a weight format (Q8_0, Q4_0, Q4_K) means a
// new case in each body's dtype switch (or a new file per format and ISA), not a new API.
#pragma once
#include <cstdint>
#include <span>
#include <string_view>

#include "core/dtype.h"
#include "core/tensor.h"
#include "core/thread_pool.h"
#include "kernels/matmul.h"

namespace lowspec {

enum class MatmulIsa { Scalar, Avx2, Avx512, Neon };

// One matmul call as the kernel bodies see it: y[M, N] = x[M, K] · W[N, K]^T (+ bias).
struct MatmulProblem {
  const float* x;
  int64_t M, K, N;
  const void* w;  // row-major [N, K] in w_dtype
  DType w_dtype;
  const float* bias;  // [N] or nullptr
  float* y;
};

// Computes columns [n0, n1) of y. Per-thread scratch is kept between calls (grown, never shrunk).
void matmul_columns_scalar(const MatmulProblem& p, int64_t n0, int64_t n1);
void matmul_columns_avx2(const MatmulProblem& p, int64_t n0, int64_t n1);
void matmul_columns_avx512(const MatmulProblem& p, int64_t n0, int64_t n1);
void matmul_columns_neon(const MatmulProblem& p, int64_t n0, int64_t n1);

// A matmul with block-quantized weights (Q8_0, Q4_0, Q4_K, Q5_K, Q6_K) as the bodies see it: the
// input rows already quantized to int8 (row m: xq + m*K) with one float scale per x_group
// elements (row m: xd + m*K/x_group), integer dot products per block (per decode_group group
// for the k-quants).
struct QuantMatmulProblem {
  const int8_t* xq;
  const float* xd;
  const int32_t* xsum;  // per 32-block sums of xq (row m: xsum + m*K/32), for unsigned weights
  int64_t M, K, N;
  const void* w;  // rows of K/32 blocks (BlockQ8_0, BlockQ4_0) or K/256 (BlockQ4_K, ...)
  DType w_dtype;
  const float* bias;
  float* y;
  // Elements per activation scale: 32 (quantize_activations()), or 256 where
  // matmul_uses_super_block_activations() says so.
  int64_t x_group = 32;
  // Names this quantized input, once per process (0: unnamed): a body may keep what it derives
  // from xq (a layout of its own) for the next call with the same input_id and xq.
  uint64_t input_id = 0;
};

// Whether the isa's body takes the input rows of this matmul with one scale per 256 elements (a
// k-quant super-block, GGUF's Q8_K rule): its integer dots then add up a whole super-block before
// one conversion. Every SIMD k-quant decode does (in cache, M = 1: AVX2 on Zen 3 Q4_K 1.2x, Q6_K
// 1.12x; AVX-512 on Zen 4 Q4_K 1.24x, Q6_K 1.42x; with a scale per 32 each run's dot took a
// conversion and a float scale of its own).
bool matmul_uses_super_block_activations(MatmulIsa isa, DType w_dtype, int64_t M);

// matmul_with_isa() on the scalar body, with the activations quantized as `isa` quantizes them:
// the twin each SIMD path is checked against.
void matmul_scalar_twin(MatmulIsa isa, const float* x, int64_t M, int64_t K, const TensorView& w,
                        const float* bias, float* y, ThreadPool& pool);

// Columns [n0, n1) of y for quantized weights; AVX-512 uses VNNI and NEON uses SDOT (dotprod)
// when the CPU has them.
void matmul_quant_columns_scalar(const QuantMatmulProblem& p, int64_t n0, int64_t n1);
void matmul_quant_columns_avx2(const QuantMatmulProblem& p, int64_t n0, int64_t n1);
void matmul_quant_columns_avx512(const QuantMatmulProblem& p, int64_t n0, int64_t n1);
void matmul_quant_columns_neon(const QuantMatmulProblem& p, int64_t n0, int64_t n1);
// Whether matmul_quant_columns_neon runs its dotprod (SDOT) form on this CPU.
bool matmul_neon_uses_dotprod();

// Prefill (M > 4) through weight panels packed per call: Q8_0, Q4_0, Q4_K, Q5_K, Q6_K on
// AVX-512 VNNI; Q8_0, Q4_0, Q4_K, Q5_K on AVX2.
bool matmul_quant_panel_supports(DType type);
void matmul_quant_panel_avx512(const QuantMatmulProblem& p, int64_t n0, int64_t n1);
bool matmul_quant_panel_avx2_supports(DType type);
// The input rows' int8 activations summed per 16 (Q6_K's sub-blocks), every row, in a per-thread
// buffer valid until the thread's next call.
const int16_t* activation_sums_of_16(const QuantMatmulProblem& p);
void matmul_quant_panel_avx2(const QuantMatmulProblem& p, int64_t n0, int64_t n1);

// quantize_activations() and each block's sum of the int8 values (sums[n / 32]), the form the
// bodies take their input rows in. The SIMD twins give the same bytes as the scalar one.
void quantize_activations_scalar(const float* x, int64_t n, int8_t* qs, float* scales,
                                 int32_t* sums);
void quantize_activations_avx2(const float* x, int64_t n, int8_t* qs, float* scales, int32_t* sums);
void quantize_activations_avx512(const float* x, int64_t n, int8_t* qs, float* scales,
                                 int32_t* sums);
// The same with one scale per 256 elements (amax / 127 over the super-block; sums still per 32).
void quantize_activations_256_scalar(const float* x, int64_t n, int8_t* qs, float* scales,
                                     int32_t* sums);
void quantize_activations_256_avx2(const float* x, int64_t n, int8_t* qs, float* scales,
                                   int32_t* sums);

// Whether this CPU (after the LOWSPEC_ISA cap) can run the path.
bool matmul_isa_supported(MatmulIsa isa);
// The fastest supported path, chosen once per process.
MatmulIsa matmul_best_isa();
std::string_view matmul_isa_name(MatmulIsa isa);
// Weight dtypes the SIMD bodies handle; others throw Error.
bool matmul_supports_dtype(DType dtype);

// matmul() on an explicit path (tests and benchmarks compare paths with this).
void matmul_with_isa(MatmulIsa isa, const float* x, int64_t M, int64_t K, const TensorView& w,
                     const float* bias, float* y, ThreadPool& pool);
// matmul_shared_input() on an explicit path.
void matmul_shared_input_with_isa(MatmulIsa isa, const float* x, int64_t M, int64_t K,
                                  std::span<const MatmulOutput> outputs, ThreadPool& pool);

}  // namespace lowspec
