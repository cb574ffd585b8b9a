// Helpers shared by the tests: fixture paths and temporary folders.
#pragma once
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <string>

namespace lowspec::test {

// Path of a file under ../shared/fixtures. A missing fixture skips the test on a developer's
// machine but fails it under CI=true, so CI never passes by skipping.
inline std::string fixture(const std::string& rel) {
  std::filesystem::path p = std::filesystem::path(LOWSPEC_FIXTURES) / rel;
  return p.string();
}

// Fixtures that tests of several layers read.
inline constexpr const char* kBertTokenizer = "tokenizers/hf/bert-base-uncased";
inline constexpr int64_t kBertVocab = 30522;  // kBertTokenizer's vocabulary
inline constexpr const char* kSquadSample = "data/squad/sample-v1.1.json";

// The position of the largest of n values (the first of equal ones).
inline int64_t argmax(const float* v, int64_t n) { return std::max_element(v, v + n) - v; }

inline bool in_ci() {
  const char* ci = std::getenv("CI");
  return ci != nullptr && std::string(ci) == "true";
}

#define LOWSPEC_REQUIRE_FIXTURE(rel)                                                 \
  do {                                                                              \
    if (!std::filesystem::exists(::lowspec::test::fixture(rel))) {               \
      if (::lowspec::test::in_ci()) FAIL() << "missing fixture " << (rel);       \
      GTEST_SKIP() << "fixture not present: " << (rel);                            \
    }                                                                               \
  } while (0)

// A fresh temporary folder removed at the end of the test.
class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "lowspec-test-XXXXXX").string();
    char* made = mkdtemp(tmpl.data());
    path_ = made ? made : tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  std::string file(const std::string& name) const { return (path_ / name).string(); }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

// Runs the built lowspec with arguments; returns exit status, fills out/err.
int run_lowspec(const std::string& args, std::string* out = nullptr, std::string* err = nullptr);

}  // namespace lowspec::test
