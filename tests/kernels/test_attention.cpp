// The blocked attention kernel against a plain two-pass reference, over head sizes and slot
// counts that are and are not multiples of the block and unroll sizes, with masks.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "kernels/attention.h"

using namespace lowspec;

namespace {

std::vector<double> reference(const std::vector<float>& q, const std::vector<float>& k,
                              const std::vector<float>& v, int64_t n,
                              const std::vector<uint8_t>& mask, int64_t hd, double scale) {
  std::vector<double> w(n, 0.0), out(hd, 0.0);
  double max = -INFINITY, sum = 0;
  for (int64_t s = 0; s < n; ++s) {
    if (!mask[s]) continue;
    double dot = 0;
    for (int64_t i = 0; i < hd; ++i) dot += static_cast<double>(q[i]) * k[s * hd + i];
    w[s] = dot * scale;
    max = std::max(max, w[s]);
  }
  if (max == -INFINITY) return out;
  for (int64_t s = 0; s < n; ++s) sum += mask[s] ? (w[s] = std::exp(w[s] - max)) : (w[s] = 0);
  for (int64_t s = 0; s < n; ++s)
    for (int64_t i = 0; i < hd; ++i) out[i] += w[s] / sum * v[s * hd + i];
  return out;
}

}  // namespace

TEST(Attention, BlockedKernelMatchesThePlainFormula) {
  std::mt19937 rng(5);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  for (int64_t hd : {1, 6, 24, 64, 80, 256}) {
    for (int64_t n : {1, 5, 16, 17, 63, 100}) {
      std::vector<float> q(hd), k(n * hd), v(n * hd);
      for (float& x : q) x = normal(rng);
      for (float& x : k) x = normal(rng);
      for (float& x : v) x = normal(rng);
      std::vector<uint8_t> mask(n, 1);
      if (n > 3) mask[1] = mask[n - 2] = 0;
      std::vector<float> keys(key_cache_floats(n, hd), 0.0f);
      for (int64_t s = 0; s < n; ++s) store_key(keys.data(), s, k.data() + s * hd, hd);
      std::vector<float> scores((n + kKeyBlock - 1) / kKeyBlock * kKeyBlock), out(hd);
      const float scale = 1.0f / std::sqrt(static_cast<float>(hd));
      attend_head(q.data(), keys.data(), v.data(), n, mask.data(), hd, scale, scores.data(),
                  out.data());
      auto want = reference(q, k, v, n, mask, hd, scale);
      for (int64_t i = 0; i < hd; ++i)
        ASSERT_NEAR(out[i], want[i], 1e-5 * (1 + std::fabs(want[i]))) << hd << " " << n;
    }
  }
}

TEST(Attention, AQueryThatSeesNoSlotGetsZeros) {
  const int64_t hd = 8, n = 3;
  std::vector<float> q(hd, 1.0f), keys(key_cache_floats(n, hd), 1.0f), v(n * hd, 2.0f),
      scores(kKeyBlock), out(hd, 7.0f);
  const std::vector<uint8_t> mask(n, 0);
  attend_head(q.data(), keys.data(), v.data(), n, mask.data(), hd, 1.0f, scores.data(), out.data());
  for (float x : out) EXPECT_EQ(x, 0.0f);
}
