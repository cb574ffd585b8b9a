#include "formats/gguf.h"

#include <algorithm>
#include <bit>
#include <cstring>
#include <limits>

#include "core/error.h"

namespace lowspec {

static_assert(std::endian::native == std::endian::little, "GGUF is read in place: little-endian only");

namespace {

constexpr uint32_t kMagic = 0x46554747;  // "GGUF" read as a little-endian uint32
constexpr int kMaxDims = 4;              // GGML_MAX_DIMS
constexpr int kMaxArrayDepth = 8;        // nested arrays deeper than this are hostile

struct GgmlTypeInfo {
  uint32_t id;
  const char* name;
  uint32_t block_elems;
  uint32_t block_bytes;
};

// Every ggml type id a GGUF file may hold, with its block layout (so sizes of tensors lowspec
// cannot compute with are still bounds-checked).
constexpr GgmlTypeInfo kGgmlTypes[] = {
    {0, "F32", 1, 4},          {1, "F16", 1, 2},          {2, "Q4_0", 32, 18},
    {3, "Q4_1", 32, 20},       {6, "Q5_0", 32, 22},       {7, "Q5_1", 32, 24},
    {8, "Q8_0", 32, 34},       {9, "Q8_1", 32, 36},       {10, "Q2_K", 256, 84},
    {11, "Q3_K", 256, 110},    {12, "Q4_K", 256, 144},    {13, "Q5_K", 256, 176},
    {14, "Q6_K", 256, 210},    {15, "Q8_K", 256, 292},    {16, "IQ2_XXS", 256, 66},
    {17, "IQ2_XS", 256, 74},   {18, "IQ3_XXS", 256, 98},  {19, "IQ1_S", 256, 50},
    {20, "IQ4_NL", 32, 18},    {21, "IQ3_S", 256, 110},   {22, "IQ2_S", 256, 82},
    {23, "IQ4_XS", 256, 136},  {24, "I8", 1, 1},          {25, "I16", 1, 2},
    {26, "I32", 1, 4},         {27, "I64", 1, 8},         {28, "F64", 1, 8},
    {29, "IQ1_M", 256, 56},    {30, "BF16", 1, 2},        {34, "TQ1_0", 256, 54},
    {35, "TQ2_0", 256, 66},    {39, "MXFP4", 32, 17},
};

const GgmlTypeInfo* ggml_info(uint32_t id) {
  for (const auto& t : kGgmlTypes)
    if (t.id == id) return &t;
  return nullptr;
}

constexpr std::pair<uint32_t, DType> kComputable[] = {
    {ggml_type::F32, DType::F32},   {ggml_type::F16, DType::F16},   {ggml_type::BF16, DType::BF16},
    {ggml_type::Q4_0, DType::Q4_0}, {ggml_type::Q8_0, DType::Q8_0}, {ggml_type::Q4_K, DType::Q4_K},
    {ggml_type::Q5_K, DType::Q5_K}, {ggml_type::Q6_K, DType::Q6_K}, {ggml_type::I8, DType::I8},
    {ggml_type::I16, DType::I16},   {ggml_type::I32, DType::I32},   {ggml_type::I64, DType::I64},
    {ggml_type::F64, DType::F64},
};

// Size of a fixed-size metadata type; 0 for STRING and ARRAY; nullopt for unknown ids.
std::optional<uint64_t> scalar_size(GgufType t) {
  switch (t) {
    case GgufType::UINT8:
    case GgufType::INT8:
    case GgufType::BOOL: return 1;
    case GgufType::UINT16:
    case GgufType::INT16: return 2;
    case GgufType::UINT32:
    case GgufType::INT32:
    case GgufType::FLOAT32: return 4;
    case GgufType::UINT64:
    case GgufType::INT64:
    case GgufType::FLOAT64: return 8;
    case GgufType::STRING:
    case GgufType::ARRAY: return 0;
  }
  return std::nullopt;
}

bool is_integer(GgufType t) {
  switch (t) {
    case GgufType::UINT8:
    case GgufType::INT8:
    case GgufType::UINT16:
    case GgufType::INT16:
    case GgufType::UINT32:
    case GgufType::INT32:
    case GgufType::UINT64:
    case GgufType::INT64: return true;
    default: return false;
  }
}

bool is_signed(GgufType t) {
  return t == GgufType::INT8 || t == GgufType::INT16 || t == GgufType::INT32 || t == GgufType::INT64;
}

bool valid_utf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    auto c = static_cast<unsigned char>(s[i]);
    int extra;
    uint32_t cp;
    if (c < 0x80) {
      ++i;
      continue;
    } else if ((c & 0xE0) == 0xC0) {
      extra = 1, cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      extra = 2, cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      extra = 3, cp = c & 0x07;
    } else {
      return false;
    }
    if (i + extra >= s.size()) return false;
    for (int k = 1; k <= extra; ++k) {
      auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xC0) != 0x80) return false;
      cp = cp << 6 | (cc & 0x3F);
    }
    static constexpr uint32_t kMin[] = {0, 0x80, 0x800, 0x10000};
    if (cp < kMin[extra] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    i += extra + 1;
  }
  return true;
}

