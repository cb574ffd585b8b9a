// The body of one benchmark configuration, run inside its own process (`lowspec bench-worker`):
// loads the model, warms up, times the repetitions, and returns the measured record.
#pragma once
#include "bench/suite.h"
#include "core/json_util.h"

namespace lowspec {

Json run_bench_worker(const BenchConfig& config);

}  // namespace lowspec
