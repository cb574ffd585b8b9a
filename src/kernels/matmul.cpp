// matmul(): checks the operands, picks the ISA body once per process and splits the work over
// the pool, by output columns (each thread streams its own rows of W) or, when W has too few rows
// to go round, by input rows.
#include "kernels/matmul.h"

#include <algorithm>
#include <atomic>

#include "core/aligned_buffer.h"
#include "core/cpu_features.h"
#include "core/error.h"
#include "kernels/matmul_dispatch.h"
#include "kernels/quantize.h"

namespace lowspec {

namespace {

using ColumnsFn = void (*)(const MatmulProblem&, int64_t, int64_t);

ColumnsFn columns_fn(MatmulIsa isa) {
  switch (isa) {
#if defined(__x86_64__)
    case MatmulIsa::Avx512:
      return matmul_columns_avx512;
    case MatmulIsa::Avx2:
      return matmul_columns_avx2;
#elif defined(__aarch64__)
    case MatmulIsa::Neon:
      return matmul_columns_neon;
#endif
    default:
      break;
  }
  return matmul_columns_scalar;
}

using QuantColumnsFn = void (*)(const QuantMatmulProblem&, int64_t, int64_t);

QuantColumnsFn quant_columns_fn(MatmulIsa isa) {
  switch (isa) {
#if defined(__x86_64__)
    case MatmulIsa::Avx512:
      return matmul_quant_columns_avx512;
    case MatmulIsa::Avx2:
      return matmul_quant_columns_avx2;
#elif defined(__aarch64__)
    case MatmulIsa::Neon:
      return matmul_quant_columns_neon;
#endif
    default:
      break;
  }
  return matmul_quant_columns_scalar;
}

using QuantizeActivationsFn = void (*)(const float*, int64_t, int8_t*, float*, int32_t*);

// The isa's quantizer for activations per 32 (x_group 32) or per super-block (256): all give the
// scalar rule's bytes.
QuantizeActivationsFn quantize_activations_fn([[maybe_unused]] MatmulIsa isa, int64_t x_group) {
#if defined(__x86_64__)
  if (x_group == kSuperBlock) {
    return isa == MatmulIsa::Scalar ? quantize_activations_256_scalar
                                    : quantize_activations_256_avx2;
  }
  if (isa == MatmulIsa::Avx512 && cpu_features().avx512vnni) return quantize_activations_avx512;
  if (isa == MatmulIsa::Avx2 || isa == MatmulIsa::Avx512) return quantize_activations_avx2;
#endif
  if (x_group == kSuperBlock) return quantize_activations_256_scalar;
  return quantize_activations_scalar;
}

// Columns per work unit: a multiple of every body's register tile width (32 for AVX-512).
constexpr int64_t kColumnGrain = 32;
// Input rows per work unit when splitting by rows.
constexpr int64_t kRowGrain = 16;
// Input rows up to which a call is a decode step (one weight stream per thread).
constexpr int64_t kDecodeRowsMax = 4;

// Output columns of a quantized matmul over the pool. Decode (a few input rows) gives each thread
// one contiguous range: one stream through its rows of W. Prefill is compute-bound and takes
// ranges of about an eighth of a thread's share as threads come free, so a vCPU slowed by the
// host does not hold up the other (2 threads: 1.0-1.12x at TinyLlama shapes; the float GEMM,
// blocked in 128-column panels, gained nothing and keeps its static split).
template <typename F>
void split_columns(int64_t M, int64_t N, ThreadPool& pool, F&& fn) {
  if (M <= kDecodeRowsMax) return pool.parallel_for(N, kColumnGrain, fn);
  const int64_t chunks = 8 * static_cast<int64_t>(pool.size());
  const int64_t grain =
      std::max<int64_t>(1, (N + chunks * kColumnGrain - 1) / (chunks * kColumnGrain));
  pool.parallel_for_dynamic(N, grain * kColumnGrain, fn);
}

// The input rows quantized to int8 with a scale per x_group elements and sums per 32, for the
// integer dots.
struct QuantizedInput {
  const int8_t* qs;
  const float* scales;
  const int32_t* sums;
  int64_t x_group;
  uint64_t id;  // QuantMatmulProblem::input_id
};

// Quantizes the input rows into the calling thread's scratch for this x_group (grown to the
// largest call, then reused): valid until the thread's next call with that x_group.
QuantizedInput quantize_input(MatmulIsa isa, int64_t x_group, const float* x, int64_t M, int64_t K,
                              ThreadPool& pool) {
  struct Scratch {
    AlignedBuffer<int8_t> xq;
    AlignedBuffer<float> xd;
    AlignedBuffer<int32_t> xs;
  };
  thread_local Scratch per_32, per_256;
  Scratch& s = x_group == kSuperBlock ? per_256 : per_32;
  const int64_t blocks = K / kQuantBlock, groups = K / x_group;
  s.xq.resize(static_cast<size_t>(M * K));
  s.xd.resize(static_cast<size_t>(M * groups));
  s.xs.resize(static_cast<size_t>(M * blocks));
  int8_t* qs = s.xq.data();
  float* scales = s.xd.data();
  int32_t* sums = s.xs.data();
  const QuantizeActivationsFn quantize = quantize_activations_fn(isa, x_group);
  pool.parallel_for(M, 1, [&](int64_t m0, int64_t m1) {
    for (int64_t m = m0; m < m1; ++m) {
      quantize(x + m * K, K, qs + m * K, scales + m * groups, sums + m * blocks);
    }
  });
  static std::atomic<uint64_t> last_id{0};
  return {qs, scales, sums, x_group, ++last_id};
}

int64_t activation_group(MatmulIsa isa, DType w_dtype, int64_t M) {
  return matmul_uses_super_block_activations(isa, w_dtype, M) ? kSuperBlock : kQuantBlock;
}

// Too few columns to give every thread some, and enough input rows: the threads split the rows.
bool splits_rows(int64_t M, int64_t N, const ThreadPool& pool) {
  return N < kColumnGrain * pool.size() && M >= kRowGrain * pool.size();
}

// Splits the isa's integer-dot bodies over the pool like matmul(), on input rows quantized as
// `isa` takes them for w.
void matmul_quantized(MatmulIsa isa, const QuantizedInput& in, int64_t M, int64_t K,
                      const TensorView& w, const float* bias, float* y, ThreadPool& pool,
                      bool split_rows) {
  const QuantColumnsFn columns = quant_columns_fn(isa);
  const auto [qs, scales, sums, x_group, id] = in;
  const int64_t blocks = K / kQuantBlock, groups = K / x_group;
  const int64_t N = w.shape[0];
  const QuantMatmulProblem problem{qs,     scales,  sums, M, K,       N,
                                   w.data, w.dtype, bias, y, x_group, id};
  if (!split_rows) {
    split_columns(M, N, pool, [&](int64_t n0, int64_t n1) { columns(problem, n0, n1); });
    return;
  }
  pool.parallel_for(M, kRowGrain, [&](int64_t m0, int64_t m1) {
    QuantMatmulProblem rows = problem;
    rows.xq = qs + m0 * K;
    rows.xd = scales + m0 * groups;
    rows.xsum = sums + m0 * blocks;
    rows.y = y + m0 * N;
    rows.M = m1 - m0;
    columns(rows, 0, N);
  });
}

}  // namespace

bool matmul_isa_supported(MatmulIsa isa) {
  const CpuFeatures& f = cpu_features();
  switch (isa) {
    case MatmulIsa::Scalar:
      return true;
    case MatmulIsa::Avx2:
      return f.avx2 && f.fma && f.f16c;
    case MatmulIsa::Avx512:
      return f.avx512f && f.avx512bw && f.avx512vl && f.fma && f.f16c;
    case MatmulIsa::Neon:
      return f.neon;
  }
  return false;
}

MatmulIsa matmul_best_isa() {
  static const MatmulIsa best = [] {
    if (matmul_isa_supported(MatmulIsa::Avx512)) return MatmulIsa::Avx512;
    if (matmul_isa_supported(MatmulIsa::Avx2)) return MatmulIsa::Avx2;
    if (matmul_isa_supported(MatmulIsa::Neon)) return MatmulIsa::Neon;
    return MatmulIsa::Scalar;
  }();
  return best;
}

std::string_view matmul_isa_name(MatmulIsa isa) {
  switch (isa) {
    case MatmulIsa::Avx512:
      return "avx512";
    case MatmulIsa::Avx2:
      return "avx2";
    case MatmulIsa::Neon:
      return "neon";
    case MatmulIsa::Scalar:
      break;
  }
  return "scalar";
}

bool matmul_uses_super_block_activations(MatmulIsa isa, DType w_dtype, int64_t M) {
  // Every SIMD body's k-quant decode sums a super-block in int32 under one activation scale.
  return isa != MatmulIsa::Scalar && dtype_block_elems(w_dtype) == kSuperBlock &&
         M <= kDecodeRowsMax;
}

bool matmul_supports_dtype(DType dtype) {
  return dtype == DType::F32 || dtype == DType::F16 || dtype == DType::BF16 ||
         dtype == DType::Q8_0 || dtype == DType::Q4_0 || dtype == DType::Q4_K ||
         dtype == DType::Q5_K || dtype == DType::Q6_K;
}

namespace {

void check_operands(MatmulIsa isa, int64_t K, const TensorView& w) {
  if (w.rank() != 2 || w.shape[1] != K) {
    throw Error(cat("matmul: weight of shape ", shape_string(w.shape), " does not take inputs of ",
                    K, " features"));
  }
  if (!matmul_supports_dtype(w.dtype)) {
    throw Error(cat("matmul: weights of type ", dtype_name(w.dtype), " are not supported here"));
  }
  const int block_elems = dtype_block_elems(w.dtype);  // 32, or 256 for the k-quants
  if (K % block_elems != 0) {
    throw Error(cat("matmul: ", dtype_name(w.dtype), " weights need K a multiple of ", block_elems,
                    ", got ", K));
  }
  if (!matmul_isa_supported(isa)) {
    throw InternalError(cat("matmul: this CPU cannot run the ", matmul_isa_name(isa), " path"));
  }
}

}  // namespace

void matmul_with_isa(MatmulIsa isa, const float* x, int64_t M, int64_t K, const TensorView& w,
                     const float* bias, float* y, ThreadPool& pool) {
  check_operands(isa, K, w);
  const int64_t N = w.shape[0];
  if (M <= 0 || N <= 0) return;
  const bool split_rows = splits_rows(M, N, pool);
  if (dtype_is_quantized(w.dtype)) {
    const QuantizedInput in = quantize_input(isa, activation_group(isa, w.dtype, M), x, M, K, pool);
    matmul_quantized(isa, in, M, K, w, bias, y, pool, split_rows);
    return;
  }
  const ColumnsFn columns = columns_fn(isa);
  const MatmulProblem problem{x, M, K, N, w.data, w.dtype, bias, y};

  if (!split_rows) {
    pool.parallel_for(N, kColumnGrain, [&](int64_t n0, int64_t n1) { columns(problem, n0, n1); });
    return;
  }
  pool.parallel_for(M, kRowGrain, [&](int64_t m0, int64_t m1) {
    MatmulProblem rows = problem;
    rows.x = x + m0 * K;
    rows.y = y + m0 * N;
    rows.M = m1 - m0;
    columns(rows, 0, N);
  });
}

void matmul_scalar_twin(MatmulIsa isa, const float* x, int64_t M, int64_t K, const TensorView& w,
                        const float* bias, float* y, ThreadPool& pool) {
  check_operands(MatmulIsa::Scalar, K, w);
  if (!dtype_is_quantized(w.dtype)) {
    return matmul_with_isa(MatmulIsa::Scalar, x, M, K, w, bias, y, pool);
  }
  const int64_t N = w.shape[0];
  if (M <= 0 || N <= 0) return;
  // The scalar quantizers give every path's bytes: only the scale's span has to follow `isa`.
  const int64_t x_group = activation_group(isa, w.dtype, M);
  const auto [qs, scales, sums, group, id] =
      quantize_input(MatmulIsa::Scalar, x_group, x, M, K, pool);
  matmul_quant_columns_scalar({qs, scales, sums, M, K, N, w.data, w.dtype, bias, y, group, id}, 0,
                              N);
}

void matmul(const float* x, int64_t M, int64_t K, const TensorView& w, const float* bias, float* y,
            ThreadPool& pool) {
  matmul_with_isa(matmul_best_isa(), x, M, K, w, bias, y, pool);
}

void matmul_shared_input_with_isa(MatmulIsa isa, const float* x, int64_t M, int64_t K,
                                  std::span<const MatmulOutput> outputs, ThreadPool& pool) {
  if (outputs.empty()) return;
  const bool quantized = dtype_is_quantized(outputs[0].w->dtype);
  bool all_same_kind = true;
  int64_t total = 0;
  for (const MatmulOutput& out : outputs) {
    check_operands(isa, K, *out.w);
    all_same_kind = all_same_kind && dtype_is_quantized(out.w->dtype) == quantized;
    total += out.w->shape[0];
  }
  if (M <= 0) return;
  // The input as each output's weights take it (per 32 or per super-block): at most two forms,
  // each quantized once.
  QuantizedInput in_32{}, in_256{};
  const auto input_for = [&](const TensorView& w) -> const QuantizedInput& {
    const int64_t group = activation_group(isa, w.dtype, M);
    QuantizedInput& in = group == kSuperBlock ? in_256 : in_32;
    if (in.qs == nullptr) in = quantize_input(isa, group, x, M, K, pool);
    return in;
  };
  // Prefill is compute-bound (one wait per weight is nothing next to it) and has its own splits.
  if (M > kDecodeRowsMax || !all_same_kind || pool.size() == 1) {
    for (const MatmulOutput& out : outputs) {
      const TensorView& w = *out.w;
      if (!dtype_is_quantized(w.dtype)) {
        matmul_with_isa(isa, x, M, K, w, out.bias, out.y, pool);
        continue;
      }
      matmul_quantized(isa, input_for(w), M, K, w, out.bias, out.y, pool,
                       splits_rows(M, w.shape[0], pool));
    }
    return;
  }
  if (quantized) {
    for (const MatmulOutput& out : outputs) input_for(*out.w);
  }
  const ColumnsFn columns = columns_fn(isa);
  const QuantColumnsFn quant_columns = quant_columns_fn(isa);
  // The outputs' columns laid end to end: each thread streams one contiguous range of them.
  pool.parallel_for(total, kColumnGrain, [&](int64_t t0, int64_t t1) {
    int64_t first = 0;
    for (const MatmulOutput& out : outputs) {
      const TensorView& w = *out.w;
      const int64_t N = w.shape[0];
      const int64_t n0 = std::max<int64_t>(t0 - first, 0), n1 = std::min<int64_t>(t1 - first, N);
      first += N;
      if (n0 >= n1) continue;
      if (quantized) {
        const QuantizedInput& in =
            activation_group(isa, w.dtype, M) == kSuperBlock ? in_256 : in_32;
        quant_columns({in.qs, in.scales, in.sums, M, K, N, w.data, w.dtype, out.bias, out.y,
                       in.x_group, in.id},
                      n0, n1);
      } else {
        columns({x, M, K, N, w.data, w.dtype, out.bias, out.y}, n0, n1);
      }
    }
  });
}

void matmul_shared_input(const float* x, int64_t M, int64_t K,
                         std::initializer_list<MatmulOutput> outputs, ThreadPool& pool) {
  matmul_shared_input_with_isa(matmul_best_isa(), x, M, K,
                               std::span<const MatmulOutput>(outputs.begin(), outputs.size()),
                               pool);
}

}  // namespace lowspec