// Reads little-endian values from a byte range; every read is checked against the end first.
class Reader {
 public:
  Reader(std::span<const uint8_t> bytes, const std::string& path, uint64_t pos = 0)
      : bytes_(bytes), path_(path), pos_(pos) {}
  uint64_t pos() const { return pos_; }
  uint64_t remaining() const { return bytes_.size() - pos_; }

  void need(uint64_t n, const std::string& what) const {
    check(n <= remaining(), path_,
          cat(what, " at byte ", pos_, " needs ", n, " bytes but only ", remaining(),
              " remain (truncated file?)"));
  }
  template <typename T>
  T read(const std::string& what) {
    need(sizeof(T), what);
    T v;
    std::memcpy(&v, bytes_.data() + pos_, sizeof(T));
    pos_ += sizeof(T);
    return v;
  }
  std::string_view read_string(const std::string& what) {
    auto len = read<uint64_t>(what + " (string length)");
    need(len, what);
    std::string_view s(reinterpret_cast<const char*>(bytes_.data() + pos_), len);
    pos_ += len;
    return s;
  }
  void skip(uint64_t n, const std::string& what) {
    need(n, what);
    pos_ += n;
  }
  std::span<const uint8_t> since(uint64_t start) const { return bytes_.subspan(start, pos_ - start); }

 private:
  std::span<const uint8_t> bytes_;
  const std::string& path_;
  uint64_t pos_;
};

GgufType read_type(Reader& r, const std::string& what, const std::string& path) {
  auto raw = r.read<uint32_t>(what);
  check(scalar_size(static_cast<GgufType>(raw)).has_value(), path,
        cat(what, ": unknown GGUF value type ", raw));
  return static_cast<GgufType>(raw);
}

// Walks the elements of an array (bounds-checked, no allocation) and returns it as a GgufArray.
GgufArray read_array(Reader& r, const std::string& what, const std::string& path, int depth) {
  check(depth < kMaxArrayDepth, path, cat(what, ": arrays nested deeper than ", kMaxArrayDepth));
  GgufArray a;
  a.file = path;
  a.elem_type = read_type(r, what + " (array element type)", path);
  a.count = r.read<uint64_t>(what + " (array length)");
  const uint64_t start = r.pos();
  const uint64_t elem = *scalar_size(a.elem_type);
  if (elem > 0) {
    check(a.count <= r.remaining() / elem, path,
          cat(what, ": array of ", a.count, " ", gguf_type_name(a.elem_type),
              " is larger than the rest of the file (", r.remaining(), " bytes)"));
    r.skip(a.count * elem, what);
  } else {
    // A string takes at least its 8-byte length, a nested array its 12-byte type and count.
    const uint64_t min_elem = a.elem_type == GgufType::STRING ? 8 : 12;
    check(a.count <= r.remaining() / min_elem, path,
          cat(what, ": array of ", a.count, " ", gguf_type_name(a.elem_type),
              " is larger than the rest of the file (", r.remaining(), " bytes)"));
    for (uint64_t i = 0; i < a.count; ++i) {
      if (a.elem_type == GgufType::STRING)
        r.read_string(cat(what, "[", i, "]"));
      else
        read_array(r, cat(what, "[", i, "]"), path, depth + 1);
    }
  }
  a.bytes = r.since(start);
  return a;
}

