// k-quant weights in matmul: decode_group reads every block format as dequantize_row does; the
// scalar k-quant body equals float math on the dequantized weights and the activations rounded as
// matmul() rounds them, and every SIMD body this CPU runs equals the scalar one, on awkward sizes.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <iterator>
#include <random>
#include <vector>

#include "core/error.h"
#include "core/half.h"
#include "kernels/kernel_test_inputs.h"
#include "kernels/matmul.h"
#include "kernels/matmul_dispatch.h"
#include "kernels/quant_groups.h"
#include "kernels/quantize.h"

using namespace lowspec;
using lowspec::test::random_floats;

namespace {

constexpr DType kKQuants[] = {DType::Q4_K, DType::Q5_K, DType::Q6_K};

TEST(DecodeGroup, AgreesWithDequantizeRowForEveryBlockFormat) {
  std::mt19937 rng(21);
  const int64_t K = 512;
  const std::vector<float> x = random_floats(K, rng);
  for (DType t : {DType::Q8_0, DType::Q4_0, DType::Q4_K, DType::Q5_K, DType::Q6_K}) {
    std::vector<uint8_t> row(*dtype_bytes(t, K));
    quantize_row(t, x.data(), row.data(), K);
    std::vector<float> want(K);
    dequantize_row(t, row.data(), want.data(), K);
    const int G = group_size(t);
    EXPECT_EQ(G, t == DType::Q6_K ? 16 : 32);
    uint8_t u[32];
    float scale = NAN, offset = NAN;
    for (int64_t g = 0; g < K / G; ++g) {
      decode_group(t, row.data(), g, u, scale, offset);
      for (int j = 0; j < G; ++j) {
        // Exact but for Q6_K, whose d * sc * u can take one more rounding than d * sc * (q - 32).
        EXPECT_NEAR(scale * u[j] - offset, want[g * G + j], 1e-6f * std::fabs(offset))
            << dtype_name(t) << " group " << g << " element " << j;
      }
    }
  }
}

TEST(DecodeGroup, UnsignedRangesPerFormat) {
  std::mt19937 rng(22);
  const std::vector<float> x = random_floats(256, rng);
  const int top[] = {15, 31, 63};
  for (int i = 0; i < 3; ++i) {
    const DType t = kKQuants[i];
    std::vector<uint8_t> row(*dtype_bytes(t, 256));
    quantize_row(t, x.data(), row.data(), 256);
    int seen_max = 0;
    uint8_t u[32];
    float scale, offset;
    for (int64_t g = 0; g < 256 / group_size(t); ++g) {
      decode_group(t, row.data(), g, u, scale, offset);
      for (int j = 0; j < group_size(t); ++j) seen_max = std::max(seen_max, int{u[j]});
    }
    EXPECT_EQ(seen_max, top[i]) << dtype_name(t);  // the searches use the whole range
  }
}

struct KQuantWeights {
  AlignedBuffer<uint8_t> storage;
  TensorView view;
  std::vector<float> values;  // dequantized [N, K]
};

// The activations as matmul() sees them: int8 times a float scale per group of 32 (Q8_0's rule,
// quantize_activations()) or of 256 (the same rule over a super-block).
std::vector<float> rounded_activations(const std::vector<float>& x, int64_t M, int64_t K,
                                       int64_t group = 32) {
  std::vector<float> out(x.size());
  for (int64_t g = 0; g < M * K / group; ++g) {
    const float* xg = &x[g * group];
    float amax = 0.0f;
    for (int64_t j = 0; j < group; ++j) amax = std::max(amax, std::fabs(xg[j]));
    const float d = amax / 127.0f, id = d != 0.0f ? 1.0f / d : 0.0f;
    for (int64_t j = 0; j < group; ++j) out[g * group + j] = std::roundf(xg[j] * id) * d;
  }
  return out;
}

// Sum of |x w| over row m of x and column n of y: the scale a float sum's rounding error goes by.
double magnitude(const std::vector<float>& xr, const KQuantWeights& w,
                 const std::vector<float>& bias, int64_t K, int64_t N, int64_t i) {
  double sum = std::fabs(bias[i % N]);
  for (int64_t k = 0; k < K; ++k) sum += std::fabs(xr[i / N * K + k] * w.values[i % N * K + k]);
  return sum;
}

TEST(KQuantMatmul, EqualsFloatMathOnDequantizedOperands) {
  std::mt19937 rng(23);
  ThreadPool pool(2);
  for (DType t : kKQuants) {
    for (int64_t K : {256, 768, 2304}) {
      for (int64_t N : {1, 7, 33}) {
        KQuantWeights w;
        const std::vector<float> f = random_floats(N * K, rng);
        w.view = quantize_matrix(TensorView{DType::F32, {N, K}, f.data(), f.size() * 4}, t,
                                 w.storage, pool);
        ASSERT_EQ(w.view.dtype, t);
        w.values.resize(f.size());
        for (int64_t n = 0; n < N; ++n) dequantize_row(w.view, n, &w.values[n * K]);
        const TensorView dense{DType::F32, {N, K}, w.values.data(), w.values.size() * 4};
        const std::vector<float> bias = random_floats(N, rng);
        for (int64_t M : {1, 2, 3, 4, 5, 7, 20}) {
          const std::vector<float> x = random_floats(M * K, rng);
          const std::vector<float> xr = rounded_activations(x, M, K);
          std::vector<float> want(M * N), got(M * N, NAN), twin(M * N, NAN);
          matmul_reference(xr.data(), M, K, dense, bias.data(), want.data());
          matmul_with_isa(MatmulIsa::Scalar, x.data(), M, K, w.view, bias.data(), got.data(), pool);
          matmul_reference(x.data(), M, K, w.view, bias.data(), twin.data());
          for (int64_t i = 0; i < M * N; ++i) {
            const double size = magnitude(xr, w, bias, K, N, i);
            ASSERT_NEAR(got[i], want[i], 1e-5 * size)
                << dtype_name(t) << " M=" << M << " K=" << K << " N=" << N << " at " << i;
            ASSERT_NEAR(twin[i], want[i], 1e-6 * size) << dtype_name(t) << " at " << i;
          }
          // Every ISA entry takes k-quants and agrees with the scalar body on the activations
          // quantized as that ISA takes them (per 32, or per super-block where
          // matmul_uses_super_block_activations says so), up to float summation order (decode
          // M <= 4, row tiles beyond); that twin is float math on those activations.
          for (MatmulIsa isa : {MatmulIsa::Avx2, MatmulIsa::Avx512, MatmulIsa::Neon}) {
            if (!matmul_isa_supported(isa)) continue;
            const int64_t group = matmul_uses_super_block_activations(isa, t, M) ? 256 : 32;
            const std::vector<float> xg = rounded_activations(x, M, K, group);
            std::vector<float> fast(M * N, NAN), scalar(M * N, NAN), exact(M * N);
            matmul_with_isa(isa, x.data(), M, K, w.view, bias.data(), fast.data(), pool);
            matmul_scalar_twin(isa, x.data(), M, K, w.view, bias.data(), scalar.data(), pool);
            matmul_reference(xg.data(), M, K, dense, bias.data(), exact.data());
            for (int64_t i = 0; i < M * N; ++i) {
              const double size = magnitude(xg, w, bias, K, N, i);
              ASSERT_NEAR(scalar[i], exact[i], 1e-5 * size)
                  << matmul_isa_name(isa) << " " << dtype_name(t) << " M=" << M << " at " << i;
              ASSERT_NEAR(fast[i], scalar[i], 1e-5 * size)
                  << matmul_isa_name(isa) << " " << dtype_name(t) << " M=" << M << " at " << i;
            }
          }
        }
      }
    }
  }
}

// The AVX2 and NEON k-quant decodes take the input per super-block; the rest per 32 block (the
// predicate decides what the twin test above holds each path to).
TEST(KQuantMatmul, SuperBlockActivationsWhereTheKQuantDecodesTakeThem) {
  for (DType t : kKQuants) {
    for (int64_t M : {1, 4, 5}) {
      const bool decode = M <= 4;
      EXPECT_EQ(matmul_uses_super_block_activations(MatmulIsa::Avx2, t, M), decode);
      EXPECT_FALSE(matmul_uses_super_block_activations(MatmulIsa::Scalar, t, M));
      EXPECT_EQ(matmul_uses_super_block_activations(MatmulIsa::Neon, t, M), decode);
    }
  }
  EXPECT_FALSE(matmul_uses_super_block_activations(MatmulIsa::Avx2, DType::Q8_0, 1));
  EXPECT_FALSE(matmul_uses_super_block_activations(MatmulIsa::Avx2, DType::Q4_0, 1));
}

// Q6_K at the extremes, where int16 pair sums would saturate if a body added more steps than they
// hold: every value 63 or 0 (q = 31 or -32), sub-block scales 127 and -128, activations +-127.
// M = 2 runs the decode bodies, M = 9 the prefill panels; each equals the twin's exact dots.
// Every value at its format's top (Q4_K 15, Q5_K 31, Q6_K 63, scales and mins at theirs) or zero,
// in runs, against activations of +-1: the int16 sums the SIMD bodies keep before widening hold.
TEST(KQuantMatmul, ExtremeBlocksDoNotSaturate) {
  const int64_t K = 512, N = 11, supers = K / kSuperBlock;
  for (DType dtype : kKQuants) {
    const uint64_t block_bytes = *dtype_bytes(dtype, kSuperBlock);
    std::vector<uint8_t> storage(static_cast<size_t>(N * supers * block_bytes));
    for (int64_t i = 0; i < N * supers; ++i) {
      uint8_t* block = storage.data() + i * block_bytes;
      const uint8_t fill = (i / supers + i % supers) % 2 == 0 ? 0xff : 0x00;
      if (dtype == DType::Q6_K) {
        BlockQ6_K& b = *reinterpret_cast<BlockQ6_K*>(block);
        std::fill(std::begin(b.ql), std::end(b.ql), fill);
        std::fill(std::begin(b.qh), std::end(b.qh), fill);
        for (int s = 0; s < kSuperBlock / 16; ++s)
          b.scales[s] = static_cast<int8_t>(s % 3 ? 127 : -128);
        b.d = f32_to_f16(1.0f / 64);
        continue;
      }
      // Q4_K / Q5_K: the d, dmin, scales prefix, then (Q5_K) qh, then qs.
      BlockQ4_K& head = *reinterpret_cast<BlockQ4_K*>(block);
      head.d = head.dmin = f32_to_f16(1.0f / 64);
      std::fill(std::begin(head.scales), std::end(head.scales), uint8_t{0xff});  // sc = m = 63
      std::fill(block + 4 + sizeof(head.scales), block + block_bytes, fill);
    }
    const TensorView w{dtype, {N, K}, storage.data(), storage.size()};
    ThreadPool pool(1);
    for (int64_t M : {2, 9}) {
      std::vector<float> x(static_cast<size_t>(M * K));
      for (int64_t m = 0; m < M; ++m) {
        for (int64_t k = 0; k < K; ++k)
          x[m * K + k] = (m % 3 == 0 || (m % 3 == 2 && k % 2)) ? 1 : -1;
      }
      std::vector<float> want(static_cast<size_t>(M * N));
      matmul_reference(x.data(), M, K, w, nullptr, want.data());
      for (MatmulIsa isa :
           {MatmulIsa::Scalar, MatmulIsa::Avx2, MatmulIsa::Avx512, MatmulIsa::Neon}) {
        if (!matmul_isa_supported(isa)) continue;
        std::vector<float> got(want.size(), NAN);
        matmul_with_isa(isa, x.data(), M, K, w, nullptr, got.data(), pool);
        for (size_t i = 0; i < want.size(); ++i) {
          ASSERT_NEAR(got[i], want[i], 1e-5 * std::fabs(want[i]) + 1e-6)
              << dtype_name(dtype) << " " << matmul_isa_name(isa) << " M=" << M << " at " << i;
        }
      }
    }
  }
}

TEST(KQuantMatmul, RejectsKThatIsNotWholeSuperBlocks) {
  std::vector<uint8_t> bytes(2 * 144);
  const TensorView w{DType::Q4_K, {1, 288}, bytes.data(), bytes.size()};
  std::vector<float> x(288), y(1);
  ThreadPool pool(1);
  EXPECT_THROW(matmul(x.data(), 1, 288, w, nullptr, y.data(), pool), Error);
  EXPECT_THROW(matmul_reference(x.data(), 1, 288, w, nullptr, y.data()), Error);
  AlignedBuffer<uint8_t> storage;
  const std::vector<float> f(288);
  EXPECT_THROW(quantize_matrix(TensorView{DType::F32, {1, 288}, f.data(), f.size() * 4},
                               DType::Q5_K, storage, pool),
               Error);
}

}  // namespace
