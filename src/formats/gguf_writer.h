// GGUF v3 writer, streaming: declare metadata and tensors, begin() writes the header, metadata
// and tensor infos, then the tensor data is written in declaration order (in any chunks) and the
// alignment padding between tensors is inserted automatically. A model never has to be in
// memory at once.
#pragma once
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

#include "core/dtype.h"
#include "formats/gguf.h"

namespace lowspec {

class GgufWriter {
 public:
  GgufWriter() = default;
  ~GgufWriter();
  GgufWriter(const GgufWriter&) = delete;
  GgufWriter& operator=(const GgufWriter&) = delete;

  // Metadata, written in the order added. general.alignment is taken from set_alignment().
  void add_u8(const std::string& key, uint8_t v);
  void add_i8(const std::string& key, int8_t v);
  void add_u16(const std::string& key, uint16_t v);
  void add_i16(const std::string& key, int16_t v);
  void add_u32(const std::string& key, uint32_t v);
  void add_i32(const std::string& key, int32_t v);
  void add_u64(const std::string& key, uint64_t v);
  void add_i64(const std::string& key, int64_t v);
  void add_f32(const std::string& key, float v);
  void add_f64(const std::string& key, double v);
  void add_bool(const std::string& key, bool v);
  void add_string(const std::string& key, std::string_view v);
  void add_string_array(const std::string& key, const std::vector<std::string>& v);
  void add_f32_array(const std::string& key, const std::vector<float>& v);
  void add_i32_array(const std::string& key, const std::vector<int32_t>& v);
  void add_i64_array(const std::string& key, const std::vector<int64_t>& v);
  // An array of arrays of strings (GGUF allows nesting; few tools use it).
  void add_string_array_array(const std::string& key, const std::vector<std::vector<std::string>>& v);

  // Power of two; written as general.alignment when it differs from GGUF's default of 32.
  void set_alignment(uint32_t alignment);

  // Declares a tensor; `shape` is outermost first (as TensorView), written in GGUF's order.
  void add_tensor(const std::string& name, DType dtype, const std::vector<int64_t>& shape);
  // Same with a raw ggml type id (for copying tensors of types lowspec does not compute with).
  void add_tensor_ggml(const std::string& name, uint32_t ggml_type, const std::vector<int64_t>& shape);

  void begin(const std::string& path);
  // Data of the declared tensors, in order; a chunk may span tensor boundaries.
  void write(const void* data, uint64_t nbytes);
  void finish();

  // Takes back the data of the tensor just completed and points its tensor info at the data of
  // tensor `earlier` (declaration index), which must have the same size: identical tensors stored
  // once. GGUF's offsets are per tensor info, but ggml's reader (llama.cpp) insists on each tensor
  // at the running offset and rejects such files, so only use this when asked to.
  void share_last_tensor_with(size_t earlier);

 private:
  struct Tensor {
    std::string name;
    uint32_t ggml_type;
    std::vector<uint64_t> dims;  // GGUF order (innermost first)
    uint64_t nbytes;
    uint64_t offset;  // in the data section
    uint64_t offset_field = 0;  // where begin() wrote `offset` in the file
  };
  void begin_kv(const std::string& key, GgufType type);
  template <typename T>
  void put(T v);
  void put_string(std::string_view s);
  void write_raw(const void* data, uint64_t nbytes);
  void pad_to(uint64_t position);

  std::string kv_bytes_;  // serialized metadata, built as entries are added
  uint64_t kv_count_ = 0;
  std::vector<std::string> keys_;
  uint32_t alignment_ = 32;
  std::vector<Tensor> tensors_;
  uint64_t data_bytes_ = 0;  // with padding

  std::string path_;
  FILE* out_ = nullptr;
  uint64_t data_written_ = 0;  // bytes of the data section written so far, padding included
  bool offsets_moved_ = false;  // share_last_tensor_with() ran: finish() rewrites the offsets
  uint64_t data_start_ = 0;     // file position of the data section
  size_t current_ = 0;         // the tensor being written
  uint64_t current_left_ = 0;  // its bytes still to come
};

}  // namespace lowspec
