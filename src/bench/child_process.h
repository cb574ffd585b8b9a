// Runs one configuration in its own child process, so peak memory figures never mix.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace lowspec {

struct ChildResult {
  int exit_status = -1;  // exit code, or 128 + signal
  std::string out;       // standard output, whole
  std::string err;       // standard error (last 64 kB)
  uint64_t peak_rss_bytes = 0;  // the child's max resident set (wait4 rusage)
  double wall_ms = 0;
};

// argv[0] is the executable path. Standard input is /dev/null. timeout_s <= 0: no limit;
// on timeout the child is killed and exit_status is 128 + SIGKILL.
ChildResult run_child(const std::vector<std::string>& argv, double timeout_s = 0);

// Path of the running executable (/proc/self/exe), to start workers of the same build.
std::string self_executable();

}  // namespace lowspec
