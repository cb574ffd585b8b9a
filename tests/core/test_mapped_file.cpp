#include <gtest/gtest.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/mapped_file.h"

using namespace lowspec;

namespace {

std::string write_temp_file(const std::string& name, const std::vector<uint8_t>& bytes) {
  const std::string path = ::testing::TempDir() + name;
  std::ofstream(path, std::ios::binary)
      .write(reinterpret_cast<const char*>(bytes.data()),
             static_cast<std::streamsize>(bytes.size()));
  return path;
}

// The VmFlags line of the mapping that holds `address`, from /proc/self/smaps.
std::string vm_flags_at(const void* address) {
  std::ifstream smaps("/proc/self/smaps");
  const uintptr_t at = reinterpret_cast<uintptr_t>(address);
  bool inside = false;
  for (std::string line; std::getline(smaps, line);) {
    unsigned long long begin = 0, end = 0;
    if (std::sscanf(line.c_str(), "%llx-%llx ", &begin, &end) == 2 && line.find(' ') < 40) {
      inside = at >= begin && at < end;
    } else if (inside && line.rfind("VmFlags:", 0) == 0) {
      return line;
    }
  }
  return "";
}

}  // namespace

// The mapping holds the file's bytes, the last partial page included.
TEST(MappedFile, MapsTheWholeFile) {
  std::vector<uint8_t> bytes((2u << 20) + 5000);
  for (size_t i = 0; i < bytes.size(); ++i) bytes[i] = static_cast<uint8_t>(i * 131 + i / 4096);
  const std::string path = write_temp_file("lowspec_mapped_file_test.bin", bytes);
  const auto file = MappedFile::open(path);
  ASSERT_EQ(file->size(), bytes.size());
  EXPECT_TRUE(std::equal(bytes.begin(), bytes.end(), file->data()));
}

// The mapping asks for huge pages (VmFlags "hg"), so that the kernel can read and map large
// page-cache folios with one TLB entry each.
TEST(MappedFile, AsksForHugePages) {
  // scripts/dev sets QEMU_CPU for the aarch64 runs; qemu-user 7.2 drops every madvise.
  if (std::getenv("QEMU_CPU") != nullptr) GTEST_SKIP() << "qemu-user ignores madvise";
  const std::string path =
      write_temp_file("lowspec_mapped_file_huge.bin", std::vector<uint8_t>(3u << 20, 7));
  const auto file = MappedFile::open(path);
  const std::string flags = vm_flags_at(file->data());
  ASSERT_NE(flags, "") << "no mapping at the file's address in /proc/self/smaps";
  EXPECT_NE(flags.find(" hg"), std::string::npos) << flags;
}

TEST(MappedFile, SeveralMappingsOfOneFileAgree) {
  std::vector<uint8_t> bytes(70000);
  for (size_t i = 0; i < bytes.size(); ++i) bytes[i] = static_cast<uint8_t>(i % 251);
  const std::string path = write_temp_file("lowspec_mapped_file_twice.bin", bytes);
  const auto a = MappedFile::open(path);
  const auto b = MappedFile::open(path);
  EXPECT_NE(a->data(), b->data());
  EXPECT_TRUE(std::equal(a->bytes().begin(), a->bytes().end(), b->data()));
}

TEST(MappedFile, EmptyAndMissingFiles) {
  const auto empty = MappedFile::open(write_temp_file("lowspec_mapped_file_empty.bin", {}));
  EXPECT_EQ(empty->size(), 0u);
  EXPECT_EQ(empty->data(), nullptr);
  try {
    MappedFile::open(::testing::TempDir() + "lowspec_no_such_file.bin");
    FAIL() << "opened a missing file";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("lowspec_no_such_file.bin"), std::string::npos)
        << e.what();
  }
}
