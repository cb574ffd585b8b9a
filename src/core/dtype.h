// Element types of tensors, including GGUF's block-quantized formats.
#pragma once
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace lowspec {

enum class DType : uint8_t {
  F32,
  F16,
  BF16,
  F64,
  I8,
  I16,
  I32,
  I64,
  U8,
  BOOL,
  Q8_0,  // blocks of 32: f16 scale + 32 x int8 (34 bytes)
  Q4_0,  // blocks of 32: f16 scale + 16 bytes of nibbles (18 bytes)
  Q4_K,  // super-blocks of 256 (144 bytes)
  Q5_K,  // super-blocks of 256 (176 bytes)
  Q6_K,  // super-blocks of 256 (210 bytes)
};

struct DTypeInfo {
  DType type;
  std::string_view name;  // safetensors / lowspec spelling: "F32", "Q8_0"
  int block_elems;        // elements per block (1 for plain types)
  int block_bytes;        // bytes per block
};

const DTypeInfo& dtype_info(DType t);
inline std::string_view dtype_name(DType t) { return dtype_info(t).name; }
inline int dtype_block_elems(DType t) { return dtype_info(t).block_elems; }
inline bool dtype_is_quantized(DType t) { return dtype_info(t).block_elems > 1; }

// Bytes for n elements; nullopt if n is not a whole number of blocks or the size overflows.
std::optional<uint64_t> dtype_bytes(DType t, uint64_t n);

// Parses "F32", "f32", "bf16", "q8_0" ... ; nullopt if unknown.
std::optional<DType> dtype_from_name(std::string_view name);

}  // namespace lowspec
