#include "formats/safetensors.h"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>

#include "core/error.h"
#include "core/json_util.h"

namespace lowspec {

namespace {

// A header beyond this is hostile or broken (real ones are a few hundred kB at most).
constexpr uint64_t kMaxHeaderBytes = 100ull << 20;
constexpr int kMaxRank = 8;

uint64_t read_u64_le(const uint8_t* p) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = v << 8 | p[i];
  return v;
}

}  // namespace

SafetensorsHeader parse_safetensors(std::span<const uint8_t> bytes, const std::string& path) {
  check(bytes.size() >= 8, path, "not a safetensors file: shorter than the 8-byte header length");
  uint64_t n = read_u64_le(bytes.data());
  check(n <= kMaxHeaderBytes, path, cat("safetensors header length ", n, " exceeds the 100 MiB cap"));
  check(n <= bytes.size() - 8, path,
        cat("safetensors header length ", n, " is larger than the file (", bytes.size(), " bytes)"));
  std::string text(reinterpret_cast<const char*>(bytes.data() + 8), n);
  check(!text.empty() && text[0] == '{', path, "not a safetensors file: header is not a JSON object");
  Json j = parse_json(text, path);
  check(j.is_object(), path, "safetensors header is not a JSON object");

  SafetensorsHeader h;
  h.data_start = 8 + n;
  uint64_t data_size = bytes.size() - h.data_start;
  for (auto it = j.begin(); it != j.end(); ++it) {
    const std::string& name = it.key();
    const Json& v = it.value();
    if (name == "__metadata__") {
      check(v.is_object(), path, "__metadata__ must be an object of strings");
      for (auto m = v.begin(); m != v.end(); ++m) {
        check(m.value().is_string(), path, cat("__metadata__.", m.key(), " must be a string"));
        h.metadata[m.key()] = m.value().get<std::string>();
      }
      continue;
    }
    std::string where = cat("tensor \"", name, "\"");
    check(v.is_object(), path, where + " must be an object");
    auto dt = v.find("dtype");
    check(dt != v.end() && dt->is_string(), path, where + ": missing or non-string dtype");
    auto dtype = dtype_from_name(dt->get<std::string>());
    check(dtype.has_value() && !dtype_is_quantized(*dtype), path,
          cat(where, ": unknown dtype \"", dt->get<std::string>(), "\""));
    auto sh = v.find("shape");
    check(sh != v.end() && sh->is_array(), path, where + ": missing or non-array shape");
    check(sh->size() <= kMaxRank, path, cat(where, ": rank ", sh->size(), " is too large"));
    SafetensorsEntry e{name, *dtype, {}, 0, 0};
    uint64_t numel = 1;
    for (const Json& d : *sh) {
      check(d.is_number_unsigned() || (d.is_number_integer() && d.get<int64_t>() >= 0), path,
            where + ": shape entries must be non-negative integers");
      uint64_t dim = d.get<uint64_t>();
      check(dim <= (1ull << 48) && !__builtin_mul_overflow(numel, dim, &numel), path,
            where + ": shape overflows");
      e.shape.push_back(static_cast<int64_t>(dim));
    }
    auto off = v.find("data_offsets");
    check(off != v.end() && off->is_array() && off->size() == 2 && (*off)[0].is_number_unsigned() &&
              (*off)[1].is_number_unsigned(),
          path, where + ": data_offsets must be two non-negative integers");
    uint64_t b = (*off)[0].get<uint64_t>(), en = (*off)[1].get<uint64_t>();
    check(b <= en, path, cat(where, ": data_offsets [", b, ", ", en, "] are reversed"));
    check(en <= data_size, path,
          cat(where, ": data_offsets end ", en, " is past the data area (", data_size, " bytes)"));
    auto want = dtype_bytes(*dtype, numel);
    check(want.has_value() && *want == en - b, path,
          cat(where, ": ", en - b, " bytes for shape ", shape_string(e.shape), " of ",
              dtype_name(*dtype)));
    e.offset = h.data_start + b;
    e.nbytes = en - b;
    h.entries.push_back(std::move(e));
  }
  std::vector<const SafetensorsEntry*> by_offset;
  for (const auto& e : h.entries) by_offset.push_back(&e);
  std::sort(by_offset.begin(), by_offset.end(),
            [](auto* a, auto* b) { return a->offset < b->offset; });
  for (size_t i = 1; i < by_offset.size(); ++i) {
    const auto* prev = by_offset[i - 1];
    check(prev->offset + prev->nbytes <= by_offset[i]->offset, path,
          cat("tensors \"", prev->name, "\" and \"", by_offset[i]->name, "\" overlap"));
  }
  std::sort(h.entries.begin(), h.entries.end(),
            [](const auto& a, const auto& b) { return a.offset < b.offset; });
  return h;
}

