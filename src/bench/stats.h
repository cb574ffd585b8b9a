// Summary statistics of timing samples, as the reports print them.
#pragma once
#include <vector>

#include "core/json_util.h"

namespace lowspec {

struct SampleStats {
  double mean = 0, p50 = 0, p90 = 0, p99 = 0, min = 0, max = 0;
  size_t n = 0;
  Json to_json() const;
};

// Percentiles by linear interpolation between closest ranks (numpy's default).
SampleStats sample_stats(std::vector<double> samples);

}  // namespace lowspec
