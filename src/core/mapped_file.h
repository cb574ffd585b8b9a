// A read-only memory-mapped file. Weights are used in place from the mapping (zero-copy), and
// several processes mapping the same file share one copy in the page cache.
#pragma once
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>

namespace lowspec {

class MappedFile {
 public:
  // Throws Error naming the path if the file cannot be opened or mapped.
  static std::shared_ptr<MappedFile> open(const std::string& path);
  ~MappedFile();
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;

  const std::string& path() const { return path_; }
  const uint8_t* data() const { return data_; }
  uint64_t size() const { return size_; }
  std::span<const uint8_t> bytes() const { return {data_, static_cast<size_t>(size_)}; }

 private:
  MappedFile(std::string path, const uint8_t* data, uint64_t size)
      : path_(std::move(path)), data_(data), size_(size) {}
  std::string path_;
  const uint8_t* data_;
  uint64_t size_;
};

// Drops the whole pages inside [data, data + bytes) of a read-only file mapping from this
// process's resident set (they stay in the page cache and fault back in if read again). Used once
// weights have been converted to another format. Never call it on anonymous memory: its pages
// would read back as zeros.
void drop_mapped_pages(const void* data, uint64_t bytes);

// Reads a whole (small) text file; throws Error naming the path on failure or if it exceeds
// max_bytes (so a hostile file cannot make us allocate without bound).
std::string read_text_file(const std::string& path, uint64_t max_bytes = 256ull << 20);

}  // namespace lowspec