GgufValue read_value(Reader& r, GgufType type, const std::string& what, const std::string& path) {
  GgufValue v;
  v.type = type;
  switch (type) {
    case GgufType::UINT8: v.u = r.read<uint8_t>(what); break;
    case GgufType::UINT16: v.u = r.read<uint16_t>(what); break;
    case GgufType::UINT32: v.u = r.read<uint32_t>(what); break;
    case GgufType::UINT64: v.u = r.read<uint64_t>(what); break;
    case GgufType::INT8: v.i = r.read<int8_t>(what); break;
    case GgufType::INT16: v.i = r.read<int16_t>(what); break;
    case GgufType::INT32: v.i = r.read<int32_t>(what); break;
    case GgufType::INT64: v.i = r.read<int64_t>(what); break;
    case GgufType::FLOAT32: v.f = r.read<float>(what); break;
    case GgufType::FLOAT64: v.f = r.read<double>(what); break;
    case GgufType::BOOL:
      v.u = r.read<uint8_t>(what);
      check(v.u <= 1, path, cat(what, ": bool value ", v.u, " is neither 0 nor 1"));
      break;
    case GgufType::STRING: v.s = r.read_string(what); break;
    case GgufType::ARRAY: v.array = read_array(r, what, path, 0); break;
  }
  return v;
}

std::string quoted(std::string_view s) {
  constexpr size_t kShown = 60;
  std::string out = "\"";
  for (char c : s.substr(0, kShown)) {
    if (c == '\n') out += "\\n";
    else if (c == '"') out += "\\\"";
    else out += c;
  }
  if (s.size() > kShown) out += "...";
  return out + "\"";
}

}  // namespace

const char* gguf_type_name(GgufType t) {
  switch (t) {
    case GgufType::UINT8: return "uint8";
    case GgufType::INT8: return "int8";
    case GgufType::UINT16: return "uint16";
    case GgufType::INT16: return "int16";
    case GgufType::UINT32: return "uint32";
    case GgufType::INT32: return "int32";
    case GgufType::FLOAT32: return "float32";
    case GgufType::BOOL: return "bool";
    case GgufType::STRING: return "string";
    case GgufType::ARRAY: return "array";
    case GgufType::UINT64: return "uint64";
    case GgufType::INT64: return "int64";
    case GgufType::FLOAT64: return "float64";
  }
  return "unknown";
}

const char* ggml_type_name(uint32_t type) {
  const GgmlTypeInfo* info = ggml_info(type);
  return info ? info->name : nullptr;
}

std::optional<DType> dtype_from_ggml(uint32_t type) {
  for (const auto& [id, dtype] : kComputable)
    if (id == type) return dtype;
  return std::nullopt;
}

std::optional<uint32_t> ggml_from_dtype(DType t) {
  for (const auto& [id, dtype] : kComputable)
    if (dtype == t) return id;
  return std::nullopt;
}

std::optional<uint64_t> ggml_type_bytes(uint32_t type, uint64_t numel) {
  const GgmlTypeInfo* info = ggml_info(type);
  uint64_t bytes;
  if (!info || numel % info->block_elems != 0 ||
      __builtin_mul_overflow(numel / info->block_elems, uint64_t{info->block_bytes}, &bytes))
    return std::nullopt;
  return bytes;
}

