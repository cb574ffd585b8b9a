// GGUF k-quants: Q4_K, Q5_K, Q6_K quantization (ggml's reference search, so files written here
// hold the bytes llama.cpp would write) and dequantization.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>

#include "core/error.h"
#include "core/half.h"
#include "kernels/quant_groups.h"
#include "kernels/quantize.h"

namespace lowspec {

namespace {

constexpr int kSubBlock = 32;       // Q4_K / Q5_K sub-block
constexpr int kSubBlock6 = 16;      // Q6_K sub-block
constexpr float kZeroEps = 1e-15f;  // below this a Q6_K group counts as all zero (ggml's bound)

int64_t super_block_count(int64_t n, const char* what) {
  if (n < 0 || n % kSuperBlock != 0) {
    throw Error(cat(what, ": ", n, " elements are not a whole number of ", kSuperBlock,
                    "-element super-blocks"));
  }
  return n / kSuperBlock;
}

// Round half to even, as ggml's nearest_int (the default FP rounding mode): past 1.5 * 2^23 the
// float spacing is 1, so the addition rounds v (|v| < 2^22) to the nearest integer, ties to even,
// and leaves it in the low mantissa bits. nearbyint was a libm call per element on baseline x86-64
// (no SSE4.1 round), most of a Q4_K quantization.
int nearest(float v) {
  const float shifted = v + 12582912.0f;
  int32_t bits;
  std::memcpy(&bits, &shifted, sizeof(bits));
  return (bits & 0x007fffff) - 0x00400000;
}

// Fits x[0..n) ~ scale * q + offset (q in 0..nmax, offset <= 0) minimizing sum w * err^2: starts
// from the min..max grid, then tries nsteps + 1 grids (nmax + rmin + rdelta * step levels across
// the range), each refined by the closed-form least-squares scale and offset for its q. Returns
// the scale; q receives the levels and min_out = -offset (>= 0).
float fit_scale_min(const float* x, const float* w, int n, int nmax, float rmin, float rdelta,
                    int nsteps, uint8_t* q, float& min_out) {
  float lo = x[0], hi = x[0], sum_w = w[0], sum_x = w[0] * x[0];
  for (int i = 1; i < n; ++i) {
    lo = std::min(lo, x[i]);
    hi = std::max(hi, x[i]);
    sum_w += w[i];
    sum_x += w[i] * x[i];
  }
  lo = std::min(lo, 0.0f);  // the offset is subtracted as a non-negative min
  if (hi == lo) {
    std::fill(q, q + n, 0);
    min_out = -lo;
    return 0.0f;
  }
  float iscale = nmax / (hi - lo);
  float scale = 1.0f / iscale;
  float best_err = 0.0f;
  for (int i = 0; i < n; ++i) {
    q[i] = static_cast<uint8_t>(std::clamp(nearest(iscale * (x[i] - lo)), 0, nmax));
    const float diff = scale * q[i] + lo - x[i];
    best_err += w[i] * (diff * diff);
  }
  uint8_t trial[kSubBlock];
  for (int step = 0; step <= nsteps; ++step) {
    iscale = (rmin + rdelta * step + nmax) / (hi - lo);
    float sum_l = 0.0f, sum_l2 = 0.0f, sum_xl = 0.0f;
    for (int i = 0; i < n; ++i) {
      const int l = std::clamp(nearest(iscale * (x[i] - lo)), 0, nmax);
      trial[i] = static_cast<uint8_t>(l);
      sum_l += w[i] * l;
      sum_l2 += w[i] * l * l;
      sum_xl += w[i] * l * x[i];
    }
    const float det = sum_w * sum_l2 - sum_l * sum_l;
    if (det <= 0.0f) continue;
    float this_scale = (sum_w * sum_xl - sum_x * sum_l) / det;
    float this_offset = (sum_l2 * sum_x - sum_l * sum_xl) / det;
    if (this_offset > 0.0f) {  // a positive offset cannot be stored: refit through zero
      this_offset = 0.0f;
      this_scale = sum_xl / sum_l2;
    }
    float err = 0.0f;
    for (int i = 0; i < n; ++i) {
      const float diff = this_scale * trial[i] + this_offset - x[i];
      err += w[i] * (diff * diff);
    }
    if (err < best_err) {
      std::copy(trial, trial + n, q);
      best_err = err;
      scale = this_scale;
      lo = this_offset;
    }
  }
  min_out = -lo;
  return scale;
}

// Fits x[0..n) ~ scale * l with l in -nmax..nmax-1 (signed levels stored as q = l + nmax),
// weighting errors by x^2 so large values are kept best; tries 19 grids around nmax / amax.
float fit_scale_symmetric(const float* x, int n, int nmax, uint8_t* q) {
  float amax = 0.0f, max = 0.0f;
  for (int i = 0; i < n; ++i) {
    if (std::fabs(x[i]) > amax) {
      amax = std::fabs(x[i]);
      max = x[i];
    }
  }
  if (amax < kZeroEps) {
    std::fill(q, q + n, 0);
    return 0.0f;
  }
  // Sums of w*x*l and w*l^2 (w = x^2) for the grid iscale; the best scale is their ratio.
  auto sums = [&](float iscale, float& sum_lx, float& sum_l2) {
    sum_lx = sum_l2 = 0.0f;
    for (int i = 0; i < n; ++i) {
      const int l = std::clamp(nearest(iscale * x[i]), -nmax, nmax - 1);
      const float w = x[i] * x[i];
      sum_lx += w * x[i] * l;
      sum_l2 += w * l * l;
    }
  };
  auto levels = [&](float iscale) {
    for (int i = 0; i < n; ++i) {
      q[i] = static_cast<uint8_t>(nmax + std::clamp(nearest(iscale * x[i]), -nmax, nmax - 1));
    }
  };
  float iscale = -nmax / max;  // the extreme value lands on -nmax, the side with one more level
  float sum_lx, sum_l2;
  sums(iscale, sum_lx, sum_l2);
  levels(iscale);
  float scale = sum_l2 != 0.0f ? sum_lx / sum_l2 : 0.0f;
  float best = scale * sum_lx;  // the weighted error falls as sum_lx^2 / sum_l2 grows
  for (int step = -9; step <= 9; ++step) {
    if (step == 0) continue;
    iscale = -(nmax + 0.1f * step) / max;
    sums(iscale, sum_lx, sum_l2);
    if (sum_l2 > 0.0f && sum_lx * sum_lx > best * sum_l2) {
      levels(iscale);
      scale = sum_lx / sum_l2;
      best = scale * sum_lx;
    }
  }
  return scale;
}

void pack_scale_min(uint8_t* scales, int j, int sc, int m) {
  if (j < 4) {
    scales[j] = static_cast<uint8_t>(sc);
    scales[j + 4] = static_cast<uint8_t>(m);
  } else {
    scales[j + 4] = static_cast<uint8_t>((sc & 0x0f) | (m & 0x0f) << 4);
    scales[j - 4] |= static_cast<uint8_t>((sc >> 4) << 6);
    scales[j] |= static_cast<uint8_t>((m >> 4) << 6);
  }
}

// One Q4_K/Q5_K super-block: levels q[256] in 0..nmax, plus d, dmin and the packed scales.
void quantize_super_block_affine(const float* x, int nmax, float rmin, int nsteps, uint16_t& d,
                                 uint16_t& dmin, uint8_t* scales, uint8_t* q) {
  constexpr int kSubs = kSuperBlock / kSubBlock;
  float sub_scale[kSubs], sub_min[kSubs], w[kSubBlock];
  float max_scale = 0.0f, max_min = 0.0f;
  for (int j = 0; j < kSubs; ++j) {
    const float* xs = x + j * kSubBlock;
    float sum_x2 = 0.0f;
    for (int i = 0; i < kSubBlock; ++i) sum_x2 += xs[i] * xs[i];
    // Errors on large values weigh more, but small ones are not ignored.
    const float rms = std::sqrt(sum_x2 / kSubBlock);
    for (int i = 0; i < kSubBlock; ++i) w[i] = rms + std::fabs(xs[i]);
    sub_scale[j] =
        fit_scale_min(xs, w, kSubBlock, nmax, rmin, 0.1f, nsteps, q + j * kSubBlock, sub_min[j]);
    max_scale = std::max(max_scale, sub_scale[j]);
    max_min = std::max(max_min, sub_min[j]);
  }
  const float inv_scale = max_scale > 0.0f ? 63.0f / max_scale : 0.0f;
  const float inv_min = max_min > 0.0f ? 63.0f / max_min : 0.0f;
  std::memset(scales, 0, 12);
  for (int j = 0; j < kSubs; ++j) {
    pack_scale_min(scales, j, std::min(63, nearest(inv_scale * sub_scale[j])),
                   std::min(63, nearest(inv_min * sub_min[j])));
  }
  d = f32_to_f16(max_scale / 63.0f);
  dmin = f32_to_f16(max_min / 63.0f);
  // Re-level against the scales as stored, so rounding of the 6-bit scales is compensated.
  for (int j = 0; j < kSubs; ++j) {
    int sc, m;
    k_scale_min(scales, j, sc, m);
    const float step = f16_to_f32(d) * sc;
    if (step == 0.0f) continue;
    const float offset = f16_to_f32(dmin) * m;
    for (int i = 0; i < kSubBlock; ++i) {
      const float v = x[j * kSubBlock + i];
      q[j * kSubBlock + i] =
          static_cast<uint8_t>(std::clamp(nearest((v + offset) / step), 0, nmax));
    }
  }
}

// Q4_K / Q5_K super-blocks to floats, group by group (value = d * sc * q - dmin * m).
void dequantize_groups(DType type, const void* blocks, float* out, int64_t super_blocks) {
  constexpr int kGroups = kSuperBlock / 32;
  uint8_t u[32];
  float scale = 0.0f, offset = 0.0f;
  for (int64_t g = 0; g < super_blocks * kGroups; ++g) {
    decode_group(type, static_cast<const uint8_t*>(blocks), g, u, scale, offset);
    for (int l = 0; l < 32; ++l) out[32 * g + l] = scale * u[l] - offset;
  }
}

}  // namespace

void quantize_row_q4_k(const float* x, BlockQ4_K* out, int64_t n) {
  const int64_t blocks = super_block_count(n, "quantize_row_q4_k");
  uint8_t q[kSuperBlock];
  for (int64_t b = 0; b < blocks; ++b) {
    BlockQ4_K& y = out[b];
    quantize_super_block_affine(x + b * kSuperBlock, 15, -1.0f, 20, y.d, y.dmin, y.scales, q);
    for (int c = 0; c < kSuperBlock / 64; ++c) {
      for (int l = 0; l < 32; ++l) {
        y.qs[32 * c + l] = static_cast<uint8_t>(q[64 * c + l] | q[64 * c + 32 + l] << 4);
      }
    }
  }
}

void quantize_row_q5_k(const float* x, BlockQ5_K* out, int64_t n) {
  const int64_t blocks = super_block_count(n, "quantize_row_q5_k");
  uint8_t q[kSuperBlock];
  for (int64_t b = 0; b < blocks; ++b) {
    BlockQ5_K& y = out[b];
    quantize_super_block_affine(x + b * kSuperBlock, 31, -0.5f, 15, y.d, y.dmin, y.scales, q);
    std::memset(y.qh, 0, sizeof(y.qh));
    for (int c = 0; c < kSuperBlock / 64; ++c) {
      for (int l = 0; l < 32; ++l) {
        const int lo = q[64 * c + l], hi = q[64 * c + 32 + l];
        y.qs[32 * c + l] = static_cast<uint8_t>((lo & 0x0f) | (hi & 0x0f) << 4);
        y.qh[l] |= static_cast<uint8_t>((lo >> 4) << (2 * c) | (hi >> 4) << (2 * c + 1));
      }
    }
  }
}

void quantize_row_q6_k(const float* x, BlockQ6_K* out, int64_t n) {
  const int64_t blocks = super_block_count(n, "quantize_row_q6_k");
  constexpr int kSubs = kSuperBlock / kSubBlock6;
  uint8_t q[kSuperBlock];
  float sub_scale[kSubs];
  for (int64_t b = 0; b < blocks; ++b) {
    const float* xb = x + b * kSuperBlock;
    BlockQ6_K& y = out[b];
    float max_scale = 0.0f, max_abs_scale = 0.0f;
    for (int j = 0; j < kSubs; ++j) {
      sub_scale[j] = fit_scale_symmetric(xb + j * kSubBlock6, kSubBlock6, 32, q + j * kSubBlock6);
      if (std::fabs(sub_scale[j]) > max_abs_scale) {
        max_abs_scale = std::fabs(sub_scale[j]);
        max_scale = sub_scale[j];
      }
    }
    std::memset(&y, 0, sizeof(y));
    if (max_abs_scale < kZeroEps) continue;  // all zero: d = 0
    // The largest scale maps to -128, the int8 side with one more level.
    const float iscale = -128.0f / max_scale;
    y.d = f32_to_f16(1.0f / iscale);
    for (int j = 0; j < kSubs; ++j) {
      y.scales[j] = static_cast<int8_t>(std::min(127, nearest(iscale * sub_scale[j])));
    }
    for (int j = 0; j < kSubs; ++j) {
      const float step = f16_to_f32(y.d) * y.scales[j];
      if (step == 0.0f) continue;
      for (int i = 0; i < kSubBlock6; ++i) {
        const int l = std::clamp(nearest(xb[j * kSubBlock6 + i] / step), -32, 31);
        q[j * kSubBlock6 + i] = static_cast<uint8_t>(l + 32);
      }
    }
    // Per 128 elements: ql[l] = q[l] | q[l+64] << 4, ql[l+32] = q[l+32] | q[l+96] << 4, and qh[l]
    // the top 2 bits of q[l], q[l+32], q[l+64], q[l+96] from low to high.
    for (int h = 0; h < 2; ++h) {
      const uint8_t* qq = q + 128 * h;
      uint8_t* ql = y.ql + 64 * h;
      uint8_t* qh = y.qh + 32 * h;
      for (int l = 0; l < 32; ++l) {
        ql[l] = static_cast<uint8_t>((qq[l] & 0x0f) | (qq[l + 64] & 0x0f) << 4);
        ql[l + 32] = static_cast<uint8_t>((qq[l + 32] & 0x0f) | (qq[l + 96] & 0x0f) << 4);
        qh[l] = static_cast<uint8_t>(qq[l] >> 4 | (qq[l + 32] >> 4) << 2 | (qq[l + 64] >> 4) << 4 |
                                     (qq[l + 96] >> 4) << 6);
      }
    }
  }
}

void dequantize_row_q4_k(const BlockQ4_K* blocks, float* out, int64_t n) {
  dequantize_groups(DType::Q4_K, blocks, out, super_block_count(n, "dequantize_row_q4_k"));
}

void dequantize_row_q5_k(const BlockQ5_K* blocks, float* out, int64_t n) {
  dequantize_groups(DType::Q5_K, blocks, out, super_block_count(n, "dequantize_row_q5_k"));
}

void dequantize_row_q6_k(const BlockQ6_K* blocks, float* out, int64_t n) {
  const int64_t count = super_block_count(n, "dequantize_row_q6_k");
  for (int64_t b = 0; b < count; ++b) {
    const BlockQ6_K& x = blocks[b];
    const float d = f16_to_f32(x.d);
    for (int h = 0; h < 2; ++h) {
      const uint8_t* ql = x.ql + 64 * h;
      const uint8_t* qh = x.qh + 32 * h;
      const int8_t* sc = x.scales + 8 * h;
      float* o = out + b * kSuperBlock + 128 * h;
      for (int l = 0; l < 32; ++l) {
        const int s = l / 16;
        const int q0 = (ql[l] & 0x0f) | (qh[l] & 3) << 4;
        const int q1 = (ql[l + 32] & 0x0f) | ((qh[l] >> 2) & 3) << 4;
        const int q2 = (ql[l] >> 4) | ((qh[l] >> 4) & 3) << 4;
        const int q3 = (ql[l + 32] >> 4) | ((qh[l] >> 6) & 3) << 4;
        o[l] = d * sc[s] * (q0 - 32);
        o[l + 32] = d * sc[s + 2] * (q1 - 32);
        o[l + 64] = d * sc[s + 4] * (q2 - 32);
        o[l + 96] = d * sc[s + 6] * (q3 - 32);
      }
    }
  }
}

}  // namespace lowspec
