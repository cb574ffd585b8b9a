// libFuzzer: arbitrary bytes as a safetensors file. Parsing must succeed or throw lowspec::Error;
// every tensor of a parsed header must lie inside the bytes.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "core/error.h"
#include "formats/safetensors.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace lowspec;
  try {
    const SafetensorsHeader h = parse_safetensors({data, size}, "fuzz.safetensors");
    for (const auto& e : h.entries)
      if (e.offset < h.data_start || e.offset > size || e.nbytes > size - e.offset) std::abort();
  } catch (const Error&) {
  }
  return 0;
}
