// The SIMD activations against their plain twins (libm): dense grids over the range where the
// functions bend, random values, the far tails, and lengths that leave a masked remainder.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

#include "kernels/activations.h"
#include "kernels/activations_dispatch.h"
#include "kernels/matmul_dispatch.h"

using namespace lowspec;

namespace {

using Activation = void (*)(float*, int64_t);

std::vector<float> inputs() {
  std::vector<float> v;
  for (float x = -12.0f; x <= 12.0f; x += 0.0037f) v.push_back(x);
  std::mt19937 rng(5);
  std::normal_distribution<float> dist(0.0f, 3.0f);
  for (int i = 0; i < 5000; ++i) v.push_back(dist(rng));
  for (float x : {0.0f, -0.0f, 1e-8f, -1e-8f, 30.0f, -30.0f, 100.0f, -100.0f, 1e4f, -1e4f}) {
    v.push_back(x);
  }
  return v;
}

#if defined(__x86_64__)  // the AVX2 and AVX-512 bodies exist only in x86 builds
void expect_twins_agree(MatmulIsa isa, Activation simd, Activation scalar, const char* name) {
  if (!matmul_isa_supported(isa)) GTEST_SKIP() << "no " << matmul_isa_name(isa) << " on this CPU";
  const std::vector<float> x = inputs();
  std::vector<float> fast = x, plain = x;
  simd(fast.data(), static_cast<int64_t>(fast.size()));
  scalar(plain.data(), static_cast<int64_t>(plain.size()));
  double worst = 0;
  for (size_t i = 0; i < x.size(); ++i) {
    ASSERT_TRUE(std::isfinite(fast[i])) << name << "(" << x[i] << ")";
    const double err = std::fabs(fast[i] - plain[i]) / std::max(1.0, std::fabs(double{x[i]}));
    worst = std::max(worst, err);
    ASSERT_LE(err, 4e-7) << name << "(" << x[i] << "): " << fast[i] << " vs " << plain[i];
  }
  EXPECT_GT(worst, 0.0) << name << ": the SIMD body did not run";
}

TEST(Activations, SiluAvx512EqualsTwin) {
  expect_twins_agree(MatmulIsa::Avx512, silu_avx512, silu_scalar, "silu");
}

TEST(Activations, GeluTanhAvx512EqualsTwin) {
  expect_twins_agree(MatmulIsa::Avx512, gelu_tanh_avx512, gelu_tanh_scalar, "gelu_tanh");
}

TEST(Activations, GeluErfAvx512EqualsTwin) {
  expect_twins_agree(MatmulIsa::Avx512, gelu_erf_avx512, gelu_erf_scalar, "gelu_erf");
}

TEST(Activations, SiluAvx2EqualsTwin) {
  expect_twins_agree(MatmulIsa::Avx2, silu_avx2, silu_scalar, "silu");
}

TEST(Activations, GeluTanhAvx2EqualsTwin) {
  expect_twins_agree(MatmulIsa::Avx2, gelu_tanh_avx2, gelu_tanh_scalar, "gelu_tanh");
}

TEST(Activations, GeluErfAvx2EqualsTwin) {
  expect_twins_agree(MatmulIsa::Avx2, gelu_erf_avx2, gelu_erf_scalar, "gelu_erf");
}
#endif

// A length that is not a multiple of 16 is finished under a mask; what follows is untouched.
TEST(Activations, RemainderIsMaskedAndNeighboursUntouched) {
  for (Activation f : {silu, gelu_tanh, gelu_erf}) {
    std::vector<float> v(40, 1.5f);
    f(v.data(), 37);
    for (int i = 0; i < 37; ++i) EXPECT_NE(v[i], 1.5f) << i;
    for (int i = 37; i < 40; ++i) EXPECT_EQ(v[i], 1.5f) << i;
  }
}

TEST(Activations, KnownValues) {
  float v[3] = {0.0f, 1.0f, -1.0f};
  gelu_erf(v, 3);
  EXPECT_EQ(v[0], 0.0f);
  EXPECT_NEAR(v[1], 0.8413447460685429, 2e-7);
  EXPECT_NEAR(v[2], -0.15865525393145707, 2e-7);
  float s[2] = {0.0f, 2.0f};
  silu(s, 2);
  EXPECT_EQ(s[0], 0.0f);
  EXPECT_NEAR(s[1], 2.0 / (1.0 + std::exp(-2.0)), 4e-7);
}

}  // namespace
