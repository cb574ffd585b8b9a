// k-quants (Q4_K, Q5_K, Q6_K): blocks built by hand byte for byte dequantize to hand-computed
// values; crafted inputs on an exact grid quantize to the bytes GGUF's layout prescribes; on random
// rows every element lands on the nearest level its sub-block can store, and the error ranks
// Q4_0 > Q4_K > Q5_K > Q6_K; the generic quantize_row/dequantize_row; lengths not whole blocks.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <random>
#include <vector>

#include "core/error.h"
#include "core/half.h"
#include "kernels/quantize.h"

using namespace lowspec;

namespace {

// Scales and mins shared by the hand-built Q4_K / Q5_K blocks; d = 0.5, dmin = 0.25.
constexpr int kSc[8] = {1, 2, 3, 4, 37, 0, 63, 5};
constexpr int kMin[8] = {0, 4, 8, 1, 50, 0, 63, 2};
// kSc / kMin packed by hand: bytes 0-3 = sc0-3 | (sc4-7 >> 4) << 6, bytes 4-7 = m0-3 |
// (m4-7 >> 4) << 6, bytes 8-11 = (sc4-7 & 15) | (m4-7 & 15) << 4.
constexpr uint8_t kPackedScales[12] = {0x81, 0x02, 0xC3, 0x04, 0xC0, 0x04,
                                       0xC8, 0x01, 0x25, 0x00, 0xFF, 0x25};

// Elements whose qs nibbles are all zero are -dmin * m of their sub-block.
std::vector<float> zero_level_values() {
  std::vector<float> want(256);
  for (int k = 0; k < 256; ++k) want[k] = -0.25f * kMin[k / 32];
  return want;
}

TEST(QuantizeK, Q4_KHandBuiltBlock) {
  BlockQ4_K b{};
  b.d = 0x3800;     // 0.5
  b.dmin = 0x3400;  // 0.25
  std::memcpy(b.scales, kPackedScales, 12);
  b.qs[0] = 0x3A;        // element 0 (sub 0): q 10; element 32 (sub 1): q 3
  b.qs[64 + 5] = 0x7F;   // element 133 (sub 4): q 15; element 165 (sub 5): q 7
  b.qs[96 + 31] = 0x1E;  // element 223 (sub 6): q 14; element 255 (sub 7): q 1
  std::vector<float> want = zero_level_values();
  want[0] = 5.0f;       // 0.5*1*10 - 0
  want[32] = 2.0f;      // 0.5*2*3 - 0.25*4
  want[133] = 265.0f;   // 0.5*37*15 - 0.25*50
  want[165] = 0.0f;     // sc = m = 0
  want[223] = 425.25f;  // 0.5*63*14 - 0.25*63
  want[255] = 2.0f;     // 0.5*5*1 - 0.25*2
  std::vector<float> got(256);
  dequantize_row_q4_k(&b, got.data(), 256);
  for (int k = 0; k < 256; ++k) EXPECT_EQ(got[k], want[k]) << k;
}

TEST(QuantizeK, Q5_KHandBuiltBlock) {
  BlockQ5_K b{};
  b.d = 0x3800;
  b.dmin = 0x3400;
  std::memcpy(b.scales, kPackedScales, 12);
  b.qs[0] = 0x3A;
  b.qs[64 + 5] = 0x7F;
  b.qs[96 + 31] = 0x10;  // element 255: low 4 bits 1
  b.qh[0] = 0x03;        // bit j of qh[l] is the fifth bit of element 32 j + l: elements 0 and 32
  b.qh[5] = 0x10;        // element 133
  b.qh[9] = 0x40;        // element 201
  b.qh[31] = 0x80;       // element 255
  std::vector<float> want = zero_level_values();
  want[0] = 13.0f;     // 0.5*1*26
  want[32] = 18.0f;    // 0.5*2*19 - 1
  want[133] = 561.0f;  // 0.5*37*31 - 12.5
  want[165] = 0.0f;
  want[201] = 488.25f;  // 0.5*63*16 - 15.75
  want[255] = 42.0f;    // 0.5*5*17 - 0.5
  std::vector<float> got(256);
  dequantize_row_q5_k(&b, got.data(), 256);
  for (int k = 0; k < 256; ++k) EXPECT_EQ(got[k], want[k]) << k;
}

TEST(QuantizeK, Q6_KHandBuiltBlock) {
  BlockQ6_K b{};
  b.d = 0x3800;  // 0.5
  for (int s = 0; s < 16; ++s) b.scales[s] = static_cast<int8_t>(s + 1);
  b.scales[1] = -2;
  b.scales[8] = -128;
  b.scales[15] = 127;
  // Half 0, l = 0: ql[0] low/high = elements 0/64, ql[32] low/high = 32/96, qh[0] bit pairs
  // 0-1, 2-3, 4-5, 6-7 = elements 0, 32, 64, 96.
  b.ql[0] = 0x21;
  b.qh[0] = 0xE4;  // pairs 00, 01, 10, 11
  // Half 1, l = 8: ql[64 + 32 + 8] low/high = elements 168/232, qh[32 + 8] pairs 2-3 / 6-7.
  b.ql[104] = 0x9F;
  b.qh[40] = 0x0C;
  // Half 1, l = 31, quarter 3: element 255 from ql[127] high and qh[63] bits 6-7.
  b.ql[127] = 0xF0;
  b.qh[63] = 0xC0;
  std::vector<float> want(256);
  for (int k = 0; k < 256; ++k) want[k] = 0.5f * b.scales[k / 16] * -32.0f;  // q = 0
  want[0] = -15.5f;               // q 1, sc 1: 0.5*(1-32)
  want[32] = -24.0f;              // q 16, sc 3
  want[64] = 5.0f;                // q 34, sc 5
  want[96] = 56.0f;               // q 48, sc 7
  want[168] = 170.5f;             // q 63, sc 11
  want[232] = -172.5f;            // q 9, sc 15
  want[255] = 1968.5f;            // q 63, sc 127
  EXPECT_EQ(want[16], 32.0f);     // sc -2, q 0
  EXPECT_EQ(want[128], 2048.0f);  // sc -128, q 0
  std::vector<float> got(256);
  dequantize_row_q6_k(&b, got.data(), 256);
  for (int k = 0; k < 256; ++k) EXPECT_EQ(got[k], want[k]) << k;
}

// GGUF's nibble order for Q4_K/Q5_K: byte 32 c + l holds element 64 c + l low, 64 c + 32 + l high.
uint8_t nibble_of(const uint8_t* qs, int k) {
  const uint8_t byte = qs[32 * (k / 64) + k % 32];
  return (k % 64) < 32 ? byte & 0x0f : byte >> 4;
}

TEST(QuantizeK, Q4_KGridInputGivesExactBytes) {
  // Every sub-block takes all of 0..15 (i * 5 mod 16 runs through them): the fit is exact
  // (scale 1, min 0), every 6-bit scale is 63 against d = f16(1/63) = 0x2410, every min 0.
  std::vector<float> x(256);
  for (int k = 0; k < 256; ++k) x[k] = static_cast<float>((k % 32 * 5 + k / 32) % 16);
  BlockQ4_K b;
  quantize_row_q4_k(x.data(), &b, 256);
  EXPECT_EQ(b.d, 0x2410);
  EXPECT_EQ(b.dmin, 0x0000);
  const uint8_t scales[12] = {0xFF, 0xFF, 0xFF, 0xFF, 0, 0, 0, 0, 0x0F, 0x0F, 0x0F, 0x0F};
  EXPECT_EQ(std::memcmp(b.scales, scales, 12), 0);
  for (int k = 0; k < 256; ++k) EXPECT_EQ(nibble_of(b.qs, k), x[k]) << k;

  // Shifted down by 4: the min is 4 in every sub-block, so m = 63 against dmin = f16(4/63).
  for (float& v : x) v -= 4.0f;
  quantize_row_q4_k(x.data(), &b, 256);
  EXPECT_EQ(b.d, 0x2410);
  EXPECT_EQ(b.dmin, 0x2C10);
  for (int j = 0; j < 12; ++j) EXPECT_EQ(b.scales[j], 0xFF) << j;
  for (int k = 0; k < 256; ++k) EXPECT_EQ(nibble_of(b.qs, k), x[k] + 4.0f) << k;
}

TEST(QuantizeK, Q5_KGridInputGivesExactBytes) {
  std::vector<float> x(256);  // every sub-block takes all of 0..31
  for (int k = 0; k < 256; ++k) x[k] = static_cast<float>((k % 32 * 5 + k / 32) % 32);
  BlockQ5_K b;
  quantize_row_q5_k(x.data(), &b, 256);
  EXPECT_EQ(b.d, 0x2410);
  EXPECT_EQ(b.dmin, 0x0000);
  const uint8_t scales[12] = {0xFF, 0xFF, 0xFF, 0xFF, 0, 0, 0, 0, 0x0F, 0x0F, 0x0F, 0x0F};
  EXPECT_EQ(std::memcmp(b.scales, scales, 12), 0);
  for (int k = 0; k < 256; ++k) {
    const int fifth = (b.qh[k % 32] >> (k / 32)) & 1;
    EXPECT_EQ(nibble_of(b.qs, k) | fifth << 4, x[k]) << k;
  }
}

TEST(QuantizeK, Q6_KGridInputGivesExactBytes) {
  // Each sub-block of 16 holds -32 (its largest magnitude) and integers in -31..31: every
  // sub-block scale is exactly 1, stored as -128 against d = -1/128 (f16 0xA000).
  std::vector<float> x(256);
  for (int k = 0; k < 256; ++k) {
    x[k] = k % 16 == 0 ? -32.0f : static_cast<float>((k % 16 * 7 + k / 16 * 3) % 63 - 31);
  }
  BlockQ6_K b;
  quantize_row_q6_k(x.data(), &b, 256);
  EXPECT_EQ(b.d, 0xA000);
  for (int s = 0; s < 16; ++s) EXPECT_EQ(b.scales[s], -128) << s;
  for (int k = 0; k < 256; ++k) {
    // Element k = 128 h + 32 quarter + l: low 4 bits in ql[64 h + 32 (quarter % 2) + l] (high
    // nibble for quarters 2, 3), top 2 bits at 2 quarter in qh[32 h + l].
    const int h = k / 128, quarter = k % 128 / 32, l = k % 32;
    const uint8_t low = b.ql[64 * h + 32 * (quarter % 2) + l] >> (4 * (quarter / 2)) & 0x0f;
    const uint8_t top = b.qh[32 * h + l] >> (2 * quarter) & 3;
    EXPECT_EQ((low | top << 4) - 32, x[k]) << k;
  }
}

std::vector<float> gaussian_row(int64_t n, std::mt19937& rng) {
  std::normal_distribution<float> dist(0.0f, 1.0f);
  std::vector<float> x(static_cast<size_t>(n));
  for (float& v : x) v = dist(rng);
  return x;
}

// Asserts that y[i] is the level of {scale * q - offset : q in 0..qmax} nearest to x[i].
void expect_nearest_levels(const float* x, const float* y, int n, float scale, float offset,
                           int qmax) {
  const float lo = -offset, hi = scale * qmax - offset;
  const float tol = 1e-5f * (std::fabs(lo) + std::fabs(hi));
  for (int i = 0; i < n; ++i) {
    const float a = std::min(lo, hi), b = std::max(lo, hi);
    if (x[i] <= a || x[i] >= b) {
      EXPECT_NEAR(y[i], x[i] <= a ? a : b, tol) << i;  // clamped to the end of the grid
    } else {
      EXPECT_LE(std::fabs(y[i] - x[i]), 0.5f * std::fabs(scale) + tol) << i;
    }
  }
}

TEST(QuantizeK, EveryElementAtItsNearestLevel) {
  // The bound proved: each element is within half a step (d * sc) of its value, or at the end
  // of its sub-block's grid nearest to it; the search only picks which grid.
  std::mt19937 rng(3);
  const std::vector<float> x = gaussian_row(4 * 256, rng);
  std::vector<float> y(x.size());
  std::vector<BlockQ4_K> b4(4);
  quantize_row_q4_k(x.data(), b4.data(), 1024);
  dequantize_row_q4_k(b4.data(), y.data(), 1024);
  for (int s = 0; s < 32; ++s) {
    int sc, m;
    k_scale_min(b4[s / 8].scales, s % 8, sc, m);
    expect_nearest_levels(&x[32 * s], &y[32 * s], 32, f16_to_f32(b4[s / 8].d) * sc,
                          f16_to_f32(b4[s / 8].dmin) * m, 15);
  }
  std::vector<BlockQ5_K> b5(4);
  quantize_row_q5_k(x.data(), b5.data(), 1024);
  dequantize_row_q5_k(b5.data(), y.data(), 1024);
  for (int s = 0; s < 32; ++s) {
    int sc, m;
    k_scale_min(b5[s / 8].scales, s % 8, sc, m);
    expect_nearest_levels(&x[32 * s], &y[32 * s], 32, f16_to_f32(b5[s / 8].d) * sc,
                          f16_to_f32(b5[s / 8].dmin) * m, 31);
  }
  std::vector<BlockQ6_K> b6(4);
  quantize_row_q6_k(x.data(), b6.data(), 1024);
  dequantize_row_q6_k(b6.data(), y.data(), 1024);
  for (int s = 0; s < 64; ++s) {
    const float step = f16_to_f32(b6[s / 16].d) * b6[s / 16].scales[s % 16];
    expect_nearest_levels(&x[16 * s], &y[16 * s], 16, step, 32.0f * step, 63);
  }
}

double rmse(DType t, const std::vector<float>& x) {
  std::vector<uint8_t> q(*dtype_bytes(t, x.size()));
  std::vector<float> y(x.size());
  quantize_row(t, x.data(), q.data(), static_cast<int64_t>(x.size()));
  dequantize_row(t, q.data(), y.data(), static_cast<int64_t>(x.size()));
  double sum = 0;
  for (size_t i = 0; i < x.size(); ++i) sum += (double(x[i]) - y[i]) * (double(x[i]) - y[i]);
  return std::sqrt(sum / static_cast<double>(x.size()));
}

TEST(QuantizeK, ErrorShrinksWithBitsOnGaussianRows) {
  std::mt19937 rng(11);
  const std::vector<float> x = gaussian_row(64 * 256, rng);
  const double q4_0 = rmse(DType::Q4_0, x), q4_k = rmse(DType::Q4_K, x);
  const double q5_k = rmse(DType::Q5_K, x), q6_k = rmse(DType::Q6_K, x);
  // One more bit roughly halves the error; Q4_K's searched scale and min beat Q4_0's
  // max-magnitude scale at the same 4.5 bits per weight.
  EXPECT_LT(q4_k, 0.95 * q4_0);
  EXPECT_LT(q5_k, 0.6 * q4_k);
  EXPECT_LT(q6_k, 0.6 * q5_k);
  // A uniform grid over a Gaussian sub-block's range (about 4.3 sigma for 32 draws) leaves
  // RMSE ~ range / levels / sqrt(12); the searches land below that.
  EXPECT_LT(q4_k, 4.3 / 15 / std::sqrt(12.0));
  EXPECT_LT(q5_k, 4.3 / 31 / std::sqrt(12.0));
}

// Nearly the smallest RMSE any grid {scale * q + lo : q in 0..qmax} with float scale and lo
// reaches on each sub-block of 32, by a dense search (no 6-bit scales, no f16): what a careful
// search without the format's scale rounding gives.
double affine_floor_rmse(const std::vector<float>& x, int qmax) {
  double total = 0;
  for (size_t s = 0; s < x.size(); s += 32) {
    const float* xs = &x[s];
    const float lo0 = *std::min_element(xs, xs + 32), hi0 = *std::max_element(xs, xs + 32);
    const float base = (hi0 - lo0) / qmax;
    double best = 1e30;
    for (int i = 0; i < 120; ++i) {
      const float scale = base * (0.7f + 0.005f * i);
      for (int t = 0; t <= 40; ++t) {
        const float lo = lo0 + scale * (t / 40.0f - 0.5f);
        double err = 0;
        for (int j = 0; j < 32; ++j) {
          const float q = std::clamp(std::nearbyint((xs[j] - lo) / scale), 0.0f, float(qmax));
          err += (scale * q + lo - xs[j]) * (scale * q + lo - xs[j]);
        }
        best = std::min(best, err);
      }
    }
    total += best;
  }
  return std::sqrt(total / static_cast<double>(x.size()));
}

// The same for Q6_K's grids {scale * (q - 32) : q in 0..63} on sub-blocks of 16.
double symmetric_floor_rmse(const std::vector<float>& x) {
  double total = 0;
  for (size_t s = 0; s < x.size(); s += 16) {
    const float* xs = &x[s];
    float amax = 0.0f;
    for (int j = 0; j < 16; ++j) amax = std::max(amax, std::fabs(xs[j]));
    double best = 1e30;
    for (int sign : {-1, 1}) {
      for (int i = 0; i < 400; ++i) {
        const float scale = sign * amax / 32 * (0.7f + 0.0015f * i);
        double err = 0;
        for (int j = 0; j < 16; ++j) {
          const float q = std::clamp(std::nearbyint(xs[j] / scale), -32.0f, 31.0f);
          err += (scale * q - xs[j]) * (scale * q - xs[j]);
        }
        best = std::min(best, err);
      }
    }
    total += best;
  }
  return std::sqrt(total / static_cast<double>(x.size()));
}

TEST(QuantizeK, SearchesCloseToADenseSearch) {
  std::mt19937 rng(13);
  const std::vector<float> x = gaussian_row(16 * 256, rng);
  const double q4 = rmse(DType::Q4_K, x), floor4 = affine_floor_rmse(x, 15);
  const double q5 = rmse(DType::Q5_K, x), floor5 = affine_floor_rmse(x, 31);
  const double q6 = rmse(DType::Q6_K, x), floor6 = symmetric_floor_rmse(x);
  // The rest is mostly the 6-bit (8-bit for Q6_K) rounding of the sub-block scales.
  EXPECT_LT(q4, 1.10 * floor4);
  EXPECT_LT(q5, 1.12 * floor5);
  EXPECT_LT(q6, 1.10 * floor6);
}

TEST(QuantizeK, AllZeroRowsStayZero) {
  const std::vector<float> x(256, 0.0f);
  for (DType t : {DType::Q4_K, DType::Q5_K, DType::Q6_K}) {
    std::vector<uint8_t> q(*dtype_bytes(t, 256), 0xAB);
    std::vector<float> y(256, 1.0f);
    quantize_row(t, x.data(), q.data(), 256);
    dequantize_row(t, q.data(), y.data(), 256);
    for (float v : y) ASSERT_EQ(v, 0.0f) << dtype_name(t);
  }
}

TEST(QuantizeK, GenericRowsMatchTheTypedFunctions) {
  std::mt19937 rng(5);
  const std::vector<float> x = gaussian_row(512, rng);
  for (DType t : {DType::F32, DType::F16, DType::BF16, DType::Q8_0, DType::Q4_0, DType::Q4_K,
                  DType::Q5_K, DType::Q6_K}) {
    std::vector<uint8_t> q(*dtype_bytes(t, 512));
    quantize_row(t, x.data(), q.data(), 512);
    std::vector<uint8_t> want(q.size());
    switch (t) {
      case DType::F32:
        std::memcpy(want.data(), x.data(), want.size());
        break;
      case DType::F16:
      case DType::BF16:
        for (int i = 0; i < 512; ++i) {
          const uint16_t h = t == DType::F16 ? f32_to_f16(x[i]) : f32_to_bf16(x[i]);
          std::memcpy(&want[2 * i], &h, 2);
        }
        break;
      case DType::Q8_0:
        quantize_row_q8_0(x.data(), reinterpret_cast<BlockQ8_0*>(want.data()), 512);
        break;
      case DType::Q4_0:
        quantize_row_q4_0(x.data(), reinterpret_cast<BlockQ4_0*>(want.data()), 512);
        break;
      case DType::Q4_K:
        quantize_row_q4_k(x.data(), reinterpret_cast<BlockQ4_K*>(want.data()), 512);
        break;
      case DType::Q5_K:
        quantize_row_q5_k(x.data(), reinterpret_cast<BlockQ5_K*>(want.data()), 512);
        break;
      default:
        quantize_row_q6_k(x.data(), reinterpret_cast<BlockQ6_K*>(want.data()), 512);
        break;
    }
    EXPECT_EQ(q, want) << dtype_name(t);
    std::vector<float> y(512);
    dequantize_row(t, q.data(), y.data(), 512);
    if (t == DType::F32) {
      EXPECT_EQ(y, x);
    } else if (t == DType::F16) {
      EXPECT_EQ(y[7], f16_to_f32(f32_to_f16(x[7])));
    } else if (t == DType::BF16) {
      EXPECT_EQ(y[7], bf16_to_f32(f32_to_bf16(x[7])));
    }
  }
}

TEST(QuantizeK, RejectsLengthsThatAreNotWholeBlocks) {
  std::vector<float> x(512, 1.0f);
  std::vector<uint8_t> q(4096);
  EXPECT_THROW(quantize_row_q4_k(x.data(), reinterpret_cast<BlockQ4_K*>(q.data()), 288), Error);
  EXPECT_THROW(dequantize_row_q5_k(reinterpret_cast<BlockQ5_K*>(q.data()), x.data(), 32), Error);
  EXPECT_THROW(quantize_row(DType::Q6_K, x.data(), q.data(), 480), Error);
  EXPECT_THROW(dequantize_row(DType::Q4_0, q.data(), x.data(), 33), Error);
  EXPECT_THROW(quantize_row(DType::I32, x.data(), q.data(), 4), Error);
  EXPECT_NO_THROW(quantize_row(DType::Q4_0, x.data(), q.data(), 288));
}

}  // namespace
