#include "formats/gguf_writer.h"

#include <algorithm>
#include <bit>
#include <cerrno>
#include <cstring>

#include <unistd.h>

#include "core/error.h"

namespace lowspec {

namespace {
constexpr uint32_t kMagic = 0x46554747;  // "GGUF"
constexpr uint32_t kVersion = 3;
constexpr uint32_t kDefaultAlignment = 32;

uint64_t align_up(uint64_t n, uint64_t alignment) { return (n + alignment - 1) / alignment * alignment; }
}  // namespace

GgufWriter::~GgufWriter() {
  if (out_) std::fclose(out_);
}

template <typename T>
void GgufWriter::put(T v) {
  kv_bytes_.append(reinterpret_cast<const char*>(&v), sizeof(T));
}

void GgufWriter::put_string(std::string_view s) {
  put<uint64_t>(s.size());
  kv_bytes_.append(s);
}

void GgufWriter::begin_kv(const std::string& key, GgufType type) {
  if (out_) throw InternalError(cat("GGUF metadata \"", key, "\" added after begin()"));
  if (std::find(keys_.begin(), keys_.end(), key) != keys_.end())
    throw InternalError(cat("GGUF metadata \"", key, "\" added twice"));
  keys_.push_back(key);
  put_string(key);
  put<uint32_t>(static_cast<uint32_t>(type));
  ++kv_count_;
}

void GgufWriter::add_u8(const std::string& key, uint8_t v) { begin_kv(key, GgufType::UINT8), put(v); }
void GgufWriter::add_i8(const std::string& key, int8_t v) { begin_kv(key, GgufType::INT8), put(v); }
void GgufWriter::add_u16(const std::string& key, uint16_t v) { begin_kv(key, GgufType::UINT16), put(v); }
void GgufWriter::add_i16(const std::string& key, int16_t v) { begin_kv(key, GgufType::INT16), put(v); }
void GgufWriter::add_u32(const std::string& key, uint32_t v) { begin_kv(key, GgufType::UINT32), put(v); }
void GgufWriter::add_i32(const std::string& key, int32_t v) { begin_kv(key, GgufType::INT32), put(v); }
void GgufWriter::add_u64(const std::string& key, uint64_t v) { begin_kv(key, GgufType::UINT64), put(v); }
void GgufWriter::add_i64(const std::string& key, int64_t v) { begin_kv(key, GgufType::INT64), put(v); }
void GgufWriter::add_f32(const std::string& key, float v) { begin_kv(key, GgufType::FLOAT32), put(v); }
void GgufWriter::add_f64(const std::string& key, double v) { begin_kv(key, GgufType::FLOAT64), put(v); }
void GgufWriter::add_bool(const std::string& key, bool v) {
  begin_kv(key, GgufType::BOOL);
  put<uint8_t>(v ? 1 : 0);
}
void GgufWriter::add_string(const std::string& key, std::string_view v) {
  begin_kv(key, GgufType::STRING);
  put_string(v);
}

void GgufWriter::add_string_array(const std::string& key, const std::vector<std::string>& v) {
  begin_kv(key, GgufType::ARRAY);
  put<uint32_t>(static_cast<uint32_t>(GgufType::STRING));
  put<uint64_t>(v.size());
  for (const auto& s : v) put_string(s);
}

void GgufWriter::add_f32_array(const std::string& key, const std::vector<float>& v) {
  begin_kv(key, GgufType::ARRAY);
  put<uint32_t>(static_cast<uint32_t>(GgufType::FLOAT32));
  put<uint64_t>(v.size());
  for (float x : v) put(x);
}

void GgufWriter::add_i32_array(const std::string& key, const std::vector<int32_t>& v) {
  begin_kv(key, GgufType::ARRAY);
  put<uint32_t>(static_cast<uint32_t>(GgufType::INT32));
  put<uint64_t>(v.size());
  for (int32_t x : v) put(x);
}

void GgufWriter::add_i64_array(const std::string& key, const std::vector<int64_t>& v) {
  begin_kv(key, GgufType::ARRAY);
  put<uint32_t>(static_cast<uint32_t>(GgufType::INT64));
  put<uint64_t>(v.size());
  for (int64_t x : v) put(x);
}

void GgufWriter::add_string_array_array(const std::string& key,
                                        const std::vector<std::vector<std::string>>& v) {
  begin_kv(key, GgufType::ARRAY);
  put<uint32_t>(static_cast<uint32_t>(GgufType::ARRAY));
  put<uint64_t>(v.size());
  for (const auto& inner : v) {
    put<uint32_t>(static_cast<uint32_t>(GgufType::STRING));
    put<uint64_t>(inner.size());
    for (const auto& s : inner) put_string(s);
  }
}

void GgufWriter::set_alignment(uint32_t alignment) {
  if (alignment == 0 || !std::has_single_bit(alignment))
    throw InternalError(cat("GGUF alignment ", alignment, " is not a power of two"));
  if (!tensors_.empty()) throw InternalError("GGUF alignment set after tensors were declared");
  alignment_ = alignment;
  if (alignment != kDefaultAlignment) add_u32("general.alignment", alignment);
}

void GgufWriter::add_tensor(const std::string& name, DType dtype, const std::vector<int64_t>& shape) {
  auto type = ggml_from_dtype(dtype);
  if (!type) throw Error(cat("tensor \"", name, "\": dtype ", dtype_name(dtype), " has no GGUF type"));
  add_tensor_ggml(name, *type, shape);
}

void GgufWriter::add_tensor_ggml(const std::string& name, uint32_t ggml_type,
                                 const std::vector<int64_t>& shape) {
  if (out_) throw InternalError(cat("GGUF tensor \"", name, "\" declared after begin()"));
  uint64_t numel = 1;
  for (int64_t d : shape) {
    if (d < 0 || __builtin_mul_overflow(numel, static_cast<uint64_t>(d), &numel))
      throw InternalError(cat("GGUF tensor \"", name, "\": bad shape ", shape_string(shape)));
  }
  auto nbytes = ggml_type_bytes(ggml_type, numel);
  // Blocks run along the innermost dimension, so it must hold whole blocks.
  if (!nbytes || shape.empty() || !ggml_type_bytes(ggml_type, static_cast<uint64_t>(shape.back())))
    throw Error(cat("tensor \"", name, "\": shape ", shape_string(shape), " cannot be stored as ggml type ",
                    ggml_type_name(ggml_type) ? ggml_type_name(ggml_type) : "?"));
  Tensor t{name, ggml_type, {}, *nbytes, align_up(data_bytes_, alignment_)};
  t.dims.assign(shape.rbegin(), shape.rend());
  data_bytes_ = t.offset + t.nbytes;
  tensors_.push_back(std::move(t));
}

void GgufWriter::write_raw(const void* data, uint64_t nbytes) {
  if (nbytes > 0 && std::fwrite(data, 1, nbytes, out_) != nbytes)
    throw Error(path_, cat("write failed: ", std::strerror(errno)));
}

void GgufWriter::pad_to(uint64_t position) {
  static const char zeros[64] = {};
  while (data_written_ < position) {
    uint64_t n = std::min<uint64_t>(sizeof zeros, position - data_written_);
    write_raw(zeros, n);
    data_written_ += n;
  }
}

void GgufWriter::begin(const std::string& path) {
  path_ = path;
  std::string head;
  auto append = [&head](const auto& v) { head.append(reinterpret_cast<const char*>(&v), sizeof v); };
  append(kMagic);
  append(kVersion);
  append(static_cast<uint64_t>(tensors_.size()));
  append(kv_count_);
  head += kv_bytes_;
  for (auto& t : tensors_) {
    append(static_cast<uint64_t>(t.name.size()));
    head += t.name;
    append(static_cast<uint32_t>(t.dims.size()));
    for (uint64_t d : t.dims) append(d);
    append(t.ggml_type);
    t.offset_field = head.size();
    append(t.offset);
  }
  head.append(align_up(head.size(), alignment_) - head.size(), '\0');
  data_start_ = head.size();
  out_ = std::fopen(path.c_str(), "wb");
  if (!out_) throw Error(path, cat("cannot create: ", std::strerror(errno)));
  write_raw(head.data(), head.size());
  current_ = 0;
  current_left_ = tensors_.empty() ? 0 : tensors_[0].nbytes;
}

void GgufWriter::write(const void* data, uint64_t nbytes) {
  const auto* p = static_cast<const uint8_t*>(data);
  while (nbytes > 0) {
    while (current_left_ == 0) {
      if (++current_ >= tensors_.size()) throw InternalError(path_ + ": more tensor data than declared");
      current_left_ = tensors_[current_].nbytes;
    }
    const Tensor& t = tensors_[current_];
    pad_to(t.offset);
    uint64_t n = std::min(nbytes, current_left_);
    write_raw(p, n);
    data_written_ += n;
    current_left_ -= n;
    p += n;
    nbytes -= n;
  }
}

void GgufWriter::finish() {
  bool complete = current_left_ == 0;
  for (size_t i = current_ + 1; i < tensors_.size(); ++i) complete = complete && tensors_[i].nbytes == 0;
  if (!complete) throw InternalError(path_ + ": less tensor data than declared");
  pad_to(align_up(data_bytes_, alignment_));
  if (offsets_moved_) {
    // Shared data left the file shorter than begin() planned: cut what was taken back, then
    // rewrite every tensor's offset in the header.
    if (std::fflush(out_) != 0 ||
        ftruncate(fileno(out_), static_cast<off_t>(data_start_ + data_written_)) != 0)
      throw Error(path_, cat("write failed: ", std::strerror(errno)));
    for (const Tensor& t : tensors_) {
      if (fseeko(out_, static_cast<off_t>(t.offset_field), SEEK_SET) != 0)
        throw Error(path_, cat("seek failed: ", std::strerror(errno)));
      write_raw(&t.offset, sizeof t.offset);
    }
  }
  FILE* f = out_;
  out_ = nullptr;
  if (std::fclose(f) != 0) throw Error(path_, cat("write failed: ", std::strerror(errno)));
}

void GgufWriter::share_last_tensor_with(size_t earlier) {
  Tensor& t = tensors_.at(current_);
  if (current_left_ != 0 || earlier >= current_ || tensors_[earlier].nbytes != t.nbytes)
    throw InternalError(cat(path_, ": tensor \"", t.name, "\" cannot share tensor ", earlier, "'s data"));
  // Back to where this tensor's data began; the tensors after it move up by as much.
  uint64_t end = t.offset;
  if (std::fflush(out_) != 0 || fseeko(out_, static_cast<off_t>(data_start_ + end), SEEK_SET) != 0)
    throw Error(path_, cat("seek failed: ", std::strerror(errno)));
  data_written_ = end;
  t.offset = tensors_[earlier].offset;
  for (size_t i = current_ + 1; i < tensors_.size(); ++i) {
    tensors_[i].offset = align_up(end, alignment_);
    end = tensors_[i].offset + tensors_[i].nbytes;
  }
  data_bytes_ = end;
  offsets_moved_ = true;
}

}  // namespace lowspec
