#include "bench/stats.h"

#include <algorithm>
#include <numeric>

namespace lowspec {

namespace {
double percentile(const std::vector<double>& sorted, double p) {
  double rank = p / 100.0 * static_cast<double>(sorted.size() - 1);
  size_t lo = static_cast<size_t>(rank);
  size_t hi = std::min(lo + 1, sorted.size() - 1);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (rank - static_cast<double>(lo));
}
}  // namespace

SampleStats sample_stats(std::vector<double> samples) {
  SampleStats s;
  s.n = samples.size();
  if (samples.empty()) return s;
  std::sort(samples.begin(), samples.end());
  s.mean = std::accumulate(samples.begin(), samples.end(), 0.0) / static_cast<double>(s.n);
  s.p50 = percentile(samples, 50);
  s.p90 = percentile(samples, 90);
  s.p99 = percentile(samples, 99);
  s.min = samples.front();
  s.max = samples.back();
  return s;
}

Json SampleStats::to_json() const {
  return Json{{"mean", mean}, {"p50", p50}, {"p90", p90}, {"p99", p99},
              {"min", min},   {"max", max}, {"n", n}};
}

}  // namespace lowspec