// ---- GgufArray decoders --------------------------------------------------------------------

std::vector<std::string> GgufArray::strings() const {
  check(elem_type == GgufType::STRING, file,
        cat("metadata \"", key, "\": expected an array of string, found an array of ",
            gguf_type_name(elem_type)));
  std::vector<std::string> out;
  out.reserve(count);  // count was checked against the bytes at parse time
  Reader r(bytes, file);
  for (uint64_t i = 0; i < count; ++i) out.emplace_back(r.read_string(cat("metadata \"", key, "\"[", i, "]")));
  return out;
}

std::vector<int64_t> GgufArray::ints() const {
  check(is_integer(elem_type), file,
        cat("metadata \"", key, "\": expected an array of integers, found an array of ",
            gguf_type_name(elem_type)));
  std::vector<int64_t> out;
  out.reserve(count);
  Reader r(bytes, file);
  const std::string what = cat("metadata \"", key, "\"");
  for (uint64_t i = 0; i < count; ++i) {
    GgufValue v = read_value(r, elem_type, what, file);
    if (is_signed(elem_type)) {
      out.push_back(v.i);
    } else {
      check(v.u <= static_cast<uint64_t>(std::numeric_limits<int64_t>::max()), file,
            cat(what, "[", i, "]: ", v.u, " does not fit a signed 64-bit integer"));
      out.push_back(static_cast<int64_t>(v.u));
    }
  }
  return out;
}

std::vector<int32_t> GgufArray::int32s() const {
  std::vector<int64_t> wide = ints();
  std::vector<int32_t> out;
  out.reserve(wide.size());
  for (size_t i = 0; i < wide.size(); ++i) {
    check(wide[i] >= std::numeric_limits<int32_t>::min() && wide[i] <= std::numeric_limits<int32_t>::max(),
          file, cat("metadata \"", key, "\"[", i, "]: ", wide[i], " does not fit a 32-bit integer"));
    out.push_back(static_cast<int32_t>(wide[i]));
  }
  return out;
}

std::vector<float> GgufArray::floats() const {
  check(elem_type == GgufType::FLOAT32 || elem_type == GgufType::FLOAT64, file,
        cat("metadata \"", key, "\": expected an array of float32, found an array of ",
            gguf_type_name(elem_type)));
  std::vector<float> out;
  out.reserve(count);
  Reader r(bytes, file);
  const std::string what = cat("metadata \"", key, "\"");
  for (uint64_t i = 0; i < count; ++i)
    out.push_back(elem_type == GgufType::FLOAT32 ? r.read<float>(what)
                                                 : static_cast<float>(r.read<double>(what)));
  return out;
}

std::vector<GgufArray> GgufArray::arrays() const {
  check(elem_type == GgufType::ARRAY, file,
        cat("metadata \"", key, "\": expected an array of arrays, found an array of ",
            gguf_type_name(elem_type)));
  std::vector<GgufArray> out;
  out.reserve(count);
  Reader r(bytes, file);
  for (uint64_t i = 0; i < count; ++i) {
    GgufArray inner = read_array(r, cat("metadata \"", key, "\"[", i, "]"), file, 1);
    inner.key = cat(key, "[", i, "]");
    out.push_back(std::move(inner));
  }
  return out;
}

// ---- GgufFile --------------------------------------------------------------------------------

GgufFile GgufFile::open(const std::string& path) {
  GgufFile g;
  g.file_ = MappedFile::open(path);
  g.bytes_ = g.file_->bytes();
  g.path_ = path;
  g.parse_all();
  return g;
}

GgufFile GgufFile::parse(std::span<const uint8_t> bytes, const std::string& name) {
  GgufFile g;
  g.bytes_ = bytes;
  g.path_ = name;
  g.parse_all();
  return g;
}