SafetensorsFile::SafetensorsFile(const std::string& path)
    : file_(MappedFile::open(path)), header_(parse_safetensors(file_->bytes(), path)) {
  for (size_t i = 0; i < header_.entries.size(); ++i) index_[header_.entries[i].name] = i;
}

const SafetensorsEntry* SafetensorsFile::find(const std::string& name) const {
  auto it = index_.find(name);
  return it == index_.end() ? nullptr : &header_.entries[it->second];
}

TensorView SafetensorsFile::view(const SafetensorsEntry& e) const {
  return TensorView{e.dtype, e.shape, file_->data() + e.offset, e.nbytes};
}

void SafetensorsWriter::add(const std::string& name, DType dtype, std::vector<int64_t> shape) {
  uint64_t numel = 1;
  for (int64_t d : shape) numel *= static_cast<uint64_t>(d);
  auto bytes = dtype_bytes(dtype, numel);
  if (!bytes) throw InternalError(cat("tensor ", name, ": bad size"));
  tensors_.push_back({name, dtype, std::move(shape), *bytes});
  data_bytes_ += *bytes;
}

void SafetensorsWriter::set_metadata(const std::string& key, const std::string& value) {
  metadata_[key] = value;
}

void SafetensorsWriter::begin(const std::string& path) {
  path_ = path;
  Json header = Json::object();
  if (!metadata_.empty()) header["__metadata__"] = metadata_;
  uint64_t offset = 0;
  for (const auto& t : tensors_) {
    header[t.name] = {{"dtype", std::string(dtype_name(t.dtype))},
                      {"shape", t.shape},
                      {"data_offsets", {offset, offset + t.nbytes}}};
    offset += t.nbytes;
  }
  // nlohmann sorts keys; offsets still follow declaration order, which is what readers need.
  std::string text = header.dump();
  text.append((8 - text.size() % 8) % 8, ' ');
  out_ = std::fopen(path.c_str(), "wb");
  if (!out_) throw Error(path, cat("cannot create: ", std::strerror(errno)));
  uint8_t len[8];
  for (int i = 0; i < 8; ++i) len[i] = static_cast<uint8_t>(text.size() >> (8 * i));
  if (std::fwrite(len, 1, 8, out_) != 8 || std::fwrite(text.data(), 1, text.size(), out_) != text.size())
    throw Error(path, cat("write failed: ", std::strerror(errno)));
}

void SafetensorsWriter::write(const void* data, uint64_t nbytes) {
  if (nbytes == 0) return;
  if (written_ + nbytes > data_bytes_) throw InternalError(path_ + ": more data than declared");
  if (std::fwrite(data, 1, nbytes, out_) != nbytes)
    throw Error(path_, cat("write failed: ", std::strerror(errno)));
  written_ += nbytes;
}

void SafetensorsWriter::finish() {
  if (written_ != data_bytes_) throw InternalError(path_ + ": less data than declared");
  if (std::fclose(out_) != 0) {
    out_ = nullptr;
    throw Error(path_, cat("write failed: ", std::strerror(errno)));
  }
  out_ = nullptr;
}

void write_safetensors(const std::string& path, const std::vector<TensorToWrite>& tensors,
                       const std::map<std::string, std::string>& metadata) {
  SafetensorsWriter w;
  for (const auto& t : tensors) w.add(t.name, t.dtype, t.shape);
  for (const auto& [k, v] : metadata) w.set_metadata(k, v);
  w.begin(path);
  for (size_t i = 0; i < tensors.size(); ++i) {
    uint64_t numel = 1;
    for (int64_t d : tensors[i].shape) numel *= static_cast<uint64_t>(d);
    w.write(tensors[i].data, *dtype_bytes(tensors[i].dtype, numel));
  }
  w.finish();
}

}  // namespace lowspec
