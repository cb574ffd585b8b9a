// lowspec synth CONFIG --out DIR [--dtype f32|f16|bf16] [--seed S]: a Hugging Face folder with
// deterministic random weights at the config's real shapes.
#include <algorithm>
#include <cstdio>
#include <memory>

#include "app/command.h"
#include "bench/progress.h"
#include "core/dtype.h"
#include "core/error.h"
#include "formats/synth_weights.h"

namespace lowspec::app {
namespace {

struct SynthArgs {
  std::string config;
  std::string out;
  std::string dtype = "f32";
  uint64_t seed = 0;
};

int run_synth(const SynthArgs& a) {
  SynthOptions options;
  auto dtype = dtype_from_name(a.dtype);
  if (!dtype || (*dtype != DType::F32 && *dtype != DType::F16 && *dtype != DType::BF16))
    throw Error(cat("--dtype: \"", a.dtype, "\" is not one of f32, f16, bf16"));
  options.dtype = *dtype;
  options.seed = a.seed;
  constexpr uint64_t kMiB = 1 << 20;
  std::unique_ptr<Progress> bar;  // made on the first update, when the total is known
  uint64_t last_percent = 101;
  options.progress = [&](uint64_t done, uint64_t total, const std::string& tensor) {
    if (!bar) bar = std::make_unique<Progress>("synth (MiB)", std::max<uint64_t>(1, total / kMiB));
    const uint64_t percent = total ? done * 100 / total : 100;
    if (percent == last_percent) return;  // one line per percent in logs
    last_percent = percent;
    bar->update(done / kMiB, tensor);
  };
  SynthResult r = synth_model(a.config, a.out, options);
  if (bar) bar->finish();
  std::printf("wrote %s: %zu tensors, %lld parameters, %.1f MiB of %s weights in %zu file(s)\n", a.out.c_str(),
              r.tensors, static_cast<long long>(r.parameters), static_cast<double>(r.weight_bytes) / kMiB,
              std::string(dtype_name(options.dtype)).c_str(), r.weight_files.size());
  return 0;
}

CommandRegistrar synth_command{{"synth", "Write a model folder with deterministic random weights at a config's real shapes",
                      [](CLI::App& cmd) -> std::function<int()> {
                        auto args = std::make_shared<SynthArgs>();
                        cmd.add_option("CONFIG", args->config, "config.json or a model folder holding one")
                            ->required();
                        cmd.add_option("--out", args->out, "output folder")->required();
                        cmd.add_option("--dtype", args->dtype, "weight dtype: f32, f16 or bf16")
                            ->capture_default_str();
                        cmd.add_option("--seed", args->seed, "random seed")->capture_default_str();
                        return [args] { return run_synth(*args); };
                      }}};

}  // namespace
}  // namespace lowspec::app
