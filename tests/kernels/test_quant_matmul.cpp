// Matmul with Q8_0/Q4_0 weights: every path (scalar, AVX2, AVX-512 VNNI where present) against
// matmul_reference's quantized twin (same activation quantization, exact integer dots) tightly,
// and the twin against float math on the dequantized weights within the activation rounding.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <memory>
#include <random>
#include <utility>
#include <vector>

#include "core/cpu_features.h"
#include "core/error.h"
#include "core/half.h"
#include "kernels/kernel_test_inputs.h"
#include "kernels/matmul.h"
#include "kernels/matmul_dispatch.h"
#include "kernels/quant_blocks.h"
#include "kernels/quantize.h"

using namespace lowspec;
using lowspec::test::pool_of;
using lowspec::test::random_floats;

namespace {

struct QuantWeights {
  AlignedBuffer<uint8_t> storage;
  TensorView view;
  std::vector<float> values;  // dequantized, [N, K]
};

std::unique_ptr<QuantWeights> random_quant_weights(DType dtype, int64_t N, int64_t K,
                                                   std::mt19937& rng) {
  auto w = std::make_unique<QuantWeights>();
  std::vector<float> f = random_floats(static_cast<size_t>(N * K), rng);
  w->view = quantize_matrix(TensorView{DType::F32, {N, K}, f.data(), f.size() * 4}, dtype,
                            w->storage, pool_of(2));
  w->values.resize(f.size());
  for (int64_t n = 0; n < N; ++n) dequantize_row(w->view, n, w->values.data() + n * K);
  return w;
}

struct QuantShape {
  int64_t K, N;
};

class QuantMatmulPath : public ::testing::TestWithParam<MatmulIsa> {
 protected:
  void SetUp() override {
    if (!matmul_isa_supported(GetParam())) {
      GTEST_SKIP() << "this CPU has no " << matmul_isa_name(GetParam()) << " path";
    }
  }
};

TEST_P(QuantMatmulPath, MatchesQuantizedReferenceOnAwkwardShapes) {
  const MatmulIsa isa = GetParam();
  const int64_t ms[] = {1, 2, 3, 4, 5, 7, 13, 40};
  // one block, an odd number of blocks, N tails of every tile width, whole 16-block steps of
  // Q4_0 decode with and without a partial one
  const QuantShape shapes[] = {{32, 1}, {32, 7}, {96, 5}, {288, 33}, {64, 67}, {1024, 9}, {2080, 10}};
  std::mt19937 rng(7);
  for (DType dtype : {DType::Q8_0, DType::Q4_0}) {
    for (const QuantShape& s : shapes) {
      const auto w = random_quant_weights(dtype, s.N, s.K, rng);
      const std::vector<float> bias = random_floats(static_cast<size_t>(s.N), rng);
      for (int64_t M : ms) {
        const std::vector<float> x = random_floats(static_cast<size_t>(M * s.K), rng);
        for (bool with_bias : {false, true}) {
          const float* b = with_bias ? bias.data() : nullptr;
          std::vector<float> want(static_cast<size_t>(M * s.N));
          matmul_reference(x.data(), M, s.K, w->view, b, want.data());
          for (int threads = 1; threads <= 3; ++threads) {
            std::vector<float> got(want.size(), NAN);
            matmul_with_isa(isa, x.data(), M, s.K, w->view, b, got.data(), pool_of(threads));
            for (int64_t m = 0; m < M; ++m) {
              for (int64_t n = 0; n < s.N; ++n) {
                double magnitude = with_bias ? std::fabs(bias[n]) : 0.0;
                for (int64_t k = 0; k < s.K; ++k) {
                  magnitude += std::fabs(x[m * s.K + k] * w->values[n * s.K + k]);
                }
                const size_t i = static_cast<size_t>(m * s.N + n);
                ASSERT_NEAR(got[i], want[i], 2e-6 * magnitude + 1e-30)
                    << dtype_name(dtype) << " M=" << M << " K=" << s.K << " N=" << s.N
                    << " bias=" << with_bias << " threads=" << threads << " at m=" << m
                    << " n=" << n;
              }
            }
          }
        }
      }
    }
  }
}

// Extreme blocks, where int16 pair sums would saturate if a body added more steps than they hold
// (Q8_0 weights of -128 and 127, Q4_0 nibbles of 0 and 15, every activation at +-127): every path
// equals the twin's exact int32 dots. M = 2 runs the decode bodies, M = 9 the prefill panels.
TEST_P(QuantMatmulPath, ExtremeBlocksDoNotSaturate) {
  const MatmulIsa isa = GetParam();
  const int64_t K = 256, N = 11, blocks = K / kQuantBlock;
  const uint16_t one = f32_to_f16(1.0f);
  for (DType dtype : {DType::Q8_0, DType::Q4_0}) {
    AlignedBuffer<uint8_t> storage(static_cast<size_t>(N * *dtype_bytes(dtype, K)));
    for (int64_t n = 0; n < N; ++n) {
      for (int64_t b = 0; b < blocks; ++b) {
        const bool high = (n + b / 3) % 2 == 0;  // rows and runs of blocks of both extremes
        if (dtype == DType::Q8_0) {
          BlockQ8_0& blk = reinterpret_cast<BlockQ8_0*>(storage.data())[n * blocks + b];
          blk.d = one;
          std::fill_n(blk.qs, kQuantBlock, static_cast<int8_t>(high ? 127 : -128));
        } else {
          BlockQ4_0& blk = reinterpret_cast<BlockQ4_0*>(storage.data())[n * blocks + b];
          blk.d = one;
          std::fill_n(blk.qs, kQuantBlock / 2, static_cast<uint8_t>(high ? 0xff : 0x00));
        }
      }
    }
    const TensorView w{dtype, {N, K}, storage.data(), storage.size()};
    for (int64_t M : {2, 9}) {
      std::vector<float> x(static_cast<size_t>(M * K));
      for (int64_t m = 0; m < M; ++m) {
        for (int64_t k = 0; k < K; ++k)
          x[m * K + k] = (m % 3 == 0 || (m % 3 == 2 && k % 2)) ? 1 : -1;
      }
      std::vector<float> want(static_cast<size_t>(M * N)), got(want.size(), NAN);
      matmul_reference(x.data(), M, K, w, nullptr, want.data());
      matmul_with_isa(isa, x.data(), M, K, w, nullptr, got.data(), pool_of(1));
      for (size_t i = 0; i < want.size(); ++i) {
        ASSERT_NEAR(got[i], want[i], 1e-5 * std::fabs(want[i]) + 1e-6)
            << dtype_name(dtype) << " M=" << M << " at " << i;
      }
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Isa, QuantMatmulPath,
                         ::testing::Values(MatmulIsa::Scalar, MatmulIsa::Avx2, MatmulIsa::Avx512,
                                           MatmulIsa::Neon),
                         [](const auto& info) { return std::string(matmul_isa_name(info.param)); });

// The twin's only departure from float math is rounding each input to its block's int8 grid:
// at most half a step (amax/127/2) per element.
TEST(QuantMatmulReference, StaysWithinActivationRoundingOfFloatMath) {
  std::mt19937 rng(9);
  const int64_t M = 3, K = 160, N = 9;
  for (DType dtype : {DType::Q8_0, DType::Q4_0}) {
    const auto w = random_quant_weights(dtype, N, K, rng);
    const std::vector<float> x = random_floats(static_cast<size_t>(M * K), rng);
    std::vector<float> got(M * N);
    matmul_reference(x.data(), M, K, w->view, nullptr, got.data());
    for (int64_t m = 0; m < M; ++m) {
      for (int64_t n = 0; n < N; ++n) {
        double exact = 0, magnitude = 0, bound = 1e-5;
        for (int64_t b = 0; b < K / 32; ++b) {
          float amax = 0;
          for (int j = 0; j < 32; ++j) amax = std::max(amax, std::fabs(x[m * K + b * 32 + j]));
          for (int j = 0; j < 32; ++j) {
            const int64_t k = b * 32 + j;
            exact += static_cast<double>(x[m * K + k]) * w->values[n * K + k];
            magnitude += std::fabs(x[m * K + k] * w->values[n * K + k]);
            bound += std::fabs(w->values[n * K + k]) * amax / 127.0 * 0.5 * 1.001;
          }
        }
        EXPECT_NEAR(got[m * N + n], exact, bound) << dtype_name(dtype) << " " << m << "," << n;
        EXPECT_LT(bound, 0.02 * magnitude);  // the check is not vacuous
      }
    }
  }
}

#if defined(__x86_64__)  // the AVX2 and AVX-512 twins exist only in x86 builds
// The SIMD activation quantizers give the scalar rule's bytes, scales and sums exactly, per 32 and
// per super-block, halves (x * 127 / amax landing on k + 0.5) included: they round away from zero
// as roundf does.
TEST(QuantMatmul, SimdActivationQuantizationEqualsScalar) {
  using Fn = void (*)(const float*, int64_t, int8_t*, float*, int32_t*);
  struct Path {
    const char* name;
    Fn simd, scalar;
    int64_t group;
  };
  std::vector<Path> paths;
  if (matmul_isa_supported(MatmulIsa::Avx2)) {
    paths.push_back({"avx2", quantize_activations_avx2, quantize_activations_scalar, 32});
    paths.push_back(
        {"avx2 per 256", quantize_activations_256_avx2, quantize_activations_256_scalar, 256});
  }
  if (cpu_features().avx512vnni && matmul_isa_supported(MatmulIsa::Avx512)) {
    paths.push_back({"avx512", quantize_activations_avx512, quantize_activations_scalar, 32});
  }
  if (paths.empty()) GTEST_SKIP() << "no AVX2 on this CPU";
  std::mt19937 rng(11);
  const int64_t n = 256 * 5;
  std::vector<float> x = random_floats(static_cast<size_t>(n), rng);
  for (int64_t b = 0; b < n / 32; b += 3) {  // every third block: amax 127, exact halves
    x[b * 32] = 127.0f;
    for (int j = 1; j < 32; j += 2) x[b * 32 + j] = (j % 4 == 1 ? 1.0f : -1.0f) * (j / 2 + 0.5f);
  }
  x[5 * 32 + 3] = 0.0f;
  std::fill(x.begin() + 7 * 32, x.begin() + 8 * 32, 0.0f);    // an all-zero block
  std::fill(x.begin() + 2 * 256, x.begin() + 3 * 256, 0.0f);  // an all-zero super-block
  for (const Path& path : paths) {
    std::vector<int8_t> q_scalar(n), q_simd(n);
    std::vector<float> d_scalar(n / path.group), d_simd(n / path.group);
    std::vector<int32_t> s_scalar(n / 32), s_simd(n / 32);
    path.scalar(x.data(), n, q_scalar.data(), d_scalar.data(), s_scalar.data());
    path.simd(x.data(), n, q_simd.data(), d_simd.data(), s_simd.data());
    EXPECT_EQ(q_simd, q_scalar) << path.name;
    EXPECT_EQ(d_simd, d_scalar) << path.name;
    EXPECT_EQ(s_simd, s_scalar) << path.name;
    EXPECT_EQ(d_scalar[0], 1.0f) << path.name;  // amax 127 in the first block
    EXPECT_EQ(q_scalar[1], 1) << path.name;     // 0.5 -> 1
    EXPECT_EQ(q_scalar[3], -2) << path.name;    // -1.5 -> -2
    int32_t sum = 0;
    for (int j = 0; j < 32; ++j) sum += q_scalar[32 + j];
    EXPECT_EQ(s_scalar[1], sum) << path.name;
  }
}

// QuantMatmulProblem::input_id lets a body keep what it derives from an input (the AVX2 panels
// keep the rows laid out per tile) for the next call with the same input_id and rows. Calls that
// share the id but not the rows (another block of rows), or give none, are each computed on their
// own rows: the same as the scalar body on them.
TEST(QuantMatmul, BodiesKeepDerivedInputsOnlyForTheSameRows) {
  using Columns = void (*)(const QuantMatmulProblem&, int64_t, int64_t);
  std::vector<std::pair<const char*, Columns>> bodies;
  if (matmul_isa_supported(MatmulIsa::Avx2)) bodies.emplace_back("avx2", matmul_quant_columns_avx2);
  if (matmul_isa_supported(MatmulIsa::Avx512)) {
    bodies.emplace_back("avx512", matmul_quant_columns_avx512);
  }
  if (bodies.empty()) GTEST_SKIP() << "no AVX2 on this CPU";
  std::mt19937 rng(5);
  const int64_t M = 9, K = 256, N = 24, blocks = K / 32;
  const auto w = random_quant_weights(DType::Q4_0, N, K, rng);
  // Rows 0..M of x, then rows M..2M: two inputs in one buffer, as a split by rows passes them.
  const std::vector<float> x = random_floats(static_cast<size_t>(2 * M * K), rng);
  std::vector<int8_t> xq(x.size());
  std::vector<float> xd(x.size() / 32);
  std::vector<int32_t> xsum(x.size() / 32);
  quantize_activations(x.data(), static_cast<int64_t>(x.size()), xq.data(), xd.data());
  for (size_t b = 0; b < xsum.size(); ++b) {
    for (int j = 0; j < 32; ++j) xsum[b] += xq[32 * b + j];
  }
  const auto problem = [&](int64_t half, uint64_t id, float* y) {
    return QuantMatmulProblem{xq.data() + half * M * K,
                              xd.data() + half * M * blocks,
                              xsum.data() + half * M * blocks,
                              M,
                              K,
                              N,
                              w->view.data,
                              DType::Q4_0,
                              nullptr,
                              y,
                              32,
                              id};
  };
  for (const auto& [name, columns] : bodies) {
    for (const uint64_t id : {uint64_t{0}, uint64_t{12345}}) {
      for (int64_t half : {0, 1}) {
        std::vector<float> got(static_cast<size_t>(M * N)), want(got.size());
        columns(problem(half, id, got.data()), 0, N);
        matmul_quant_columns_scalar(problem(half, 0, want.data()), 0, N);
        for (size_t i = 0; i < got.size(); ++i) {
          ASSERT_NEAR(got[i], want[i], 1e-4f * (1.0f + std::fabs(want[i])))
              << name << " id=" << id << " rows from " << half * M << " at " << i;
        }
      }
    }
  }
}
#endif

TEST(QuantMatmul, RejectsKThatIsNotWholeBlocks) {
  std::vector<uint8_t> bytes(34 * 2);
  const TensorView w{DType::Q8_0, {1, 48}, bytes.data(), bytes.size()};
  std::vector<float> x(48), y(1);
  EXPECT_THROW(matmul(x.data(), 1, 48, w, nullptr, y.data(), pool_of(1)), Error);
  EXPECT_THROW(matmul_reference(x.data(), 1, 48, w, nullptr, y.data()), Error);
}

}  // namespace
