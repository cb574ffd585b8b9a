// The system probe on crafted /proc and /sys trees (cgroup v1 and v2), and on this machine.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "adapt/system_probe.h"
#include "test_util.h"

namespace lowspec {
namespace {

namespace fs = std::filesystem;

void put(const fs::path& file, const std::string& text) {
  fs::create_directories(file.parent_path());
  std::ofstream(file) << text;
}

SystemRoots roots_in(const test::TempDir& dir) {
  SystemRoots r;
  r.proc = (dir.path() / "proc").string();
  r.sys = (dir.path() / "sys").string();
  r.etc = (dir.path() / "etc").string();
  return r;
}

TEST(SystemProbe, Parsers) {
  const std::string meminfo = "MemTotal:       16316412 kB\nMemFree:  100 kB\nMemAvailable:   8000000 kB\n";
  EXPECT_EQ(meminfo_bytes(meminfo, "MemTotal"), 16316412ull * 1024);
  EXPECT_EQ(meminfo_bytes(meminfo, "MemAvailable"), 8000000ull * 1024);
  EXPECT_FALSE(meminfo_bytes(meminfo, "SwapTotal").has_value());
  EXPECT_EQ(parse_memory_limit("1073741824\n"), 1073741824ull);
  EXPECT_FALSE(parse_memory_limit("max\n").has_value());
  EXPECT_FALSE(parse_memory_limit("9223372036854771712\n").has_value());  // v1 "unlimited"
  EXPECT_FALSE(parse_memory_limit("garbage").has_value());
  EXPECT_DOUBLE_EQ(*parse_cpu_max("150000 100000\n"), 1.5);
  EXPECT_FALSE(parse_cpu_max("max 100000\n").has_value());
  EXPECT_FALSE(parse_cpu_max("").has_value());
}

TEST(SystemProbe, CgroupV2TightestLimitOnThePath) {
  test::TempDir dir;
  put(dir.path() / "proc/self/cgroup", "0::/user.slice/job\n");
  put(dir.path() / "proc/meminfo", "MemTotal: 16000000 kB\nMemAvailable: 12000000 kB\n");
  put(dir.path() / "sys/fs/cgroup/memory.max", "max\n");
  put(dir.path() / "sys/fs/cgroup/user.slice/memory.max", "4294967296\n");
  put(dir.path() / "sys/fs/cgroup/user.slice/job/memory.max", "max\n");
  put(dir.path() / "sys/fs/cgroup/user.slice/job/memory.current", "1073741824\n");
  put(dir.path() / "sys/fs/cgroup/user.slice/job/cpu.max", "150000 100000\n");
  put(dir.path() / "sys/devices/system/cpu/online", "0-3\n");
  for (int c = 0; c < 4; ++c) {
    const fs::path topo = dir.path() / "sys/devices/system/cpu" / ("cpu" + std::to_string(c)) / "topology";
    put(topo / "physical_package_id", "0\n");
    put(topo / "core_id", std::to_string(c / 2) + "\n");  // two threads per core
  }
  put(dir.path() / "etc/os-release", "NAME=\"Debian\"\nPRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\n");
  SystemInfo s = probe_system(roots_in(dir));
  EXPECT_EQ(s.cgroup_version, "v2");
  EXPECT_EQ(s.cgroup_memory_limit_bytes, 4294967296ull);
  EXPECT_EQ(s.cgroup_memory_current_bytes, 1073741824ull);
  ASSERT_TRUE(s.cgroup_cpu_limit.has_value());
  EXPECT_DOUBLE_EQ(*s.cgroup_cpu_limit, 1.5);
  EXPECT_EQ(s.online_cores, 4);
  EXPECT_EQ(s.physical_cores, 2);
  EXPECT_EQ(s.mem_total_bytes, 16000000ull * 1024);
  EXPECT_EQ(s.usable_memory_bytes(), 3221225472ull);  // limit minus what the cgroup already uses
  EXPECT_EQ(s.os, "Debian GNU/Linux 12 (bookworm)");
}

TEST(SystemProbe, CgroupV1MemoryAndCfsQuota) {
  test::TempDir dir;
  put(dir.path() / "proc/self/cgroup", "12:memory:/docker/abc\n5:cpu,cpuacct:/docker/abc\n0::/\n");
  put(dir.path() / "proc/meminfo", "MemTotal: 16000000 kB\nMemAvailable: 1000000 kB\n");
  put(dir.path() / "sys/fs/cgroup/memory/memory.limit_in_bytes", "9223372036854771712\n");
  put(dir.path() / "sys/fs/cgroup/memory/docker/abc/memory.limit_in_bytes", "2147483648\n");
  put(dir.path() / "sys/fs/cgroup/memory/docker/abc/memory.usage_in_bytes", "1000\n");
  put(dir.path() / "sys/fs/cgroup/cpu,cpuacct/docker/abc/cpu.cfs_quota_us", "200000\n");
  put(dir.path() / "sys/fs/cgroup/cpu,cpuacct/docker/abc/cpu.cfs_period_us", "100000\n");
  put(dir.path() / "sys/fs/cgroup/cpu,cpuacct/cpu.cfs_quota_us", "-1\n");
  put(dir.path() / "sys/fs/cgroup/cpu,cpuacct/cpu.cfs_period_us", "100000\n");
  SystemInfo s = probe_system(roots_in(dir));
  EXPECT_EQ(s.cgroup_version, "v1");
  EXPECT_EQ(s.cgroup_memory_limit_bytes, 2147483648ull);
  ASSERT_TRUE(s.cgroup_cpu_limit.has_value());
  EXPECT_DOUBLE_EQ(*s.cgroup_cpu_limit, 2.0);
  EXPECT_EQ(s.usable_memory_bytes(), 1000000ull * 1024);  // MemAvailable is the tighter bound here
  EXPECT_LE(s.usable_threads(), 2);
}

TEST(SystemProbe, NoCgroupAndMissingFiles) {
  test::TempDir dir;
  SystemInfo s = probe_system(roots_in(dir));
  EXPECT_EQ(s.cgroup_version, "none");
  EXPECT_FALSE(s.cgroup_memory_limit_bytes.has_value());
  EXPECT_GE(s.usable_threads(), 1);
}

TEST(SystemProbe, ThisMachine) {
  SystemInfo s = probe_system();
  EXPECT_GE(s.logical_cores, 1);
  EXPECT_GE(s.physical_cores, 1);
  EXPECT_GT(s.mem_total_bytes, 0u);
  EXPECT_LE(s.mem_available_bytes, s.mem_total_bytes);
  EXPECT_FALSE(s.kernel.empty());
}

}  // namespace
}  // namespace lowspec
