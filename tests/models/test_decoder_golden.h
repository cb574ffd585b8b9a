// Reading the hf-tiny decoder goldens (golden.safetensors: tensors named <case>.<what>) and
// comparing with their tolerance rule |got - ref| <= abs + rel * |ref|.
#pragma once
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "formats/safetensors.h"
#include "test_util.h"

namespace lowspec::test {

inline const std::vector<std::string>& decoder_fixtures() {
  static const std::vector<std::string> names = {"llama", "llama-f16", "llama-bf16", "phi", "gemma",
                                                 "gemma-legacy-act"};
  return names;
}

inline std::string tiny_dir(const std::string& model) { return fixture("hf-tiny/" + model); }

class Golden {
 public:
  explicit Golden(const std::string& model) : file_(tiny_dir(model) + "/golden.safetensors") {}
  const SafetensorsEntry& entry(const std::string& name) const {
    const SafetensorsEntry* e = file_.find(name);
    if (e == nullptr) throw std::runtime_error("golden has no tensor " + name);
    return *e;
  }
  std::vector<int64_t> shape(const std::string& name) const { return entry(name).shape; }
  std::vector<int64_t> ids(const std::string& name) const { return values<int64_t>(name); }
  std::vector<float> floats(const std::string& name) const { return values<float>(name); }

 private:
  template <typename T>
  std::vector<T> values(const std::string& name) const {
    TensorView t = file_.view(entry(name));
    return std::vector<T>(t.as<T>(), t.as<T>() + t.numel());
  }
  SafetensorsFile file_;
};

// Elementwise check over `got` vs `ref` laid out [rows, inner]; rows whose mask entry is 0 are
// skipped (mask may be empty).
inline ::testing::AssertionResult all_near(const std::vector<float>& got, const std::vector<float>& ref,
                                           double abs_tol, double rel_tol,
                                           const std::vector<int64_t>& row_mask = {}) {
  if (got.size() != ref.size())
    return ::testing::AssertionFailure() << "size " << got.size() << " != " << ref.size();
  const size_t inner = row_mask.empty() ? 1 : ref.size() / row_mask.size();
  size_t bad = 0, first_bad = 0;
  double worst = 0;
  for (size_t i = 0; i < ref.size(); ++i) {
    if (!row_mask.empty() && row_mask[i / inner] == 0) continue;
    const double err = std::fabs(static_cast<double>(got[i]) - ref[i]);
    if (!(err <= abs_tol + rel_tol * std::fabs(ref[i]))) {
      if (bad++ == 0) first_bad = i;
      worst = std::isnan(err) ? INFINITY : std::max(worst, err);
    }
  }
  if (bad == 0) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << bad << " of " << ref.size() << " values off, worst |diff| "
                                       << worst << ", first at " << first_bad << ": got "
                                       << got[first_bad] << " want " << ref[first_bad];
}

}  // namespace lowspec::test
