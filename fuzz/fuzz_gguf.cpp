// libFuzzer: arbitrary bytes as a GGUF file. Parsing must succeed or throw lowspec::Error; on a
// parsed file every typed getter and array decoder must too, and tensors must lie in the bytes.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "core/error.h"
#include "formats/gguf.h"

namespace {

// Decodes an array every way; the wrong ways must be clean Errors.
void decode_all(const lowspec::GgufArray& a, int depth) {
  using lowspec::Error;
  try { a.strings(); } catch (const Error&) {}
  try { a.ints(); } catch (const Error&) {}
  try { a.int32s(); } catch (const Error&) {}
  try { a.floats(); } catch (const Error&) {}
  try {
    if (depth < 3)
      for (const auto& inner : a.arrays()) decode_all(inner, depth + 1);
  } catch (const Error&) {
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace lowspec;
  try {
    const GgufFile g = GgufFile::parse({data, size}, "fuzz.gguf");
    for (const auto& [key, value] : g.metadata()) {
      gguf_value_summary(value);
      try { g.get_string(key); } catch (const Error&) {}
      try { g.get_u32(key); } catch (const Error&) {}
      try { g.get_int(key); } catch (const Error&) {}
      try { g.get_u64(key); } catch (const Error&) {}
      try { g.get_float(key); } catch (const Error&) {}
      try { g.get_bool(key); } catch (const Error&) {}
      if (value.type == GgufType::ARRAY) decode_all(value.array, 0);
    }
    for (const auto& t : g.tensors()) {
      if (t.offset < g.data_offset() || t.offset > size || t.nbytes > size - t.offset) std::abort();
      if (t.dtype) g.view(t);
    }
  } catch (const Error&) {
  }
  return 0;
}
