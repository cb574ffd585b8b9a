// Synthetic checkpoints: a Hugging Face folder with deterministic random weights at a config's
// real shapes, for benchmarks of real-size models when no weights can be downloaded. Weights are
// generated and written in small chunks, so memory stays flat whatever the model size.
#pragma once
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "core/dtype.h"

namespace lowspec {

struct SynthOptions {
  DType dtype = DType::F32;  // F32, F16 or BF16
  uint64_t seed = 0;
  // A shard is closed before it would pass this size (a larger single tensor gets its own shard);
  // more than one shard adds model.safetensors.index.json.
  uint64_t max_shard_bytes = 2'000'000'000;
  // Called now and then with the bytes written so far, the total, and the tensor being written.
  std::function<void(uint64_t done, uint64_t total, const std::string& tensor)> progress;
};

struct SynthResult {
  std::vector<std::string> weight_files;  // in the output folder
  uint64_t weight_bytes = 0;              // tensor data, all shards
  int64_t parameters = 0;
  size_t tensors = 0;
};

// Reads CONFIG (a config.json or a folder holding one) and writes into out_dir: config.json with
// torch_dtype set, generation_config.json for decoders (copied if the source folder has one),
// the source folder's tokenizer files if any, and the weights. Element i of a tensor depends only
// on the seed, the tensor's name and i, so any two runs with one seed write the same bytes.
SynthResult synth_model(const std::string& config_or_folder, const std::string& out_dir,
                        const SynthOptions& options);

}  // namespace lowspec
