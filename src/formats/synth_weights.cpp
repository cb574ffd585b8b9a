#include "formats/synth_weights.h"

#include <bit>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <regex>

#include "core/error.h"
#include "core/half.h"
#include "core/json_util.h"
#include "formats/model_config.h"
#include "formats/safetensors.h"
#include "formats/synth_layout.h"

namespace lowspec {

namespace fs = std::filesystem;

namespace {

constexpr size_t kChunkElems = size_t{1} << 20;  // 4 MiB of float per chunk

uint64_t splitmix64(uint64_t& x) {
  uint64_t z = (x += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

uint64_t fnv1a(const std::string& s) {
  uint64_t h = 0xCBF29CE484222325ull;
  for (unsigned char c : s) h = (h ^ c) * 0x100000001B3ull;
  return h;
}

// Uniform values in [center - half_width, center + half_width) from xoshiro256**, seeded by the
// run's seed and the tensor's name.
class TensorStream {
 public:
  TensorStream(uint64_t seed, const std::string& name, float center, float half_width)
      : center_(center), half_width_(half_width) {
    uint64_t x = seed ^ fnv1a(name);
    for (auto& s : s_) s = splitmix64(x);
  }
  void fill(float* out, size_t n) {
    for (size_t i = 0; i < n; ++i) {
      const double u = static_cast<double>(next() >> 11) * 0x1.0p-53;  // [0, 1)
      out[i] = center_ + half_width_ * static_cast<float>(2.0 * u - 1.0);
    }
  }

 private:
  uint64_t next() {
    const uint64_t result = std::rotl(s_[1] * 5, 7) * 9;
    const uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = std::rotl(s_[3], 45);
    return result;
  }
  uint64_t s_[4];
  float center_, half_width_;
};

// Center and half width of a tensor's values. Uniform with half width sqrt(3)*std has that std.
// Matrices get std 1/sqrt(fan_in) so activations keep their scale; outputs into the residual
// stream are scaled down further so the sum over all layers stays of order one (MobileBERT's
// NoNorm does not renormalize); norm gains sit near 1 (Gemma's near 0, it multiplies by 1+w).
std::pair<float, float> value_range(const TensorSpec& t, const ModelConfig& c) {
  const float sqrt3 = std::sqrt(3.0f);
  const auto fan_in = static_cast<float>(t.shape.back());
  switch (t.role) {
    case TensorRole::Embedding:
    case TensorRole::Matrix: return {0.0f, sqrt3 / std::sqrt(fan_in)};
    case TensorRole::ResidualOut: {
      const auto branches = static_cast<float>(2 * c.num_layers * residual_branches_per_layer(c));
      return {0.0f, sqrt3 / std::sqrt(fan_in * branches)};
    }
    case TensorRole::NormWeight: return {c.family == Family::Gemma ? 0.0f : 1.0f, 0.05f};
    case TensorRole::Bias: return {0.0f, 0.02f};
  }
  return {0.0f, 0.0f};
}

const char* torch_dtype_name(DType t) {
  switch (t) {
    case DType::F32: return "float32";
    case DType::F16: return "float16";
    case DType::BF16: return "bfloat16";
    default: throw Error(cat("synth: dtype ", dtype_name(t), " is not one of f32, f16, bf16"));
  }
}

void write_text(const fs::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
  if (!out.flush()) throw Error(path.string(), "cannot write");
}

// Removes weights an earlier run left in out_dir, so readers never see two sets.
void remove_old_weights(const fs::path& out_dir) {
  static const std::regex shard(R"(model-\d+-of-\d+\.safetensors)");
  for (const auto& e : fs::directory_iterator(out_dir)) {
    const std::string name = e.path().filename().string();
    if (name == "model.safetensors" || name == "model.safetensors.index.json" || std::regex_match(name, shard))
      fs::remove(e.path());
  }
}

struct Shard {
  std::vector<const TensorSpec*> tensors;
  uint64_t bytes = 0;
};

std::vector<Shard> plan_shards(const std::vector<TensorSpec>& layout, DType dtype, uint64_t max_bytes) {
  std::vector<Shard> shards(1);
  for (const auto& t : layout) {
    const uint64_t bytes = *dtype_bytes(dtype, static_cast<uint64_t>(t.numel()));
    if (!shards.back().tensors.empty() && shards.back().bytes + bytes > max_bytes) shards.emplace_back();
    shards.back().tensors.push_back(&t);
    shards.back().bytes += bytes;
  }
  return shards;
}

// "model-00002-of-00005.safetensors", as save_pretrained names shards.
std::string shard_name(size_t index, size_t count) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "model-%05zu-of-%05zu.safetensors", index, count);
  return buf;
}

}  // namespace

SynthResult synth_model(const std::string& config_or_folder, const std::string& out_dir,
                        const SynthOptions& options) {
  std::error_code ec;
  const bool from_folder = fs::is_directory(config_or_folder, ec);
  const fs::path config_path = from_folder ? fs::path(config_or_folder) / "config.json" : fs::path(config_or_folder);
  check(fs::exists(config_path, ec), config_path.string(), "no such config file");
  Json raw = load_json_file(config_path.string());
  const ModelConfig config = parse_model_config(raw, config_path.string());
  const char* torch_dtype = torch_dtype_name(options.dtype);

  fs::create_directories(out_dir, ec);
  check(!ec && fs::is_directory(out_dir), out_dir, cat("cannot create the output folder: ", ec.message()));
  check(!from_folder || !fs::equivalent(config_or_folder, out_dir, ec), out_dir,
        "the output folder is the source folder");
  const fs::path out(out_dir);
  const std::vector<TensorSpec> layout = model_tensor_layout(config);
  SynthResult result;
  result.tensors = layout.size();
  for (const auto& t : layout) result.parameters += t.numel();
  if (result.parameters != count_parameters(config))
    throw InternalError(cat("synth layout has ", result.parameters, " parameters, the config ",
                            count_parameters(config)));

  const std::vector<Shard> shards = plan_shards(layout, options.dtype, options.max_shard_bytes);
  for (const auto& s : shards) result.weight_bytes += s.bytes;
  const fs::space_info space = fs::space(out, ec);
  check(ec || space.available >= result.weight_bytes, out_dir,
        cat("the weights need ", result.weight_bytes, " bytes but only ", space.available, " are free"));
  remove_old_weights(out);

  raw["torch_dtype"] = torch_dtype;
  write_text(out / "config.json", raw.dump(2) + "\n");
  if (from_folder) {
    for (const char* name : {"generation_config.json", "tokenizer.json", "tokenizer.model", "tokenizer_config.json",
                             "special_tokens_map.json", "vocab.txt"}) {
      const fs::path src = fs::path(config_or_folder) / name;
      if (fs::exists(src, ec)) fs::copy_file(src, out / name, fs::copy_options::overwrite_existing);
    }
  }
  if (is_decoder(config.family) && !fs::exists(out / "generation_config.json", ec)) {
    Json gen = {{"bos_token_id", config.bos_token_id}};
    if (config.eos_token_ids.size() == 1) gen["eos_token_id"] = config.eos_token_ids[0];
    else gen["eos_token_id"] = config.eos_token_ids;
    if (config.pad_token_id >= 0) gen["pad_token_id"] = config.pad_token_id;
    write_text(out / "generation_config.json", gen.dump(2) + "\n");
  }

  std::vector<float> values(kChunkElems);
  std::vector<uint16_t> narrow(options.dtype == DType::F32 ? 0 : kChunkElems);
  Json weight_map = Json::object();
  uint64_t done = 0;
  for (size_t i = 0; i < shards.size(); ++i) {
    const std::string file = shards.size() == 1 ? std::string("model.safetensors") : shard_name(i + 1, shards.size());
    result.weight_files.push_back(file);
    SafetensorsWriter writer;
    writer.set_metadata("format", "pt");
    for (const TensorSpec* t : shards[i].tensors) {
      writer.add(t->name, options.dtype, t->shape);
      weight_map[t->name] = file;
    }
    writer.begin((out / file).string());
    for (const TensorSpec* t : shards[i].tensors) {
      auto [center, half_width] = value_range(*t, config);
      TensorStream stream(options.seed, t->name, center, half_width);
      for (uint64_t left = static_cast<uint64_t>(t->numel()); left > 0;) {
        const size_t n = static_cast<size_t>(std::min<uint64_t>(left, kChunkElems));
        stream.fill(values.data(), n);
        if (options.dtype == DType::F32) {
          writer.write(values.data(), n * 4);
        } else {
          for (size_t k = 0; k < n; ++k)
            narrow[k] = options.dtype == DType::F16 ? f32_to_f16(values[k]) : f32_to_bf16(values[k]);
          writer.write(narrow.data(), n * 2);
        }
        left -= n;
        done += *dtype_bytes(options.dtype, n);
        if (options.progress) options.progress(done, result.weight_bytes, t->name);
      }
    }
    writer.finish();
  }
  if (shards.size() > 1) {
    Json index = {{"metadata", {{"total_size", result.weight_bytes}}}, {"weight_map", weight_map}};
    write_text(out / "model.safetensors.index.json", index.dump(2) + "\n");
  }
  return result;
}

}  // namespace lowspec