void GgufFile::parse_all() {
  const std::string& p = path_;
  Reader r(bytes_, p);
  check(bytes_.size() >= 4, p, "not a GGUF file: shorter than the 4-byte magic");
  auto magic = r.read<uint32_t>("magic");
  check(magic == kMagic, p, "not a GGUF file: the magic is not \"GGUF\"");
  version_ = r.read<uint32_t>("version");
  const uint32_t swapped = __builtin_bswap32(version_);
  check(swapped < 1 || swapped > 3, p, "big-endian GGUF files are not supported");
  check(version_ != 1, p, "GGUF version 1 is not supported (only versions 2 and 3)");
  check(version_ == 2 || version_ == 3, p, cat("GGUF version ", version_, " is not supported (only 2 and 3)"));
  const auto tensor_count = r.read<uint64_t>("tensor count");
  const auto kv_count = r.read<uint64_t>("metadata count");
  // Each metadata entry takes at least 8 (key length) + 1 (key) + 4 (type) + 1 (value) bytes;
  // each tensor info 8 (name length) + 1 (name) + 4 (dims) + 4 (type) + 8 (offset).
  check(kv_count <= r.remaining() / 14, p,
        cat("metadata count ", kv_count, " is larger than the file can hold (", bytes_.size(), " bytes)"));
  check(tensor_count <= r.remaining() / 25, p,
        cat("tensor count ", tensor_count, " is larger than the file can hold (", bytes_.size(), " bytes)"));

  for (uint64_t k = 0; k < kv_count; ++k) {
    std::string_view key = r.read_string(cat("metadata key #", k));
    check(!key.empty(), p, cat("metadata key #", k, " is empty"));
    check(valid_utf8(key), p, cat("metadata key #", k, " is not valid UTF-8"));
    const std::string what = cat("metadata \"", key, "\"");
    check(!metadata_index_.contains(key), p, what + " appears twice");
    GgufType type = read_type(r, what + " (type)", p);
    GgufValue v = read_value(r, type, what, p);
    if (type == GgufType::ARRAY) v.array.key = std::string(key);
    metadata_index_.emplace(std::string(key), metadata_.size());
    metadata_.emplace_back(std::string(key), std::move(v));
  }

  if (const GgufValue* a = find("general.alignment")) {
    check(a->type == GgufType::UINT32, p,
          cat("metadata \"general.alignment\": expected uint32, found ", gguf_type_name(a->type)));
    check(a->u > 0 && std::has_single_bit(a->u), p,
          cat("metadata \"general.alignment\": ", a->u, " is not a power of two"));
    alignment_ = a->u;
  }

  for (uint64_t t = 0; t < tensor_count; ++t) {
    GgufTensorInfo info;
    std::string_view name = r.read_string(cat("tensor info #", t, " name"));
    check(valid_utf8(name), p, cat("tensor info #", t, ": name is not valid UTF-8"));
    info.name = std::string(name);
    const std::string what = cat("tensor \"", info.name, "\"");
    check(!tensor_index_.contains(name), p, what + " appears twice");
    auto n_dims = r.read<uint32_t>(what + " (number of dimensions)");
    check(n_dims >= 1 && n_dims <= kMaxDims, p,
          cat(what, ": ", n_dims, " dimensions (GGUF allows 1 to ", kMaxDims, ")"));
    info.numel = 1;
    for (uint32_t d = 0; d < n_dims; ++d) {
      auto dim = r.read<uint64_t>(cat(what, " (dimension ", d, ")"));
      check(dim <= static_cast<uint64_t>(std::numeric_limits<int64_t>::max()) &&
                !__builtin_mul_overflow(info.numel, dim, &info.numel) &&
                info.numel <= static_cast<uint64_t>(std::numeric_limits<int64_t>::max()),
            p, cat(what, ": shape overflows"));
      info.dims.push_back(dim);
    }
    info.shape.assign(info.dims.rbegin(), info.dims.rend());
    info.ggml_type = r.read<uint32_t>(what + " (type)");
    const GgmlTypeInfo* type = ggml_info(info.ggml_type);
    check(type != nullptr, p, cat(what, ": unknown ggml type ", info.ggml_type));
    info.dtype = dtype_from_ggml(info.ggml_type);
    check(info.dims[0] % type->block_elems == 0, p,
          cat(what, ": first dimension ", info.dims[0], " is not a multiple of the ", type->name,
              " block size ", type->block_elems));
    check(!__builtin_mul_overflow(info.numel / type->block_elems, uint64_t{type->block_bytes}, &info.nbytes),
          p, cat(what, ": byte size overflows"));
    info.offset = r.read<uint64_t>(what + " (offset)");
    check(info.offset % alignment_ == 0, p,
          cat(what, ": offset ", info.offset, " is not a multiple of the alignment ", alignment_));
    tensor_index_.emplace(info.name, tensors_.size());
    tensors_.push_back(std::move(info));
  }

  // The data section starts at the next multiple of the alignment.
  data_offset_ = (r.pos() + alignment_ - 1) / alignment_ * alignment_;
  check(tensors_.empty() || data_offset_ <= bytes_.size(), p,
        cat("the tensor data would start at byte ", data_offset_, ", past the end of the file (", bytes_.size(),
            " bytes)"));
  const uint64_t data_size = bytes_.size() > data_offset_ ? bytes_.size() - data_offset_ : 0;
  for (auto& t : tensors_) {
    check(t.offset <= data_size && t.nbytes <= data_size - t.offset, p,
          cat("tensor \"", t.name, "\": data [", t.offset, ", +", t.nbytes, ") is past the end of the data (",
              data_size, " bytes)"));
    t.offset += data_offset_;
  }
  std::vector<const GgufTensorInfo*> by_offset;
  by_offset.reserve(tensors_.size());
  for (const auto& t : tensors_) by_offset.push_back(&t);
  std::sort(by_offset.begin(), by_offset.end(), [](auto* a, auto* b) { return a->offset < b->offset; });
  for (size_t i = 1; i < by_offset.size(); ++i) {
    const auto* prev = by_offset[i - 1];
    // Two infos may name the same bytes (identical tensors written once); partial overlaps are
    // errors.
    if (prev->offset == by_offset[i]->offset && prev->nbytes == by_offset[i]->nbytes) continue;
    check(prev->offset + prev->nbytes <= by_offset[i]->offset, p,
          cat("tensors \"", prev->name, "\" and \"", by_offset[i]->name, "\" overlap"));
  }
}

