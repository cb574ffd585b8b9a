// GGUF (v2 and v3) reader: magic "GGUF", version, tensor count, metadata key/value pairs, tensor
// infos, then the tensor data aligned to general.alignment. Every count and length is checked
// against the bytes left in the file before anything is allocated, so a hostile file gets a
// clear Error naming the file and the field. Tensors are views into the mapping (zero-copy).
#pragma once
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/dtype.h"
#include "core/mapped_file.h"
#include "core/tensor.h"

namespace lowspec {

// Metadata value types, numbered as in the GGUF specification.
enum class GgufType : uint32_t {
  UINT8 = 0,
  INT8 = 1,
  UINT16 = 2,
  INT16 = 3,
  UINT32 = 4,
  INT32 = 5,
  FLOAT32 = 6,
  BOOL = 7,
  STRING = 8,
  ARRAY = 9,
  UINT64 = 10,
  INT64 = 11,
  FLOAT64 = 12,
};
const char* gguf_type_name(GgufType t);  // "uint32", "array", ...

// ggml tensor types lowspec computes with (the others are listed by name and size only).
namespace ggml_type {
constexpr uint32_t F32 = 0, F16 = 1, Q4_0 = 2, Q8_0 = 8, Q4_K = 12, Q5_K = 13, Q6_K = 14,
                   I8 = 24, I16 = 25, I32 = 26, I64 = 27, F64 = 28, BF16 = 30;
}
// Name ("Q4_1", "IQ2_XS") of a ggml type id, or nullptr if the id is unknown.
const char* ggml_type_name(uint32_t type);
// The lowspec DType of a ggml type id, or nullopt if lowspec cannot compute with it.
std::optional<DType> dtype_from_ggml(uint32_t type);
// The ggml type id of a DType; nullopt for types GGUF has no id for (U8, BOOL).
std::optional<uint32_t> ggml_from_dtype(DType t);
// Bytes of numel elements of a ggml type; nullopt for unknown types, partial blocks or overflow.
std::optional<uint64_t> ggml_type_bytes(uint32_t type, uint64_t numel);

// An array value: its element type, count and the bytes holding the elements (already
// bounds-checked at parse time). Decoders throw Error (naming file and key) on a type mismatch.
struct GgufArray {
  GgufType elem_type = GgufType::UINT8;
  uint64_t count = 0;
  std::span<const uint8_t> bytes;
  std::string file;  // for errors
  std::string key;   // for errors

  std::vector<std::string> strings() const;  // elem_type STRING
  // Integer elements of any integer type (a uint64 above INT64_MAX is an Error).
  std::vector<int64_t> ints() const;
  // Integer elements that must fit int32 (token types, ids).
  std::vector<int32_t> int32s() const;
  std::vector<float> floats() const;      // FLOAT32 or FLOAT64 elements
  std::vector<GgufArray> arrays() const;  // nested arrays
};

// One metadata entry. Scalars are decoded at parse time; arrays are kept as GgufArray.
struct GgufValue {
  GgufType type = GgufType::UINT8;
  uint64_t u = 0;   // unsigned integers and bool
  int64_t i = 0;    // signed integers
  double f = 0;     // floats
  std::string_view s;  // STRING: bytes in the file (not necessarily valid UTF-8)
  GgufArray array;     // ARRAY
};

struct GgufTensorInfo {
  std::string name;
  std::vector<uint64_t> dims;  // GGUF order: dims[0] is the contiguous (innermost) dimension
  std::vector<int64_t> shape;  // outermost first, as TensorView and safetensors write it
  uint32_t ggml_type = 0;
  std::optional<DType> dtype;  // nullopt: readable but lowspec cannot compute with this type
  uint64_t offset = 0;         // from the start of the file
  uint64_t nbytes = 0;
  uint64_t numel = 0;
};

class GgufFile {
 public:
  // Maps and parses a .gguf file.
  static GgufFile open(const std::string& path);
  // Parses bytes the caller keeps alive (fuzzing, tests); `name` stands for the file in errors.
  static GgufFile parse(std::span<const uint8_t> bytes, const std::string& name);

  const std::string& path() const { return path_; }
  uint32_t version() const { return version_; }
  uint64_t alignment() const { return alignment_; }
  uint64_t data_offset() const { return data_offset_; }
  uint64_t file_size() const { return bytes_.size(); }

  // Metadata in file order.
  const std::vector<std::pair<std::string, GgufValue>>& metadata() const { return metadata_; }
  const GgufValue* find(const std::string& key) const;  // nullptr if absent
  bool has(const std::string& key) const { return find(key) != nullptr; }

  // Typed getters: a missing key or a value of another type is an Error naming file and key.
  // Integer getters accept any integer type whose value fits.
  std::string get_string(const std::string& key) const;
  uint32_t get_u32(const std::string& key) const;
  int64_t get_int(const std::string& key) const;
  uint64_t get_u64(const std::string& key) const;
  double get_float(const std::string& key) const;  // FLOAT32 or FLOAT64
  bool get_bool(const std::string& key) const;
  const GgufArray& get_array(const std::string& key) const;
  // Optional variants: nullopt if absent; a present value of the wrong type is still an Error.
  std::optional<std::string> get_string_opt(const std::string& key) const;
  std::optional<int64_t> get_int_opt(const std::string& key) const;
  std::optional<double> get_float_opt(const std::string& key) const;
  std::optional<bool> get_bool_opt(const std::string& key) const;

  const std::vector<GgufTensorInfo>& tensors() const { return tensors_; }
  const GgufTensorInfo* find_tensor(const std::string& name) const;  // nullptr if absent
  // A view of a tensor lowspec can compute with (Error if its type is unsupported).
  TensorView view(const GgufTensorInfo& t) const;
  std::span<const uint8_t> tensor_bytes(const GgufTensorInfo& t) const;

 private:
  GgufFile() = default;
  void parse_all();
  const GgufValue& require(const std::string& key, const char* wanted) const;

  std::shared_ptr<MappedFile> file_;  // null when parsing caller-owned bytes
  std::span<const uint8_t> bytes_;
  std::string path_;
  uint32_t version_ = 0;
  uint64_t alignment_ = 32;
  uint64_t data_offset_ = 0;
  std::vector<std::pair<std::string, GgufValue>> metadata_;
  std::map<std::string, size_t, std::less<>> metadata_index_;
  std::vector<GgufTensorInfo> tensors_;
  std::map<std::string, size_t, std::less<>> tensor_index_;
};

// Printable form of a metadata value ("[array of 32000 string]" for long arrays).
std::string gguf_value_summary(const GgufValue& v);

}  // namespace lowspec
