// Runs a benchmark matrix: each configuration in its own child process (`lowspec bench-worker`),
// skipping configurations the results store already has, storing each finished run at once.
#pragma once
#include <string>
#include <vector>

#include "bench/results_store.h"
#include "bench/suite.h"

namespace lowspec {

struct StudyOptions {
  double timeout_s = 1800;  // per configuration
  bool verbose = false;
  bool probe = true;  // measure bandwidth and FMA peak around each speed run
};

struct StudySummary {
  int ran = 0, skipped = 0, failed = 0;
};

// Generates synthetic models on first use (into cache_dir()), then runs what is missing.
StudySummary run_study(std::vector<BenchConfig> configs, ResultsStore& store,
                       const StudyOptions& options);

// Makes sure a synthetic model exists on disk (generating it with `lowspec synth`); returns its
// folder.
std::string ensure_synthetic_model(const BenchModel& model, const std::string& dtype);

}  // namespace lowspec
