#include "adapt/system_probe.h"

#include <sched.h>
#include <sys/utsname.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <vector>

#include "core/cpu_features.h"

namespace lowspec {

namespace fs = std::filesystem;

namespace {

// A /proc or /sys file, or nullopt if it cannot be read. These are small; the cap guards
// against a path that turns out to be something else.
std::optional<std::string> read_small(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::string text(1 << 20, '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<size_t>(in.gcount()));
  return text;
}

std::string trim(const std::string& s) {
  const auto b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return "";
  return s.substr(b, s.find_last_not_of(" \t\r\n") - b + 1);
}

std::optional<uint64_t> parse_u64(const std::string& text) {
  std::string t = trim(text);
  if (t.empty() || t.find_first_not_of("0123456789") != std::string::npos || t.size() > 19) return std::nullopt;
  return std::stoull(t);
}

std::optional<int64_t> parse_i64(const std::string& text) {
  std::string t = trim(text);
  if (t.empty() || t.size() > 19 || t.find_first_not_of("-0123456789") != std::string::npos) return std::nullopt;
  try {
    return std::stoll(t);
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

// "0-3,6,8-9" -> the CPU numbers.
std::vector<int> parse_cpu_list(const std::string& text) {
  std::vector<int> cpus;
  std::stringstream ss(trim(text));
  std::string range;
  while (std::getline(ss, range, ',')) {
    const auto dash = range.find('-');
    auto lo = parse_u64(range.substr(0, dash));
    auto hi = dash == std::string::npos ? lo : parse_u64(range.substr(dash + 1));
    if (!lo || !hi || *hi < *lo || *hi > 65535) continue;
    for (uint64_t c = *lo; c <= *hi; ++c) cpus.push_back(static_cast<int>(c));
  }
  return cpus;
}

std::string cpuinfo_model(const std::string& cpuinfo) {
  std::stringstream ss(cpuinfo);
  std::string line;
  while (std::getline(ss, line)) {
    const auto colon = line.find(':');
    if (colon != std::string::npos && trim(line.substr(0, colon)) == "model name") return trim(line.substr(colon + 1));
  }
  return "";
}

std::string os_pretty_name(const std::string& os_release) {
  std::stringstream ss(os_release);
  std::string line;
  while (std::getline(ss, line)) {
    if (line.rfind("PRETTY_NAME=", 0) != 0) continue;
    std::string v = line.substr(12);
    if (v.size() >= 2 && v.front() == '"' && v.back() == '"') v = v.substr(1, v.size() - 2);
    return v;
  }
  return "";
}

template <typename T>
void keep_min(std::optional<T>& acc, std::optional<T> v) {
  if (v && (!acc || *v < *acc)) acc = v;
}

// The folders from a cgroup's own folder up to the hierarchy root: limits set on any ancestor
// apply too. In a cgroup namespace the recorded path may not exist under the mount; then only
// the mount root is looked at.
std::vector<fs::path> cgroup_chain(const fs::path& mount, const std::string& path) {
  std::vector<fs::path> chain;
  std::error_code ec;
  const fs::path rel = fs::path(path).relative_path().lexically_normal();
  if (rel.empty() || rel == "." || !fs::is_directory(mount / rel, ec)) return {mount};
  fs::path dir = mount / rel;
  if (!dir.has_filename()) dir = dir.parent_path();  // "a/b/" -> "a/b"
  for (; dir != mount && dir.string().size() > mount.string().size(); dir = dir.parent_path()) chain.push_back(dir);
  chain.push_back(mount);
  return chain;
}

void probe_cgroup_v2(const fs::path& mount, const std::string& path, SystemInfo& s) {
  s.cgroup_version = "v2";
  const auto chain = cgroup_chain(mount, path);
  for (const auto& dir : chain) {
    if (auto t = read_small(dir / "memory.max")) keep_min(s.cgroup_memory_limit_bytes, parse_memory_limit(*t));
    if (auto t = read_small(dir / "cpu.max")) keep_min(s.cgroup_cpu_limit, parse_cpu_max(*t));
  }
  if (auto t = read_small(chain.front() / "memory.current")) s.cgroup_memory_current_bytes = parse_u64(*t);
}

void probe_cgroup_v1(const fs::path& cgroup_root, const std::string& memory_path, const std::string& cpu_path,
                     SystemInfo& s) {
  s.cgroup_version = "v1";
  const fs::path memory_mount = cgroup_root / "memory";
  const auto memory_chain = cgroup_chain(memory_mount, memory_path);
  for (const auto& dir : memory_chain)
    if (auto t = read_small(dir / "memory.limit_in_bytes")) keep_min(s.cgroup_memory_limit_bytes, parse_memory_limit(*t));
  if (auto t = read_small(memory_chain.front() / "memory.usage_in_bytes")) s.cgroup_memory_current_bytes = parse_u64(*t);
  for (const char* name : {"cpu,cpuacct", "cpu", "cpuacct,cpu"}) {
    const fs::path mount = cgroup_root / name;
    std::error_code ec;
    if (!fs::is_directory(mount, ec)) continue;
    for (const auto& dir : cgroup_chain(mount, cpu_path)) {
      auto quota = read_small(dir / "cpu.cfs_quota_us");
      auto period = read_small(dir / "cpu.cfs_period_us");
      if (!quota || !period) continue;
      auto q = parse_i64(*quota);
      auto p = parse_u64(*period);
      if (q && *q > 0 && p && *p > 0)
        keep_min(s.cgroup_cpu_limit, std::optional<double>(static_cast<double>(*q) / static_cast<double>(*p)));
    }
    break;
  }
}

void probe_cgroup(const SystemRoots& roots, SystemInfo& s) {
  s.cgroup_version = "none";
  auto text = read_small(fs::path(roots.proc) / "self/cgroup");
  if (!text) return;
  std::optional<std::string> unified, memory_v1, cpu_v1;
  std::stringstream ss(*text);
  std::string line;
  while (std::getline(ss, line)) {
    // "hierarchy-id:controller,list:path"; v2 is "0::path".
    const auto a = line.find(':');
    const auto b = a == std::string::npos ? a : line.find(':', a + 1);
    if (b == std::string::npos) continue;
    const std::string controllers = line.substr(a + 1, b - a - 1), path = line.substr(b + 1);
    if (line.substr(0, a) == "0" && controllers.empty()) unified = path;
    std::stringstream cs(controllers);
    std::string c;
    while (std::getline(cs, c, ',')) {
      if (c == "memory") memory_v1 = path;
      if (c == "cpu") cpu_v1 = path;
    }
  }
  const fs::path root = fs::path(roots.sys) / "fs/cgroup";
  if (memory_v1 || cpu_v1) probe_cgroup_v1(root, memory_v1.value_or("/"), cpu_v1.value_or("/"), s);
  else if (unified) probe_cgroup_v2(root, *unified, s);
}

}  // namespace

std::optional<uint64_t> meminfo_bytes(const std::string& meminfo_text, const std::string& key) {
  std::stringstream ss(meminfo_text);
  std::string line;
  while (std::getline(ss, line)) {
    const auto colon = line.find(':');
    if (colon == std::string::npos || line.substr(0, colon) != key) continue;
    std::stringstream vs(line.substr(colon + 1));
    std::string number, unit;
    vs >> number >> unit;
    auto v = parse_u64(number);
    if (!v) return std::nullopt;
    return unit == "kB" ? *v * 1024 : *v;
  }
  return std::nullopt;
}

std::optional<uint64_t> parse_memory_limit(const std::string& text) {
  auto v = parse_u64(text);
  // v1 writes PAGE_COUNTER_MAX (about 2^63) for "no limit".
  if (!v || *v >= (uint64_t{1} << 62)) return std::nullopt;
  return v;
}

std::optional<double> parse_cpu_max(const std::string& text) {
  std::stringstream ss(trim(text));
  std::string quota, period;
  ss >> quota >> period;
  auto q = parse_u64(quota);
  auto p = period.empty() ? std::optional<uint64_t>(100000) : parse_u64(period);
  if (!q || !p || *p == 0) return std::nullopt;  // "max": no limit
  return static_cast<double>(*q) / static_cast<double>(*p);
}

uint64_t SystemInfo::usable_memory_bytes() const {
  uint64_t usable = mem_available_bytes;
  if (cgroup_memory_limit_bytes) {
    const uint64_t used = cgroup_memory_current_bytes.value_or(0);
    usable = std::min(usable, *cgroup_memory_limit_bytes > used ? *cgroup_memory_limit_bytes - used : 0);
  }
  return usable;
}

int SystemInfo::usable_threads() const {
  int threads = std::max(1, logical_cores);
  if (cgroup_cpu_limit) threads = std::min(threads, std::max(1, static_cast<int>(std::lround(*cgroup_cpu_limit))));
  return threads;
}

SystemInfo probe_system(const SystemRoots& roots) {
  SystemInfo s;
  const fs::path proc(roots.proc), sys(roots.sys);
  s.cpu_model = cpuinfo_model(read_small(proc / "cpuinfo").value_or(""));
  if (s.cpu_model.empty()) s.cpu_model = cpu_features().model_name;
  s.cpu_features = cpu_features().summary();

  cpu_set_t mask;
  CPU_ZERO(&mask);
  s.logical_cores = sched_getaffinity(0, sizeof mask, &mask) == 0 ? CPU_COUNT(&mask) : 0;
  const fs::path cpu_dir = sys / "devices/system/cpu";
  const std::vector<int> online = parse_cpu_list(read_small(cpu_dir / "online").value_or(""));
  s.online_cores = static_cast<int>(online.size());
  std::set<std::pair<std::string, std::string>> cores;
  for (int c : online) {
    const fs::path topo = cpu_dir / ("cpu" + std::to_string(c)) / "topology";
    auto package = read_small(topo / "physical_package_id"), core = read_small(topo / "core_id");
    if (package && core) cores.emplace(trim(*package), trim(*core));
  }
  s.physical_cores = cores.empty() ? s.online_cores : static_cast<int>(cores.size());
  if (s.logical_cores == 0) s.logical_cores = s.online_cores;

  const std::string meminfo = read_small(proc / "meminfo").value_or("");
  s.mem_total_bytes = meminfo_bytes(meminfo, "MemTotal").value_or(0);
  s.mem_available_bytes = meminfo_bytes(meminfo, "MemAvailable").value_or(s.mem_total_bytes);
  probe_cgroup(roots, s);

  s.os = os_pretty_name(read_small(fs::path(roots.etc) / "os-release").value_or(""));
  utsname u{};
  if (uname(&u) == 0) {
    s.kernel = u.release;
    s.arch = u.machine;
  }
  return s;
}

}  // namespace lowspec
