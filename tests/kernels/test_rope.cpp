// Rotary embedding in the rotate_half layout: dims i and i + d/2 rotate together.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "kernels/rope.h"

using namespace lowspec;

TEST(Rope, RotatesPairsIAndIPlusHalfAndPassesTheRestThrough) {
  const int64_t rot = 4, half = 2;
  std::vector<float> inv(half);
  rope_inv_freq(10000.0f, rot, inv.data());
  EXPECT_FLOAT_EQ(inv[0], 1.0f);
  EXPECT_FLOAT_EQ(inv[1], 0.01f);  // 1 / 10000^(2/4)
  std::vector<float> cos(half), sin(half);
  rope_angles(3.0f, inv.data(), half, cos.data(), sin.data());
  // head_dim 6, rotary 4 (Phi-style partial): [x0 x1 | x2 x3] pairs (0,2) and (1,3); x4, x5 pass.
  std::vector<float> x = {1, 2, 3, 4, 5, 6};
  rope_rotate(x.data(), half, cos.data(), sin.data());
  EXPECT_FLOAT_EQ(x[0], 1 * std::cos(3.0f) - 3 * std::sin(3.0f));
  EXPECT_FLOAT_EQ(x[2], 3 * std::cos(3.0f) + 1 * std::sin(3.0f));
  EXPECT_FLOAT_EQ(x[1], 2 * std::cos(0.03f) - 4 * std::sin(0.03f));
  EXPECT_FLOAT_EQ(x[3], 4 * std::cos(0.03f) + 2 * std::sin(0.03f));
  EXPECT_EQ(x[4], 5);
  EXPECT_EQ(x[5], 6);
}

TEST(Rope, PositionZeroIsTheIdentity) {
  std::vector<float> inv(8), cos(8), sin(8);
  rope_inv_freq(500000.0f, 16, inv.data());
  rope_angles(0.0f, inv.data(), 8, cos.data(), sin.data());
  std::vector<float> x(16);
  for (int i = 0; i < 16; ++i) x[i] = 0.5f * i - 3;
  auto y = x;
  rope_rotate(y.data(), 8, cos.data(), sin.data());
  EXPECT_EQ(x, y);
}

TEST(Rope, InterleavedPairsRotateLikeRotateHalfOnPermutedDims) {
  const int64_t half = 4;
  std::vector<float> inv(half), cos(half), sin(half);
  rope_inv_freq(10000.0f, 2 * half, inv.data());
  rope_angles(7.0f, inv.data(), half, cos.data(), sin.data());
  std::vector<float> x(2 * half), pairs(2 * half);
  for (int64_t i = 0; i < 2 * half; ++i) x[i] = 0.25f * static_cast<float>(i * i) - 1.5f;
  // Pair i is (i, i + half) in rotate_half order and (2i, 2i + 1) interleaved.
  for (int64_t i = 0; i < half; ++i) {
    pairs[2 * i] = x[i];
    pairs[2 * i + 1] = x[i + half];
  }
  rope_rotate(x.data(), half, cos.data(), sin.data());
  rope_rotate_pairs(pairs.data(), half, cos.data(), sin.data());
  for (int64_t i = 0; i < half; ++i) {
    EXPECT_EQ(pairs[2 * i], x[i]) << i;
    EXPECT_EQ(pairs[2 * i + 1], x[i + half]) << i;
  }
}
