#include "formats/gguf_hf_tensors.h"

#include "core/error.h"
#include "formats/gguf_arch.h"

namespace lowspec {

GgufHfTensors::GgufHfTensors(const GgufFile& gguf, const ModelConfig& c) : gguf_(gguf) {
  for (const GgufTensorSource& s : gguf_tensor_sources(c, false))
    places_.emplace(s.hf_name, Place{s.gguf_name});
  if (c.family != Family::Phi) return;
  const int64_t q_dim = c.num_heads * c.head_dim, kv_dim = c.num_kv_heads * c.head_dim;
  for (int64_t i = 0; i < c.num_layers; ++i) {
    const std::string fused = cat("blk.", i, ".attn_qkv");
    if (gguf_.find_tensor(fused + ".weight") == nullptr) continue;
    const std::string p = cat("model.layers.", i, ".self_attn.");
    for (const char* part : {".weight", ".bias"}) {
      places_[p + "q_proj" + part] = {fused + part, 0, q_dim};
      places_[p + "k_proj" + part] = {fused + part, q_dim, kv_dim};
      places_[p + "v_proj" + part] = {fused + part, q_dim + kv_dim, kv_dim};
    }
  }
}

const GgufTensorInfo* GgufHfTensors::find(const std::string& hf_name) const {
  auto it = places_.find(hf_name);
  return it == places_.end() ? nullptr : gguf_.find_tensor(it->second.gguf_name);
}

TensorView GgufHfTensors::require(const std::string& hf_name,
                                  const std::vector<int64_t>& shape) const {
  auto it = places_.find(hf_name);
  const Place place = it == places_.end() ? Place{hf_name} : it->second;
  const GgufTensorInfo* t = gguf_.find_tensor(place.gguf_name);
  if (t == nullptr) throw Error(gguf_.path(), cat("missing tensor \"", place.gguf_name, "\""));
  TensorView v = gguf_.view(*t);
  if (place.rows >= 0) {
    // Rows of a fused tensor: the same trailing dimensions, a range of the leading one.
    check(!v.shape.empty() && place.first_row + place.rows <= v.shape[0], gguf_.path(),
          cat("tensor \"", place.gguf_name, "\" has shape ", shape_string(v.shape),
              ", too small for q, k and v of the metadata"));
    const uint64_t row_bytes = v.nbytes / static_cast<uint64_t>(v.shape[0]);
    v.data = static_cast<const uint8_t*>(v.data) + place.first_row * row_bytes;
    v.shape[0] = place.rows;
    v.nbytes = static_cast<uint64_t>(place.rows) * row_bytes;
  }
  check(v.shape == shape, gguf_.path(),
        cat("tensor \"", place.gguf_name, "\" has shape ", shape_string(v.shape),
            place.rows >= 0 ? cat(" in rows ", place.first_row, "+", place.rows) : "",
            ", the metadata implies ", shape_string(shape)));
  return v;
}

}  // namespace lowspec
