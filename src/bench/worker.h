// The body of one benchmark configuration, run inside its own process (`lowspec bench-worker`):
// loads the model, warms up, times the repetitions, and returns the measured record.
#pragma once
#include "bench/suite.h"
#include "core/json_util.h"

namespace lowspec {

Json run_bench_worker(const BenchConfig& config);

// Read bandwidth (GB/s), FP32 FMA peak (GFLOP/s) and INT8 multiply-add peak (GOP/s) of this
// machine right now at `threads` threads: the yardsticks speed is reported against. The bandwidth
// streams `buffer_bytes` (bench runs it in its own process, with 1 GiB).
Json run_machine_probe(int threads, size_t buffer_bytes = size_t{1} << 30);

}  // namespace lowspec