const GgufValue* GgufFile::find(const std::string& key) const {
  auto it = metadata_index_.find(key);
  return it == metadata_index_.end() ? nullptr : &metadata_[it->second].second;
}

const GgufValue& GgufFile::require(const std::string& key, const char* wanted) const {
  const GgufValue* v = find(key);
  check(v != nullptr, path_, cat("metadata \"", key, "\" (", wanted, ") is missing"));
  return *v;
}

namespace {
[[noreturn]] void wrong_type(const std::string& path, const std::string& key, const char* wanted,
                             const GgufValue& v) {
  throw Error(path, cat("metadata \"", key, "\": expected ", wanted, ", found ", gguf_type_name(v.type)));
}

// The value of an integer entry of any integer type, checked into [lo, hi].
int64_t int_in_range(const std::string& path, const std::string& key, const GgufValue& v,
                     int64_t lo, int64_t hi) {
  if (!is_integer(v.type)) wrong_type(path, key, "an integer", v);
  if (is_signed(v.type)) {
    check(v.i >= lo && v.i <= hi, path, cat("metadata \"", key, "\": ", v.i, " is out of range"));
    return v.i;
  }
  check(v.u <= static_cast<uint64_t>(hi), path, cat("metadata \"", key, "\": ", v.u, " is out of range"));
  return static_cast<int64_t>(v.u);
}
}  // namespace

