// The body of one benchmark configuration, run inside its own process (`lowspec bench-worker`):
// loads the model, warms up, times the repetitions, and returns the measured record.
#pragma once
#include "bench/suite.h"
#include "core/json_util.h"

namespace lowspec {

Json run_bench_worker(const BenchConfig& config);

// Read bandwidth (GB/s) and FP32 FMA peak (GFLOP/s) of this machine right now at `threads`
// threads: the yardsticks speed is reported against. Run in its own process (it maps 1 GiB).
Json run_machine_probe(int threads);

}  // namespace lowspec
