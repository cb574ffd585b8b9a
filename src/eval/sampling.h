// Deterministic sampling of N examples with a seed: the same file, N and seed give the same
// examples on every machine (own generator and reservoir, no implementation-defined std
// distributions), in one streaming pass over data of unknown length.
#pragma once
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

namespace lowspec::eval {

// How many examples to take; count 0 takes all of them in file order.
struct Sampling {
  size_t count = 0;
  uint64_t seed = 0;
};

// SplitMix64: tiny, fast, and fully specified.
class SampleRng {
 public:
  explicit SampleRng(uint64_t seed) : state_(seed) {}
  uint64_t next();
  // Uniform in [0, n), n > 0, without modulo bias.
  uint64_t below(uint64_t n);

 private:
  uint64_t state_;
};

// Algorithm R: after offering a stream, holds a uniform sample of `sampling.count` items,
// returned in stream order.
template <typename T>
class Reservoir {
 public:
  explicit Reservoir(Sampling sampling) : sampling_(sampling), rng_(sampling.seed) {}

  void offer(T item) {
    size_t index = seen_++;
    if (sampling_.count == 0 || kept_.size() < sampling_.count) {
      kept_.emplace_back(index, std::move(item));
      return;
    }
    uint64_t slot = rng_.below(seen_);
    if (slot < sampling_.count) kept_[slot] = {index, std::move(item)};
  }

  std::vector<T> take() {
    std::sort(kept_.begin(), kept_.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    std::vector<T> items;
    items.reserve(kept_.size());
    for (auto& entry : kept_) items.push_back(std::move(entry.second));
    kept_.clear();
    return items;
  }

  size_t seen() const { return seen_; }

 private:
  Sampling sampling_;
  SampleRng rng_;
  size_t seen_ = 0;
  std::vector<std::pair<size_t, T>> kept_;
};

}  // namespace lowspec::eval
