#include "core/dtype.h"

#include <algorithm>
#include <array>
#include <cctype>

namespace lowspec {

namespace {
constexpr std::array<DTypeInfo, 15> kInfos = {{
    {DType::F32, "F32", 1, 4},
    {DType::F16, "F16", 1, 2},
    {DType::BF16, "BF16", 1, 2},
    {DType::F64, "F64", 1, 8},
    {DType::I8, "I8", 1, 1},
    {DType::I16, "I16", 1, 2},
    {DType::I32, "I32", 1, 4},
    {DType::I64, "I64", 1, 8},
    {DType::U8, "U8", 1, 1},
    {DType::BOOL, "BOOL", 1, 1},
    {DType::Q8_0, "Q8_0", 32, 34},
    {DType::Q4_0, "Q4_0", 32, 18},
    {DType::Q4_K, "Q4_K", 256, 144},
    {DType::Q5_K, "Q5_K", 256, 176},
    {DType::Q6_K, "Q6_K", 256, 210},
}};
}  // namespace

const DTypeInfo& dtype_info(DType t) { return kInfos[static_cast<size_t>(t)]; }

std::optional<uint64_t> dtype_bytes(DType t, uint64_t n) {
  const DTypeInfo& info = dtype_info(t);
  if (n % info.block_elems != 0) return std::nullopt;
  uint64_t blocks = n / info.block_elems;
  uint64_t bytes;
  if (__builtin_mul_overflow(blocks, static_cast<uint64_t>(info.block_bytes), &bytes))
    return std::nullopt;
  return bytes;
}

std::optional<DType> dtype_from_name(std::string_view name) {
  std::string upper(name);
  std::transform(upper.begin(), upper.end(), upper.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  for (const DTypeInfo& info : kInfos)
    if (info.name == upper) return info.type;
  return std::nullopt;
}

}  // namespace lowspec
