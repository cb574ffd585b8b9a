// A tensor view: dtype, shape (outermost first, as safetensors and PyTorch write it) and a
// pointer into memory that someone else owns (a mapped file or an AlignedBuffer).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "core/dtype.h"

namespace lowspec {

struct TensorView {
  DType dtype = DType::F32;
  std::vector<int64_t> shape;
  const void* data = nullptr;
  uint64_t nbytes = 0;

  int64_t numel() const {
    int64_t n = 1;
    for (int64_t d : shape) n *= d;
    return n;
  }
  int rank() const { return static_cast<int>(shape.size()); }
  int64_t dim(int i) const { return shape[i < 0 ? shape.size() + i : i]; }
  template <typename T>
  const T* as() const {
    return static_cast<const T*>(data);
  }
};

std::string shape_string(const std::vector<int64_t>& shape);

}  // namespace lowspec
