// Q8_0 / Q4_0 block quantization: hand-computed blocks bit for bit (GGUF layout, ggml's rounding),
// round-trip error bounds on random rows, lengths that are not whole blocks rejected.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <random>
#include <vector>

#include "core/error.h"
#include "core/half.h"
#include "kernels/matmul.h"
#include "kernels/quantize.h"

using namespace lowspec;

namespace {

TEST(Quantize, Q8_0HandComputedBlock) {
  std::vector<float> x(32, 0.0f);
  x[0] = 127.0f;
  x[1] = -63.5f;  // halfway: rounds away from zero
  x[2] = 1.0f;
  x[31] = -0.49f;
  BlockQ8_0 block;
  quantize_row_q8_0(x.data(), &block, 32);
  EXPECT_EQ(block.d, 0x3C00);  // 1.0
  int8_t want[32] = {127, -64, 1};
  EXPECT_EQ(std::memcmp(block.qs, want, 32), 0);

  // amax 16: d = 16/127, q = round(x * 127/16)
  for (int j = 0; j < 32; ++j) x[j] = static_cast<float>(j - 16);
  quantize_row_q8_0(x.data(), &block, 32);
  EXPECT_EQ(block.d, f32_to_f16(16.0f / 127.0f));
  EXPECT_EQ(block.qs[0], -127);
  EXPECT_EQ(block.qs[15], -8);  // -7.9375
  EXPECT_EQ(block.qs[16], 0);
  EXPECT_EQ(block.qs[18], 16);   // 15.875
  EXPECT_EQ(block.qs[31], 119);  // 119.0625
}

TEST(Quantize, Q4_0HandComputedBlocks) {
  std::vector<float> x(32, 0.0f);
  x[0] = -8.0f;  // largest magnitude, negative: d = -8 / -8 = 1
  x[1] = 4.0f;
  x[2] = 2.0f;
  x[16] = 7.0f;
  BlockQ4_0 block;
  quantize_row_q4_0(x.data(), &block, 32);
  EXPECT_EQ(block.d, 0x3C00);
  // byte j: element j low, element j + 16 high; nibble = trunc(x / d + 8.5) capped at 15
  EXPECT_EQ(block.qs[0], 0xF0);
  EXPECT_EQ(block.qs[1], 0x8C);
  EXPECT_EQ(block.qs[2], 0x8A);
  for (int j = 3; j < 16; ++j) EXPECT_EQ(block.qs[j], 0x88) << j;

  // largest magnitude positive: d = -1, so 8 -> nibble 0 and -7 -> nibble 15
  std::fill(x.begin(), x.end(), 0.0f);
  x[0] = 8.0f;
  x[17] = -7.0f;
  quantize_row_q4_0(x.data(), &block, 32);
  EXPECT_EQ(block.d, 0xBC00);
  EXPECT_EQ(block.qs[0], 0x80);
  EXPECT_EQ(block.qs[1], 0xF8);
  float back[32];
  dequantize_row_q4_0(&block, back, 32);
  EXPECT_EQ(back[0], 8.0f);
  EXPECT_EQ(back[17], -7.0f);
  EXPECT_EQ(back[5], 0.0f);
}

TEST(Quantize, AllZeroBlocksStayZero) {
  std::vector<float> x(64, 0.0f), back(64, 1.0f);
  BlockQ8_0 q8[2];
  BlockQ4_0 q4[2];
  quantize_row_q8_0(x.data(), q8, 64);
  dequantize_row_q8_0(q8, back.data(), 64);
  for (float v : back) EXPECT_EQ(v, 0.0f);
  quantize_row_q4_0(x.data(), q4, 64);
  dequantize_row_q4_0(q4, back.data(), 64);
  for (float v : back) EXPECT_EQ(v, 0.0f);
}

TEST(Quantize, RoundTripErrorWithinHalfStepForQ8AndOneStepForQ4) {
  std::mt19937 rng(1);
  std::normal_distribution<float> dist(0.0f, 2.0f);
  const int64_t n = 32 * 50;
  std::vector<float> x(n), back(n);
  for (float& v : x) v = dist(rng);
  std::vector<BlockQ8_0> q8(n / 32);
  std::vector<BlockQ4_0> q4(n / 32);
  quantize_row_q8_0(x.data(), q8.data(), n);
  dequantize_row_q8_0(q8.data(), back.data(), n);
  for (int64_t i = 0; i < n; ++i) {
    const float d = std::fabs(f16_to_f32(q8[i / 32].d));
    // half a step, plus the f16 rounding of d times |q| <= 127
    ASSERT_LE(std::fabs(back[i] - x[i]), d * (0.5f + 127.0f / 2048.0f)) << i;
  }
  quantize_row_q4_0(x.data(), q4.data(), n);
  dequantize_row_q4_0(q4.data(), back.data(), n);
  for (int64_t i = 0; i < n; ++i) {
    const float d = std::fabs(f16_to_f32(q4[i / 32].d));
    ASSERT_LE(std::fabs(back[i] - x[i]), d * (1.0f + 8.0f / 2048.0f)) << i;
  }
}

TEST(Quantize, RejectsLengthsThatAreNotWholeBlocks) {
  std::vector<float> x(64, 1.0f);
  BlockQ8_0 q8[2];
  BlockQ4_0 q4[2];
  EXPECT_THROW(quantize_row_q8_0(x.data(), q8, 33), Error);
  EXPECT_THROW(quantize_row_q4_0(x.data(), q4, 31), Error);
  EXPECT_THROW(dequantize_row_q8_0(q8, x.data(), 40), Error);
  std::vector<int8_t> qs(64);
  std::vector<float> scales(2);
  EXPECT_THROW(quantize_activations(x.data(), 48, qs.data(), scales.data()), Error);
}

// The Q8_0 rule with a float scale per group of 32 (or 256), written out here; the NEON form
// (aarch64) must give the same bytes, including halves (rounded away from zero), an all-zero
// block and an all-zero super-block.
TEST(Quantize, ActivationsFollowTheQ8RuleExactly) {
  std::mt19937 rng(5);
  std::uniform_real_distribution<float> dist(-3.0f, 3.0f);
  const int64_t n = 32 * 24;
  std::vector<float> x(n);
  for (float& v : x) v = dist(rng);
  for (int j = 0; j < 32; ++j) x[32 + j] = 0.0f;
  const float halves[] = {127.0f, 2.5f, -3.5f, 0.5f, -0.5f, 126.5f, -126.5f, 1e-3f};
  for (int j = 0; j < 32; ++j) x[64 + j] = halves[j % 8];
  for (int j = 0; j < 32; ++j) x[96 + j] *= 1e-30f;  // tiny scale
  std::fill(x.begin() + 256, x.begin() + 512, 0.0f);
  for (int64_t group : {32, 256}) {
    std::vector<int8_t> qs(n);
    std::vector<float> scales(n / group);
    quantize_activations(x.data(), n, qs.data(), scales.data(), group);
    for (int64_t g = 0; g < n / group; ++g) {
      float amax = 0.0f;
      for (int64_t j = 0; j < group; ++j) amax = std::max(amax, std::fabs(x[g * group + j]));
      const float d = amax / 127.0f;
      ASSERT_EQ(scales[g], d) << "group " << g << " of " << group;
      for (int64_t j = 0; j < group; ++j) {
        const int want =
            d == 0.0f ? 0 : static_cast<int>(std::roundf(x[g * group + j] * (1.0f / d)));
        ASSERT_EQ(qs[g * group + j], want) << "group " << g << " of " << group << " element " << j;
      }
    }
    EXPECT_EQ(qs[64 + 1], 3) << group;
    EXPECT_EQ(qs[64 + 2], -4) << group;
    EXPECT_EQ(qs[64 + 5], 127) << group;
  }
  std::vector<int8_t> qs(n);
  std::vector<float> scales(n / 32);
  EXPECT_THROW(quantize_activations(x.data(), 32 * 9, qs.data(), scales.data(), 256), Error);
}

TEST(Quantize, MatrixKeepsRowsAndFeedsDequantizeRow) {
  std::mt19937 rng(2);
  std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
  const int64_t N = 3, K = 96;
  std::vector<uint16_t> bf16(N * K);
  for (uint16_t& h : bf16) h = f32_to_bf16(dist(rng));
  const TensorView w{DType::BF16, {N, K}, bf16.data(), bf16.size() * 2};
  ThreadPool pool(2);
  for (DType to : {DType::Q8_0, DType::Q4_0}) {
    AlignedBuffer<uint8_t> storage;
    const TensorView q = quantize_matrix(w, to, storage, pool);
    EXPECT_EQ(q.dtype, to);
    EXPECT_EQ(q.shape, w.shape);
    EXPECT_EQ(q.nbytes, *dtype_bytes(to, N * K));
    std::vector<float> row(K);
    dequantize_row(q, 2, row.data());
    for (int64_t k = 0; k < K; ++k) {
      EXPECT_NEAR(row[k], bf16_to_f32(bf16[2 * K + k]), to == DType::Q8_0 ? 0.01 : 0.15);
    }
  }
  const TensorView odd{DType::BF16, {1, 40}, bf16.data(), 80};
  AlignedBuffer<uint8_t> storage;
  EXPECT_THROW(quantize_matrix(odd, DType::Q8_0, storage, pool), Error);
  EXPECT_THROW(quantize_matrix(w, DType::F16, storage, pool), Error);
}

}  // namespace
