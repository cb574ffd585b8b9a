// Inputs the kernel tests share: uniform random floats in [-1, 1) and one thread pool per size.
#pragma once
#include <memory>
#include <random>
#include <vector>

#include "core/thread_pool.h"

namespace lowspec::test {

inline std::vector<float> random_floats(size_t n, std::mt19937& rng) {
  std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
  std::vector<float> v(n);
  for (float& f : v) f = dist(rng);
  return v;
}

// Pools of 1..3 threads, made once and kept for the test binary's life.
inline ThreadPool& pool_of(int threads) {
  static std::unique_ptr<ThreadPool> pools[4];
  if (!pools[threads]) pools[threads] = std::make_unique<ThreadPool>(threads);
  return *pools[threads];
}

}  // namespace lowspec::test
