// The weights of a Hugging Face folder: model.safetensors, or the shards named by
// model.safetensors.index.json, all memory-mapped. PyTorch pickles are refused.
#pragma once
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "formats/safetensors.h"

namespace lowspec {

class HfWeights {
 public:
  // Opens the safetensors file(s) of a model folder (or a single .safetensors file).
  explicit HfWeights(const std::string& model_path);

  // nullptr if absent.
  const SafetensorsEntry* find(const std::string& name) const;
  // The tensor, which must exist and have this shape (an Error names the file and tensor).
  TensorView require(const std::string& name, const std::vector<int64_t>& shape) const;
  std::optional<TensorView> optional(const std::string& name, const std::vector<int64_t>& shape) const;
  TensorView view(const SafetensorsEntry& e) const;
  const std::string& file_of(const std::string& name) const;

  std::vector<const SafetensorsEntry*> entries() const;  // every tensor, across shards
  uint64_t file_bytes() const;                           // sum of the files' sizes
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  std::vector<std::unique_ptr<SafetensorsFile>> files_;
  std::map<std::string, std::pair<size_t, const SafetensorsEntry*>> index_;
};

// Throws a clear Error if the folder holds only PyTorch pickles (which can run code on load).
void refuse_pickles(const std::string& model_dir);

}  // namespace lowspec
