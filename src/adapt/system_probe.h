// What this device offers a model: CPU (model, features, physical and logical cores), RAM, the
// cgroup limits this process runs under (v2 or v1: containers and CI runners cap memory and CPU
// below what /proc shows), and the OS. Linux only: read from /proc, /sys and /etc.
#pragma once
#include <cstdint>
#include <optional>
#include <string>

namespace lowspec {

struct SystemInfo {
  std::string cpu_model;
  std::string cpu_features;  // CpuFeatures::summary()
  std::string arch;          // uname machine: x86_64, aarch64
  int logical_cores = 0;     // CPUs this process may run on (affinity mask)
  int online_cores = 0;      // CPUs online in the machine
  int physical_cores = 0;    // distinct (package, core) pairs among the online CPUs
  uint64_t mem_total_bytes = 0;      // MemTotal
  uint64_t mem_available_bytes = 0;  // MemAvailable
  std::string cgroup_version;        // "v2", "v1" or "none"
  std::optional<uint64_t> cgroup_memory_limit_bytes;  // the tightest limit on the way to the root
  std::optional<uint64_t> cgroup_memory_current_bytes;
  std::optional<double> cgroup_cpu_limit;  // cores: quota / period
  std::string os;                          // PRETTY_NAME from os-release
  std::string kernel;                      // uname release

  // What a model may use: the smaller of available RAM and the cgroup headroom.
  uint64_t usable_memory_bytes() const;
  // Threads worth running: logical cores capped by the cgroup CPU limit (at least 1).
  int usable_threads() const;
};

// Where the probe reads from; tests point these at crafted trees.
struct SystemRoots {
  std::string proc = "/proc";
  std::string sys = "/sys";
  std::string etc = "/etc";
};

SystemInfo probe_system(const SystemRoots& roots = {});

// Parsers of the individual files (exposed for tests).
std::optional<uint64_t> meminfo_bytes(const std::string& meminfo_text, const std::string& key);
// cgroup v2 memory.max / v1 memory.limit_in_bytes: nullopt for "max" or a no-limit sentinel.
std::optional<uint64_t> parse_memory_limit(const std::string& text);
// cgroup v2 cpu.max ("max 100000" or "200000 100000"): cores, nullopt without a limit.
std::optional<double> parse_cpu_max(const std::string& text);

}  // namespace lowspec
