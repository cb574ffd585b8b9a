// Comparison tables from the results store: models x formats with speed, memory and quality.
#pragma once
#include <string>
#include <vector>

#include "bench/results_store.h"

namespace lowspec {

// format: "md" (Markdown tables) or "csv", one row per configuration (the median of its rounds,
// with their count and the spread of decode/BW), or "json" (every run, every field).
std::string format_report(const std::vector<RunRecord>& runs, const std::string& format);

}  // namespace lowspec
