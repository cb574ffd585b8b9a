#include "formats/gguf_hf_tensors.h"

#include "core/error.h"
#include "formats/gguf_arch.h"

namespace lowspec {

GgufHfTensors::GgufHfTensors(const GgufFile& gguf, const ModelConfig& c) : gguf_(gguf) {
  for (const GgufTensorSource& s : gguf_tensor_sources(c, false))
    gguf_names_.emplace(s.hf_name, s.gguf_name);
}

const GgufTensorInfo* GgufHfTensors::find(const std::string& hf_name) const {
  auto it = gguf_names_.find(hf_name);
  return it == gguf_names_.end() ? nullptr : gguf_.find_tensor(it->second);
}

TensorView GgufHfTensors::require(const std::string& hf_name,
                                  const std::vector<int64_t>& shape) const {
  auto it = gguf_names_.find(hf_name);
  const std::string gguf_name = it == gguf_names_.end() ? hf_name : it->second;
  const GgufTensorInfo* t = gguf_.find_tensor(gguf_name);
  if (t == nullptr) throw Error(gguf_.path(), cat("missing tensor \"", gguf_name, "\""));
  check(t->shape == shape, gguf_.path(),
        cat("tensor \"", gguf_name, "\" has shape ", shape_string(t->shape),
            ", the metadata implies ", shape_string(shape)));
  return gguf_.view(*t);
}

}  // namespace lowspec
