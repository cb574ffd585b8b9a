// A tiny hf-tiny encoder widened to a real tokenizer's vocabulary, so tasks can run end to end
// with bert-base-uncased: every tensor dimension equal to the tiny vocabulary grows to `vocab`
// (entry i = tiny entry i mod tiny vocab, deliberately), the position table grows to
// `positions` rows the same way. Everything else is the tiny model's own weights.
#pragma once
#include <fstream>
#include <string>
#include <vector>

#include "core/json_util.h"
#include "formats/safetensors.h"
#include "test_util.h"

namespace lowspec::test {

inline void write_widened_encoder(const std::string& tiny, const std::string& out_dir,
                                  int64_t vocab, int64_t positions) {
  Json config = load_json_file(tiny + "/config.json");
  const int64_t tiny_vocab = config.at("vocab_size").get<int64_t>();
  config["vocab_size"] = vocab;
  config["max_position_embeddings"] = positions;
  std::ofstream(out_dir + "/config.json") << config.dump(2);

  SafetensorsFile file(tiny + "/model.safetensors");
  std::vector<std::vector<float>> data;
  std::vector<TensorToWrite> tensors;
  for (const SafetensorsEntry& e : file.entries()) {
    const TensorView t = file.view(e);
    const float* src = t.as<float>();
    std::vector<int64_t> shape = e.shape;
    const bool position_table = e.name.ends_with("position_embeddings.weight");
    // widened[i0, i1] = src[i0 mod n0, i1 mod n1] over the widened dims (rank 1 or 2)
    std::vector<int64_t> from = shape;
    for (size_t d = 0; d < shape.size(); ++d) {
      if (position_table && d == 0) shape[d] = positions;
      else if (shape[d] == tiny_vocab) shape[d] = vocab;
    }
    const int64_t rows = shape.size() == 2 ? shape[0] : 1, cols = shape.back();
    const int64_t from_rows = from.size() == 2 ? from[0] : 1, from_cols = from.back();
    std::vector<float> widened(static_cast<size_t>(rows * cols));
    for (int64_t r = 0; r < rows; ++r)
      for (int64_t c = 0; c < cols; ++c)
        widened[r * cols + c] = src[(r % from_rows) * from_cols + c % from_cols];
    data.push_back(std::move(widened));
    tensors.push_back({e.name, DType::F32, shape, nullptr});
  }
  for (size_t i = 0; i < tensors.size(); ++i) tensors[i].data = data[i].data();
  write_safetensors(out_dir + "/model.safetensors", tensors, {{"format", "pt"}});
}

}  // namespace lowspec::test
