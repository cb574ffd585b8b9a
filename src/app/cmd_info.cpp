// lowspec info MODEL [--json] [--ctx N] [--batch B]: what a model is, what its files hold and
// how much RAM it needs per weight format; works on a folder with only config.json.
// lowspec info --system [--json] [--probe]: what this device offers, and with --probe what its
// memory and cores do right now.
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <map>
#include <set>

#include "adapt/memory_estimate.h"
#include "adapt/system_probe.h"
#include "app/command.h"
#include "bench/worker.h"
#include "core/error.h"
#include "core/json_util.h"
#include "formats/gguf.h"
#include "formats/hf_weights.h"
#include "formats/model_config.h"
#include "formats/synth_layout.h"

namespace lowspec::app {
namespace {

namespace fs = std::filesystem;

struct InfoArgs {
  std::string model;
  bool json = false;
  bool system = false;
  bool probe = false;
  int64_t ctx = 0;
  int64_t batch = 1;
};

std::string human_bytes(uint64_t b) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  double v = static_cast<double>(b);
  int u = 0;
  while (v >= 1024 && u < 4) v /= 1024, ++u;
  char buf[32];
  std::snprintf(buf, sizeof buf, u == 0 ? "%.0f %s" : "%.2f %s", v, units[u]);
  return buf;
}

std::string human_count(int64_t n) {
  char buf[32];
  if (n >= 1'000'000'000) std::snprintf(buf, sizeof buf, "%.2f B", static_cast<double>(n) / 1e9);
  else if (n >= 1'000'000) std::snprintf(buf, sizeof buf, "%.1f M", static_cast<double>(n) / 1e6);
  else std::snprintf(buf, sizeof buf, "%lld", static_cast<long long>(n));
  return buf;
}

void print_json(const Json& j) { std::printf("%s\n", j.dump(2).c_str()); }

// ---- --system --------------------------------------------------------------------------------

// The yardsticks `lowspec bench` measures around each run (read bandwidth, FP32 FMA and INT8
// peaks) on 1 thread and on the usable threads. The bandwidth buffer is a quarter of the usable
// memory, at most 1 GiB and at least 64 MiB (much larger than the caches either way).
Json probe_json(const SystemInfo& s) {
  const uint64_t quarter = s.usable_memory_bytes() / 4;
  const size_t bytes = static_cast<size_t>(
      std::clamp<uint64_t>(quarter, uint64_t{64} << 20, uint64_t{1} << 30));
  std::fprintf(stderr, "probing bandwidth and peaks (a few seconds)...\n");
  Json runs = Json::array();
  for (int threads : std::set<int>{1, s.usable_threads()}) runs.push_back(run_machine_probe(threads, bytes));
  return runs;
}

int run_system(const InfoArgs& a) {
  const SystemInfo s = probe_system();
  Json j = {{"cpu_model", s.cpu_model},
            {"cpu_features", s.cpu_features},
            {"arch", s.arch},
            {"logical_cores", s.logical_cores},
            {"online_cores", s.online_cores},
            {"physical_cores", s.physical_cores},
            {"mem_total_bytes", s.mem_total_bytes},
            {"mem_available_bytes", s.mem_available_bytes},
            {"cgroup",
             {{"version", s.cgroup_version},
              {"memory_limit_bytes", s.cgroup_memory_limit_bytes ? Json(*s.cgroup_memory_limit_bytes) : Json()},
              {"memory_current_bytes",
               s.cgroup_memory_current_bytes ? Json(*s.cgroup_memory_current_bytes) : Json()},
              {"cpu_limit", s.cgroup_cpu_limit ? Json(*s.cgroup_cpu_limit) : Json()}}},
            {"usable_memory_bytes", s.usable_memory_bytes()},
            {"usable_threads", s.usable_threads()},
            {"os", s.os},
            {"kernel", s.kernel}};
  if (a.probe) j["probe"] = probe_json(s);
  if (a.json) {
    print_json(j);
    return 0;
  }
  std::printf("cpu: %s (%s)\nfeatures: %s\n", s.cpu_model.c_str(), s.arch.c_str(), s.cpu_features.c_str());
  std::printf("cores: %d physical, %d logical for this process (%d online)\n", s.physical_cores, s.logical_cores,
              s.online_cores);
  std::printf("memory: %s total, %s available\n", human_bytes(s.mem_total_bytes).c_str(),
              human_bytes(s.mem_available_bytes).c_str());
  std::printf("cgroup %s: memory limit %s", s.cgroup_version.c_str(),
              s.cgroup_memory_limit_bytes ? human_bytes(*s.cgroup_memory_limit_bytes).c_str() : "none");
  if (s.cgroup_memory_current_bytes)
    std::printf(" (%s in use)", human_bytes(*s.cgroup_memory_current_bytes).c_str());
  if (s.cgroup_cpu_limit) std::printf(", cpu limit %.2f cores\n", *s.cgroup_cpu_limit);
  else std::printf(", cpu limit none\n");
  std::printf("usable: %s, %d threads\nos: %s, kernel %s\n", human_bytes(s.usable_memory_bytes()).c_str(),
              s.usable_threads(), s.os.c_str(), s.kernel.c_str());
  if (a.probe) {
    for (const Json& p : j["probe"]) {
      const int threads = p["threads"].get<int>();
      std::printf("probe, %d thread%s: read %.1f GB/s, FP32 FMA %.1f GFLOP/s, INT8 %.1f GOP/s\n", threads,
                  threads == 1 ? "" : "s", p["read_gb_per_s"].get<double>(), p["fma_peak_gflops"].get<double>(),
                  p["int8_peak_gops"].get<double>());
    }
  }
  return 0;
}

// ---- Hugging Face folder or config.json ----------------------------------------------------------

constexpr DType kEstimatedFormats[] = {DType::F32, DType::F16, DType::Q8_0, DType::Q4_0};

Json memory_json(const ModelConfig& c, const InfoArgs& a) {
  Json formats = Json::object();
  Json out;
  for (DType t : kEstimatedFormats) {
    MemoryRequest r;
    r.weights = t;
    r.context = a.ctx;
    r.batch = a.batch;
    MemoryEstimate e = estimate_memory(c, r);
    out["context"] = e.context;
    out["batch"] = e.batch;
    formats[std::string(dtype_name(t))] = {{"weights_bytes", e.weights_bytes},
                                           {"kv_cache_bytes", e.kv_cache_bytes},
                                           {"working_bytes", e.working_bytes},
                                           {"total_bytes", e.total()}};
  }
  out["formats"] = formats;
  return out;
}

bool has_safetensors(const fs::path& dir) {
  std::error_code ec;
  return fs::exists(dir / "model.safetensors", ec) || fs::exists(dir / "model.safetensors.index.json", ec);
}

bool has_pickles(const fs::path& dir) {
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    const std::string ext = e.path().extension().string();
    if (ext == ".bin" || ext == ".pt" || ext == ".pth" || ext == ".ckpt") return true;
  }
  return false;
}

// What the weight files hold, checked against the tensors the config implies.
Json weights_json(const std::string& dir, const ModelConfig& c, const std::vector<TensorSpec>& layout) {
  HfWeights w(dir);
  std::map<std::string, std::pair<int64_t, uint64_t>> by_dtype;  // tensors, bytes
  std::map<std::string, const SafetensorsEntry*> stored;
  for (const auto* e : w.entries()) {
    auto& [n, bytes] = by_dtype[std::string(dtype_name(e->dtype))];
    ++n, bytes += e->nbytes;
    stored[e->name] = e;
  }
  Json missing = Json::array(), wrong_shape = Json::array(), unexpected = Json::array();
  std::set<std::string> expected;
  int64_t elements = 0;
  for (const TensorSpec& t : layout) {
    expected.insert(t.name);
    auto it = stored.find(t.name);
    if (it == stored.end()) missing.push_back(t.name);
    else if (it->second->shape != t.shape) wrong_shape.push_back(t.name);
    else elements += t.numel();
  }
  for (const auto& [name, e] : stored)
    if (!expected.contains(name)) unexpected.push_back(name);
  Json dtypes = Json::object();
  for (const auto& [name, tb] : by_dtype) dtypes[name] = {{"tensors", tb.first}, {"bytes", tb.second}};
  return {{"file_bytes", w.file_bytes()},
          {"tensors", stored.size()},
          {"dtypes", dtypes},
          {"parameters_in_files", elements},
          {"matches_config", missing.empty() && wrong_shape.empty() && elements == count_parameters(c)},
          {"missing", missing},
          {"wrong_shape", wrong_shape},
          {"unexpected", unexpected}};
}

void print_list(const char* what, const Json& names) {
  if (names.empty()) return;
  std::string list;
  for (size_t i = 0; i < names.size() && i < 5; ++i) list += (i ? ", " : "") + names[i].get<std::string>();
  if (names.size() > 5) list += cat(", ... (", names.size(), " in all)");
  std::printf("  %s: %s\n", what, list.c_str());
}

int run_hf(const InfoArgs& a) {
  ModelConfig c = load_model_config(a.model);
  // Built first: it rejects configs whose sizes overflow before anything multiplies them.
  const std::vector<TensorSpec> layout = model_tensor_layout(c);
  const fs::path dir = fs::is_directory(a.model) ? fs::path(a.model) : fs::path(a.model).parent_path();
  const char* kind = is_decoder(c.family) ? "decoder" : "encoder";
  const char* heads[] = {"causal LM", "masked LM", "question answering", "none"};
  Json j = {{"model", a.model},
            {"model_type", c.model_type},
            {"family", family_name(c.family)},
            {"kind", kind},
            {"architecture", c.architecture},
            {"head", heads[static_cast<int>(c.head)]},
            {"torch_dtype", c.torch_dtype},
            {"shapes",
             {{"layers", c.num_layers},
              {"hidden_size", c.hidden_size},
              {"heads", c.num_heads},
              {"kv_heads", c.num_kv_heads},
              {"head_dim", c.head_dim},
              {"intermediate_size", c.intermediate_size},
              {"max_position_embeddings", c.max_position_embeddings}}},
            {"vocab_size", c.vocab_size},
            {"activation", activation_name(c.activation)},
            {"tie_word_embeddings", c.tie_word_embeddings},
            {"parameters", count_parameters(c)}};
  if (c.family == Family::MobileBert) {
    j["shapes"]["embedding_size"] = c.embedding_size;
    j["shapes"]["true_hidden_size"] = c.true_hidden_size;
    j["shapes"]["feedforward_networks"] = c.num_feedforward_networks;
  }
  if (is_decoder(c.family)) j["shapes"]["rotary_dims"] = c.rotary_dims;
  const bool weights_present = has_safetensors(dir);
  if (weights_present) j["weights"] = weights_json(dir.string(), c, layout);
  else j["weights"] = nullptr;
  const bool pickles = !weights_present && has_pickles(dir);
  if (pickles) j["weights_note"] = "PyTorch pickle files present: not read (loading them can run code)";
  j["memory"] = memory_json(c, a);
  if (a.json) {
    print_json(j);
    return 0;
  }

  std::printf("model: %s\n%s (%s), %s, head: %s, torch_dtype %s\n", a.model.c_str(), family_name(c.family), kind,
              c.architecture.c_str(), heads[static_cast<int>(c.head)], c.torch_dtype.c_str());
  std::printf("layers %lld, hidden %lld, heads %lld (kv %lld), head_dim %lld, intermediate %lld, vocab %lld, "
              "max positions %lld\n",
              static_cast<long long>(c.num_layers), static_cast<long long>(c.hidden_size),
              static_cast<long long>(c.num_heads), static_cast<long long>(c.num_kv_heads),
              static_cast<long long>(c.head_dim), static_cast<long long>(c.intermediate_size),
              static_cast<long long>(c.vocab_size), static_cast<long long>(c.max_position_embeddings));
  std::printf("activation %s, tied embeddings %s\n", activation_name(c.activation), c.tie_word_embeddings ? "yes" : "no");
  std::printf("parameters: %lld (%s)\n", static_cast<long long>(count_parameters(c)),
              human_count(count_parameters(c)).c_str());
  if (weights_present) {
    const Json& w = j["weights"];
    std::printf("weights: %zu tensors, %s on disk;", w["tensors"].get<size_t>(),
                human_bytes(w["file_bytes"].get<uint64_t>()).c_str());
    for (const auto& [name, d] : w["dtypes"].items())
      std::printf(" %s %lld tensors %s", name.c_str(), d["tensors"].get<long long>(),
                  human_bytes(d["bytes"].get<uint64_t>()).c_str());
    std::printf("\n  %s\n", w["matches_config"].get<bool>() ? "every tensor the config implies is present at its shape"
                                                             : "the files do not match the config:");
    print_list("missing", w["missing"]);
    print_list("wrong shape", w["wrong_shape"]);
    print_list("not used", w["unexpected"]);
  } else {
    std::printf("weights: none (config only)%s\n", pickles ? "; PyTorch pickles present, not read" : "");
  }
  const Json& m = j["memory"];
  std::printf("estimated RAM at context %lld, batch %lld:\n  %-6s %12s %12s %12s %12s\n",
              m["context"].get<long long>(), m["batch"].get<long long>(), "format", "weights", "kv cache", "working",
              "total");
  for (DType t : kEstimatedFormats) {
    const std::string name(dtype_name(t));
    const Json& e = m["formats"][name];
    std::printf("  %-6s %12s %12s %12s %12s\n", name.c_str(), human_bytes(e["weights_bytes"].get<uint64_t>()).c_str(),
                human_bytes(e["kv_cache_bytes"].get<uint64_t>()).c_str(),
                human_bytes(e["working_bytes"].get<uint64_t>()).c_str(),
                human_bytes(e["total_bytes"].get<uint64_t>()).c_str());
  }
  return 0;
}

// ---- GGUF file ---------------------------------------------------------------------------------

int run_gguf(const InfoArgs& a) {
  const GgufFile g = GgufFile::open(a.model);
  std::map<std::string, std::pair<int64_t, uint64_t>> by_type;
  uint64_t tensor_bytes = 0;
  int64_t parameters = 0;
  for (const auto& t : g.tensors()) {
    auto& [n, bytes] = by_type[ggml_type_name(t.ggml_type)];
    ++n, bytes += t.nbytes;
    tensor_bytes += t.nbytes;
    parameters += static_cast<int64_t>(t.numel);
  }
  const std::string arch = g.get_string_opt("general.architecture").value_or("");
  Json metadata = Json::object();
  for (const auto& [key, v] : g.metadata()) metadata[key] = gguf_value_summary(v);
  Json types = Json::object();
  for (const auto& [name, tb] : by_type) types[name] = {{"tensors", tb.first}, {"bytes", tb.second}};
  Json j = {{"model", a.model},
            {"format", "gguf"},
            {"gguf_version", g.version()},
            {"model_type", arch},
            {"parameters", parameters},
            {"file_bytes", g.file_size()},
            {"tensors", g.tensors().size()},
            {"tensor_types", types},
            {"metadata", metadata},
            {"memory", {{"weights_bytes", tensor_bytes}}}};
  if (a.json) {
    print_json(j);
    return 0;
  }
  std::printf("model: %s\nGGUF v%u, architecture \"%s\", %s, alignment %llu\n", a.model.c_str(), g.version(),
              arch.c_str(), human_bytes(g.file_size()).c_str(), static_cast<unsigned long long>(g.alignment()));
  std::printf("tensors: %zu, %lld parameters (%s), %s\n", g.tensors().size(), static_cast<long long>(parameters),
              human_count(parameters).c_str(), human_bytes(tensor_bytes).c_str());
  for (const auto& [name, tb] : by_type)
    std::printf("  %-8s %6lld tensors %12s\n", name.c_str(), static_cast<long long>(tb.first),
                human_bytes(tb.second).c_str());
  std::printf("metadata (%zu keys):\n", g.metadata().size());
  for (const auto& [key, v] : g.metadata()) std::printf("  %s = %s\n", key.c_str(), gguf_value_summary(v).c_str());
  return 0;
}

int run_info(const InfoArgs& a) {
  if (a.probe && !a.system) throw Error("info: --probe goes with --system");
  if (a.system) return run_system(a);
  if (a.model.empty()) throw Error("info: give MODEL (a folder, config.json or .gguf file) or --system");
  if (a.ctx < 0) throw Error(cat("--ctx: ", a.ctx, " must be positive"));
  if (a.batch < 1) throw Error(cat("--batch: ", a.batch, " must be positive"));
  std::error_code ec;
  if (!fs::exists(a.model, ec)) throw Error(a.model, "no such file or folder");
  if (fs::path(a.model).extension() == ".gguf") return run_gguf(a);
  return run_hf(a);
}

CommandRegistrar info_command{{"info", "Describe a model (shapes, parameters, files, RAM estimate) or this system",
                      [](CLI::App& cmd) -> std::function<int()> {
                        auto args = std::make_shared<InfoArgs>();
                        cmd.add_option("MODEL", args->model, "model folder, config.json or .gguf file");
                        cmd.add_flag("--json", args->json, "print JSON");
                        cmd.add_flag("--system", args->system, "describe this system instead of a model");
                        cmd.add_flag("--probe", args->probe,
                                     "with --system: measure read bandwidth and the FP32 FMA and INT8 peaks "
                                     "on 1 thread and on the usable threads (a few seconds)");
                        cmd.add_option("--ctx", args->ctx, "context length for the RAM estimate (default: the model's maximum)");
                        cmd.add_option("--batch", args->batch, "batch size for the RAM estimate")->capture_default_str();
                        return [args] { return run_info(*args); };
                      }}};

}  // namespace
}  // namespace lowspec::app
