#include "formats/hf_weights.h"

#include <filesystem>
#include <set>

#include "core/json_util.h"

namespace lowspec {

namespace fs = std::filesystem;

void refuse_pickles(const std::string& model_dir) {
  for (const char* name : {"pytorch_model.bin", "pytorch_model.bin.index.json", "model.pt",
                           "model.pth", "tf_model.h5"}) {
    std::error_code ec;
    if (fs::exists(fs::path(model_dir) / name, ec))
      throw Error(model_dir, cat("has ", name,
                                 " but no model.safetensors: PyTorch pickles can run arbitrary "
                                 "code when loaded, so lowspec does not read them; convert the "
                                 "model to safetensors (transformers: model.save_pretrained(dir, "
                                 "safe_serialization=True)) or to GGUF"));
  }
}

HfWeights::HfWeights(const std::string& model_path) : path_(model_path) {
  std::error_code ec;
  std::vector<std::string> shards;
  fs::path p(model_path);
  if (!fs::is_directory(p, ec)) {
    std::string ext = p.extension().string();
    if (ext == ".bin" || ext == ".pt" || ext == ".pth" || ext == ".pkl")
      throw Error(model_path, "PyTorch pickle files can run arbitrary code when loaded; lowspec "
                              "reads only safetensors and GGUF (convert with transformers' "
                              "save_pretrained(..., safe_serialization=True))");
    shards.push_back(model_path);
  } else if (fs::exists(p / "model.safetensors", ec)) {
    shards.push_back((p / "model.safetensors").string());
  } else if (fs::exists(p / "model.safetensors.index.json", ec)) {
    const std::string index_path = (p / "model.safetensors.index.json").string();
    Json index = load_json_file(index_path);
    auto map = index.find("weight_map");
    check(index.is_object() && map != index.end() && map->is_object(), index_path,
          "missing object \"weight_map\"");
    std::set<std::string> names;
    for (auto it = map->begin(); it != map->end(); ++it) {
      check(it.value().is_string(), index_path, cat("weight_map.", it.key(), " must be a file name"));
      std::string shard = it.value().get<std::string>();
      check(shard.find('/') == std::string::npos && shard != ".." && !shard.empty(), index_path,
            cat("weight_map.", it.key(), ": shard \"", shard, "\" must be a file in the folder"));
      names.insert(shard);
    }
    for (const auto& n : names) shards.push_back((p / n).string());
  } else {
    refuse_pickles(model_path);
    throw Error(model_path, "no model.safetensors or model.safetensors.index.json in this folder");
  }
  for (const auto& s : shards) {
    files_.push_back(std::make_unique<SafetensorsFile>(s));
    size_t fi = files_.size() - 1;
    for (const auto& e : files_.back()->entries()) {
      auto [it, inserted] = index_.emplace(e.name, std::make_pair(fi, &e));
      check(inserted, s, cat("tensor \"", e.name, "\" also appears in ", files_[it->second.first]->path()));
    }
  }
}

const SafetensorsEntry* HfWeights::find(const std::string& name) const {
  auto it = index_.find(name);
  return it == index_.end() ? nullptr : it->second.second;
}

TensorView HfWeights::view(const SafetensorsEntry& e) const {
  return files_[index_.at(e.name).first]->view(e);
}

const std::string& HfWeights::file_of(const std::string& name) const {
  auto it = index_.find(name);
  return it == index_.end() ? path_ : files_[it->second.first]->path();
}

std::optional<TensorView> HfWeights::optional(const std::string& name,
                                              const std::vector<int64_t>& shape) const {
  const SafetensorsEntry* e = find(name);
  if (!e) return std::nullopt;
  check(e->shape == shape, file_of(name),
        cat("tensor \"", name, "\" has shape ", shape_string(e->shape), ", the config implies ",
            shape_string(shape)));
  return view(*e);
}

TensorView HfWeights::require(const std::string& name, const std::vector<int64_t>& shape) const {
  auto v = optional(name, shape);
  if (!v) throw Error(path_, cat("missing tensor \"", name, "\""));
  return *v;
}

std::vector<const SafetensorsEntry*> HfWeights::entries() const {
  std::vector<const SafetensorsEntry*> out;
  for (const auto& f : files_)
    for (const auto& e : f->entries()) out.push_back(&e);
  return out;
}

uint64_t HfWeights::file_bytes() const {
  uint64_t total = 0;
  for (const auto& f : files_) total += f->file()->size();
  return total;
}

}  // namespace lowspec
