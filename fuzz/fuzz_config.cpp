// libFuzzer: arbitrary text as a config.json. Parsing must succeed or throw lowspec::Error, and a
// parsed config must give a parameter count and tensor layout that agree.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "core/error.h"
#include "core/json_util.h"
#include "formats/model_config.h"
#include "formats/synth_layout.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace lowspec;
  try {
    const Json j = parse_json(std::string(reinterpret_cast<const char*>(data), size), "fuzz.json");
    const ModelConfig c = parse_model_config(j, "fuzz.json");
    // Layouts of absurd (but valid) sizes are fine; walking them is not, so only small ones.
    if (c.num_layers <= 64) {
      int64_t sum = 0;
      for (const auto& t : model_tensor_layout(c)) sum += t.numel();
      if (sum != count_parameters(c)) std::abort();
    }
  } catch (const Error&) {
  }
  return 0;
}
