// safetensors: 8-byte little-endian header length N, N bytes of JSON describing each tensor
// (dtype, shape, data_offsets relative to the data area), then the raw data. Read through a
// read-only mmap; tensors are views into the mapping (zero-copy).
#pragma once
#include <cstdint>
#include <cstdio>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/dtype.h"
#include "core/mapped_file.h"
#include "core/tensor.h"

namespace lowspec {

struct SafetensorsEntry {
  std::string name;
  DType dtype;
  std::vector<int64_t> shape;
  uint64_t offset;  // from the start of the file
  uint64_t nbytes;
};

struct SafetensorsHeader {
  std::vector<SafetensorsEntry> entries;  // in file order
  std::map<std::string, std::string> metadata;
  uint64_t data_start = 0;  // 8 + N
};

// Validates a header against the whole file (header length cap, JSON types, known dtypes,
// byte size = dtype size x shape product, offsets inside the data area, no overlap).
// `bytes` is the whole file; `path` names it in errors.
SafetensorsHeader parse_safetensors(std::span<const uint8_t> bytes, const std::string& path);

class SafetensorsFile {
 public:
  explicit SafetensorsFile(const std::string& path);
  const std::string& path() const { return file_->path(); }
  const std::vector<SafetensorsEntry>& entries() const { return header_.entries; }
  const std::map<std::string, std::string>& metadata() const { return header_.metadata; }
  const SafetensorsEntry* find(const std::string& name) const;
  TensorView view(const SafetensorsEntry& e) const;
  const std::shared_ptr<MappedFile>& file() const { return file_; }

 private:
  std::shared_ptr<MappedFile> file_;
  SafetensorsHeader header_;
  std::map<std::string, size_t> index_;
};

// Writes a safetensors file tensor by tensor: declare every tensor first, then stream the data
// in declaration order (any chunking), so a writer never holds a whole model in memory.
class SafetensorsWriter {
 public:
  SafetensorsWriter() = default;
  ~SafetensorsWriter() {
    if (out_) std::fclose(out_);
  }
  SafetensorsWriter(const SafetensorsWriter&) = delete;
  SafetensorsWriter& operator=(const SafetensorsWriter&) = delete;
  void add(const std::string& name, DType dtype, std::vector<int64_t> shape);
  void set_metadata(const std::string& key, const std::string& value);
  // Writes the header; then call write() with exactly the declared bytes in order, then finish().
  void begin(const std::string& path);
  void write(const void* data, uint64_t nbytes);
  void finish();
  uint64_t total_data_bytes() const { return data_bytes_; }

 private:
  struct Pending {
    std::string name;
    DType dtype;
    std::vector<int64_t> shape;
    uint64_t nbytes;
  };
  std::vector<Pending> tensors_;
  std::map<std::string, std::string> metadata_;
  std::string path_;
  FILE* out_ = nullptr;
  uint64_t data_bytes_ = 0;
  uint64_t written_ = 0;
};

// Convenience for small files (tests, forward outputs): name -> (dtype, shape, bytes).
struct TensorToWrite {
  std::string name;
  DType dtype;
  std::vector<int64_t> shape;
  const void* data;
};
void write_safetensors(const std::string& path, const std::vector<TensorToWrite>& tensors,
                       const std::map<std::string, std::string>& metadata = {});

}  // namespace lowspec