std::string GgufFile::get_string(const std::string& key) const {
  const GgufValue& v = require(key, "string");
  if (v.type != GgufType::STRING) wrong_type(path_, key, "string", v);
  return std::string(v.s);
}

uint32_t GgufFile::get_u32(const std::string& key) const {
  return static_cast<uint32_t>(
      int_in_range(path_, key, require(key, "uint32"), 0, std::numeric_limits<uint32_t>::max()));
}

int64_t GgufFile::get_int(const std::string& key) const {
  return int_in_range(path_, key, require(key, "integer"), std::numeric_limits<int64_t>::min(),
                      std::numeric_limits<int64_t>::max());
}

uint64_t GgufFile::get_u64(const std::string& key) const {
  const GgufValue& v = require(key, "uint64");
  if (v.type == GgufType::UINT64) return v.u;
  return static_cast<uint64_t>(int_in_range(path_, key, v, 0, std::numeric_limits<int64_t>::max()));
}

double GgufFile::get_float(const std::string& key) const {
  const GgufValue& v = require(key, "float");
  if (v.type != GgufType::FLOAT32 && v.type != GgufType::FLOAT64) wrong_type(path_, key, "float32 or float64", v);
  return v.f;
}

bool GgufFile::get_bool(const std::string& key) const {
  const GgufValue& v = require(key, "bool");
  if (v.type != GgufType::BOOL) wrong_type(path_, key, "bool", v);
  return v.u != 0;
}

const GgufArray& GgufFile::get_array(const std::string& key) const {
  const GgufValue& v = require(key, "array");
  if (v.type != GgufType::ARRAY) wrong_type(path_, key, "array", v);
  return v.array;
}

std::optional<std::string> GgufFile::get_string_opt(const std::string& key) const {
  if (!has(key)) return std::nullopt;
  return get_string(key);
}

std::optional<int64_t> GgufFile::get_int_opt(const std::string& key) const {
  if (!has(key)) return std::nullopt;
  return get_int(key);
}

std::optional<double> GgufFile::get_float_opt(const std::string& key) const {
  if (!has(key)) return std::nullopt;
  return get_float(key);
}

std::optional<bool> GgufFile::get_bool_opt(const std::string& key) const {
  if (!has(key)) return std::nullopt;
  return get_bool(key);
}

const GgufTensorInfo* GgufFile::find_tensor(const std::string& name) const {
  auto it = tensor_index_.find(name);
  return it == tensor_index_.end() ? nullptr : &tensors_[it->second];
}

std::span<const uint8_t> GgufFile::tensor_bytes(const GgufTensorInfo& t) const {
  return bytes_.subspan(t.offset, t.nbytes);
}

TensorView GgufFile::view(const GgufTensorInfo& t) const {
  check(t.dtype.has_value(), path_,
        cat("tensor \"", t.name, "\": ggml type ", ggml_type_name(t.ggml_type), " is not supported"));
  return TensorView{*t.dtype, t.shape, bytes_.data() + t.offset, t.nbytes};
}

std::string gguf_value_summary(const GgufValue& v) {
  switch (v.type) {
    case GgufType::UINT8:
    case GgufType::UINT16:
    case GgufType::UINT32:
    case GgufType::UINT64: return std::to_string(v.u);
    case GgufType::INT8:
    case GgufType::INT16:
    case GgufType::INT32:
    case GgufType::INT64: return std::to_string(v.i);
    case GgufType::FLOAT32:
    case GgufType::FLOAT64: return cat(v.f);
    case GgufType::BOOL: return v.u ? "true" : "false";
    case GgufType::STRING: return quoted(v.s);
    case GgufType::ARRAY: return cat("[", v.array.count, " x ", gguf_type_name(v.array.elem_type), "]");
  }
  return "?";
}

}  // namespace lowspec
