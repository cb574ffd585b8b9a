// Every matmul path (scalar, AVX2, AVX-512, where this CPU has them) against matmul_reference on
// awkward shapes: tails in K and N, K and N of 1, K and N past one packed panel, M on both sides
// of the decode/GEMM switch; each weight dtype, with and without bias, 1..3 threads.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <memory>
#include <random>
#include <vector>

#include "core/aligned_buffer.h"
#include "core/error.h"
#include "core/half.h"
#include "kernels/kernel_test_inputs.h"
#include "kernels/matmul.h"
#include "kernels/matmul_dispatch.h"
#include "kernels/quantize.h"

using namespace lowspec;
using lowspec::test::pool_of;
using lowspec::test::random_floats;

namespace {

// Weights in their storage dtype plus the float values they stand for.
struct Weights {
  std::vector<uint8_t> bytes;
  std::vector<float> values;  // exact widened values, row-major [N, K]
  TensorView view;
};

Weights random_weights(DType dtype, int64_t N, int64_t K, std::mt19937& rng) {
  std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
  Weights w;
  const size_t n = static_cast<size_t>(N * K);
  w.values.resize(n);
  w.bytes.resize(n * (dtype == DType::F32 ? 4 : 2));
  for (size_t i = 0; i < n; ++i) {
    const float v = dist(rng);
    if (dtype == DType::F32) {
      w.values[i] = v;
      std::memcpy(w.bytes.data() + 4 * i, &v, 4);
    } else {
      const uint16_t h = dtype == DType::F16 ? f32_to_f16(v) : f32_to_bf16(v);
      w.values[i] = dtype == DType::F16 ? f16_to_f32(h) : bf16_to_f32(h);
      std::memcpy(w.bytes.data() + 2 * i, &h, 2);
    }
  }
  w.view = TensorView{dtype, {N, K}, w.bytes.data(), w.bytes.size()};
  return w;
}

struct Shape {
  int64_t K, N;
};

class MatmulPath : public ::testing::TestWithParam<MatmulIsa> {
 protected:
  void SetUp() override {
    if (!matmul_isa_supported(GetParam())) {
      GTEST_SKIP() << "this CPU has no " << matmul_isa_name(GetParam()) << " path";
    }
  }
};

TEST_P(MatmulPath, MatchesReferenceOnAwkwardShapes) {
  const MatmulIsa isa = GetParam();
  // 7, 8, 9: a short last tile shares the rows of the one before (6 + 1 -> 4 + 3 on AVX2).
  const int64_t ms[] = {1, 2, 3, 4, 5, 7, 8, 9, 17, 64, 130};
  // {45, 1100}: one thread takes more columns than an AVX-512 y panel (1024) holds.
  const Shape shapes[] = {{1, 1},    {1, 37},   {7, 1},    {17, 33},
                          {100, 67}, {31, 300}, {600, 45}, {45, 1100}};
  std::mt19937 rng(7);
  for (DType dtype : {DType::F32, DType::F16, DType::BF16}) {
    for (const Shape& s : shapes) {
      const Weights w = random_weights(dtype, s.N, s.K, rng);
      const std::vector<float> bias = random_floats(static_cast<size_t>(s.N), rng);
      for (int64_t M : ms) {
        const std::vector<float> x = random_floats(static_cast<size_t>(M * s.K), rng);
        for (bool with_bias : {false, true}) {
          const float* b = with_bias ? bias.data() : nullptr;
          std::vector<float> want(static_cast<size_t>(M * s.N));
          matmul_reference(x.data(), M, s.K, w.view, b, want.data());
          for (int threads = 1; threads <= 3; ++threads) {
            std::vector<float> got(want.size(), NAN);
            matmul_with_isa(isa, x.data(), M, s.K, w.view, b, got.data(), pool_of(threads));
            for (int64_t m = 0; m < M; ++m) {
              for (int64_t n = 0; n < s.N; ++n) {
                double magnitude = with_bias ? std::fabs(bias[n]) : 0.0;
                for (int64_t k = 0; k < s.K; ++k) {
                  magnitude += std::fabs(x[m * s.K + k] * w.values[n * s.K + k]);
                }
                const size_t i = static_cast<size_t>(m * s.N + n);
                ASSERT_NEAR(got[i], want[i], 1e-5 * magnitude + 1e-30)
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

// K and N past several packed panels and tiles, input rows not a multiple of the tile and past
// one copied block of x (192 rows on AVX-512); K large enough that decode takes its
// several-rows-per-pass branch.
TEST_P(MatmulPath, MatchesReferenceOnLargeShapes) {
  const MatmulIsa isa = GetParam();
  std::mt19937 rng(11);
  const int64_t K = 4133, N = 301;
  for (DType dtype : {DType::F32, DType::F16, DType::BF16}) {
    const Weights w = random_weights(dtype, N, K, rng);
    const std::vector<float> bias = random_floats(static_cast<size_t>(N), rng);
    for (int64_t M : {1, 4, 29, 201}) {
      const std::vector<float> x = random_floats(static_cast<size_t>(M * K), rng);
      std::vector<float> want(static_cast<size_t>(M * N)), got(want.size());
      matmul_reference(x.data(), M, K, w.view, bias.data(), want.data());
      matmul_with_isa(isa, x.data(), M, K, w.view, bias.data(), got.data(), pool_of(2));
      for (size_t i = 0; i < want.size(); ++i) {
        // float round-off over K = 4133 products: relative to the result, plus a floor near 0
        ASSERT_NEAR(got[i], want[i], 2e-4 + 1e-5 * std::fabs(want[i]))
            << dtype_name(dtype) << " M=" << M << " at " << i;
      }
    }
  }
}

// One input by several weights in one dispatch equals one matmul per weight, bit for bit: float
// sets, block-format sets mixed as Q4_K_M files mix them, and a float/block mix (taken one by
// one), for decode and prefill row counts and 1..3 threads.
TEST_P(MatmulPath, SharedInputEqualsOneCallPerWeight) {
  const MatmulIsa isa = GetParam();
  const int64_t K = 256;
  const int64_t ns[] = {37, 5, 64, 130};
  const std::vector<std::vector<DType>> sets = {
      {DType::F32, DType::BF16, DType::F16, DType::F32},
      {DType::Q4_K, DType::Q6_K, DType::Q8_0, DType::Q4_0},
      {DType::Q5_K, DType::F32, DType::Q8_0, DType::BF16}};
  std::mt19937 rng(11);
  for (const auto& dtypes : sets) {
    std::vector<Weights> floats;
    std::vector<AlignedBuffer<uint8_t>> blocks(dtypes.size());
    std::vector<TensorView> views;
    for (size_t i = 0; i < dtypes.size(); ++i) {
      const bool quantized = dtype_is_quantized(dtypes[i]);
      floats.push_back(random_weights(quantized ? DType::F32 : dtypes[i], ns[i], K, rng));
      views.push_back(quantized ? quantize_matrix(floats[i].view, dtypes[i], blocks[i], pool_of(1))
                                : floats[i].view);
    }
    const std::vector<float> bias = random_floats(64, rng);
    for (const int64_t M : {1, 3, 4, 9}) {
      const std::vector<float> x = random_floats(static_cast<size_t>(M * K), rng);
      for (int threads = 1; threads <= 3; ++threads) {
        std::vector<std::vector<float>> one(dtypes.size()), shared(dtypes.size());
        std::vector<MatmulOutput> outputs;
        for (size_t i = 0; i < dtypes.size(); ++i) {
          const float* b = i == 2 ? bias.data() : nullptr;
          one[i].assign(static_cast<size_t>(M * ns[i]), 0.0f);
          shared[i].assign(static_cast<size_t>(M * ns[i]), -1.0f);
          matmul_with_isa(isa, x.data(), M, K, views[i], b, one[i].data(), pool_of(threads));
          outputs.push_back({&views[i], b, shared[i].data()});
        }
        matmul_shared_input_with_isa(isa, x.data(), M, K, outputs, pool_of(threads));
        for (size_t i = 0; i < dtypes.size(); ++i) {
          EXPECT_EQ(one[i], shared[i])
              << dtype_name(dtypes[i]) << " output " << i << " M=" << M << " threads=" << threads;
        }
      }
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Isa, MatmulPath,
                         ::testing::Values(MatmulIsa::Scalar, MatmulIsa::Avx2, MatmulIsa::Avx512,
                                           MatmulIsa::Neon),
                         [](const auto& info) { return std::string(matmul_isa_name(info.param)); });

TEST(Matmul, DefaultPathIsTheBestSupported) {
  EXPECT_TRUE(matmul_isa_supported(matmul_best_isa()));
  std::mt19937 rng(3);
  const Weights w = random_weights(DType::BF16, 40, 70, rng);
  const std::vector<float> x = random_floats(9 * 70, rng);
  std::vector<float> a(9 * 40), b(9 * 40);
  matmul(x.data(), 9, 70, w.view, nullptr, a.data(), pool_of(2));
  matmul_with_isa(matmul_best_isa(), x.data(), 9, 70, w.view, nullptr, b.data(), pool_of(2));
  EXPECT_EQ(a, b);
}

TEST(Matmul, RejectsMismatchedShapesAndUnsupportedDtypes) {
  std::mt19937 rng(5);
  const Weights w = random_weights(DType::F32, 4, 8, rng);
  std::vector<float> x(16), y(16);
  EXPECT_THROW(matmul(x.data(), 2, 7, w.view, nullptr, y.data(), pool_of(1)), Error);
  TensorView int_weights = w.view;
  int_weights.dtype = DType::I32;
  EXPECT_THROW(matmul(x.data(), 2, 8, int_weights, nullptr, y.data(), pool_of(1)), Error);
  const Weights other = random_weights(DType::F32, 4, 7, rng);
  EXPECT_THROW(
      matmul_shared_input(x.data(), 1, 8,
                          {{&w.view, nullptr, y.data()}, {&other.view, nullptr, y.data() + 4}},
                          pool_of(2)),
      Error);
}

}  // namespace
