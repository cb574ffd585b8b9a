// Weight sharing across processes: weights are mapped read-only from the file, so processes
// that load the same model share one copy in the page cache. Two child processes map one
// checkpoint and read every page; each one's proportional share (Pss) of the mapping is then
// half its resident size, and all of it is shared clean memory.
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "formats/hf_weights.h"
#include "test_util.h"

namespace lowspec {
namespace {

struct MappingMemory {
  uint64_t rss_kb = 0, pss_kb = 0, shared_clean_kb = 0;
};

// Sums the /proc/self/smaps figures of every mapping of `path`.
MappingMemory mapping_memory(const std::string& path) {
  std::ifstream smaps("/proc/self/smaps");
  MappingMemory m;
  bool ours = false;
  for (std::string line; std::getline(smaps, line);) {
    std::istringstream fields(line);
    std::string first, unit;
    fields >> first;
    if (first.find(':') == std::string::npos) {  // a mapping's header line: range perms ... path
      ours = line.size() >= path.size() &&
             line.compare(line.size() - path.size(), path.size(), path) == 0;
      continue;
    }
    uint64_t kb = 0;
    fields >> kb >> unit;
    if (!ours) continue;
    if (first == "Rss:") m.rss_kb += kb;
    if (first == "Pss:") m.pss_kb += kb;
    if (first == "Shared_Clean:") m.shared_clean_kb += kb;
  }
  return m;
}

// A child that loads the weights, reads one byte of every page of every tensor and says so;
// then it sends its figures for each 'm' it is sent, and exits on 'x'.
struct Holder {
  pid_t pid = -1;
  int to_child = -1, from_child = -1;
};

Holder start_holder(const std::string& weights_file) {
  int down[2], up[2];
  if (pipe(down) != 0 || pipe(up) != 0) return {};
  const pid_t pid = fork();
  if (pid == 0) {
    close(down[1]);
    close(up[0]);
    const HfWeights weights(weights_file);
    uint64_t sum = 0;
    for (const SafetensorsEntry* e : weights.entries()) {
      const TensorView t = weights.view(*e);
      const auto* bytes = static_cast<const volatile uint8_t*>(t.data);
      for (uint64_t i = 0; i < t.nbytes; i += 4096) sum += bytes[i];
    }
    char command = static_cast<char>(sum);  // the reads above must happen
    if (write(up[1], &command, 1) != 1) _exit(1);
    while (read(down[0], &command, 1) == 1 && command == 'm') {
      const MappingMemory m = mapping_memory(weights_file);
      if (write(up[1], &m, sizeof m) != sizeof m) _exit(1);
    }
    _exit(command == 'x' ? 0 : 1);
  }
  close(down[0]);
  close(up[1]);
  return {pid, down[1], up[0]};
}

bool read_all(int fd, void* out, size_t n) {
  auto* p = static_cast<char*>(out);
  while (n > 0) {
    const ssize_t got = read(fd, p, n);
    if (got <= 0) return false;
    p += got;
    n -= static_cast<size_t>(got);
  }
  return true;
}

TEST(SharedMapping, TwoProcessesHoldOneCopyOfTheWeights) {
  const std::string fixture = "hf-tiny/llama/model.safetensors";
  LOWSPEC_REQUIRE_FIXTURE(fixture);
  // A private copy, so no other test's process maps it meanwhile; written back to disk so its
  // page-cache pages are clean.
  test::TempDir dir;
  const std::string path = std::filesystem::canonical(dir.path()).string() + "/model.safetensors";
  std::filesystem::copy_file(test::fixture(fixture), path);
  const int fd = open(path.c_str(), O_RDONLY);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(fsync(fd), 0);
  close(fd);
  const uint64_t file_kb = std::filesystem::file_size(path) / 1024;

  const auto measure = [](const Holder& h) {
    MappingMemory m;
    const char command = 'm';
    EXPECT_EQ(write(h.to_child, &command, 1), 1);
    EXPECT_TRUE(read_all(h.from_child, &m, sizeof m));
    return m;
  };
  const auto started = [](const Holder& h) {
    char byte = 0;
    return h.pid > 0 && read_all(h.from_child, &byte, 1);  // every page touched
  };
  Holder holders[2];
  holders[0] = start_holder(path);
  ASSERT_TRUE(started(holders[0]));
  const MappingMemory alone = measure(holders[0]);
  holders[1] = start_holder(path);
  ASSERT_TRUE(started(holders[1]));
  const MappingMemory both[2] = {measure(holders[0]), measure(holders[1])};
  for (const Holder& h : holders) {
    const char command = 'x';
    ASSERT_EQ(write(h.to_child, &command, 1), 1);
    int status = 0;
    ASSERT_EQ(waitpid(h.pid, &status, 0), h.pid);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    close(h.to_child);
    close(h.from_child);
  }
  const auto trace = [&](const MappingMemory& m) {
    return ::testing::Message() << "Rss " << m.rss_kb << " kB, Pss " << m.pss_kb
                                << " kB, Shared_Clean " << m.shared_clean_kb << " kB, file "
                                << file_kb << " kB";
  };
  {
    SCOPED_TRACE(trace(alone));  // one holder: the whole file is charged to it
    EXPECT_GE(alone.rss_kb + 4, file_kb);
    EXPECT_NEAR(alone.pss_kb, alone.rss_kb, 4.0);
  }
  for (const MappingMemory& m : both) {
    SCOPED_TRACE(trace(m));
    EXPECT_GE(m.rss_kb + 4, file_kb);            // the whole file is resident ...
    EXPECT_EQ(m.shared_clean_kb, m.rss_kb);      // ... shared and clean ...
    EXPECT_NEAR(2.0 * m.pss_kb, m.rss_kb, 8.0);  // ... and each process is charged half
  }
}

}  // namespace
}  // namespace lowspec
