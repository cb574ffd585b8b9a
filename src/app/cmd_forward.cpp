// lowspec forward: one batched forward pass, inputs and outputs as safetensors files named as
// Hugging Face names them (input_ids, attention_mask, token_type_ids, position_ids -> logits, ...).
#include <cstdio>
#include <optional>
#include <string>

#include "app/command.h"
#include "app/quant_option.h"
#include "core/error.h"
#include "formats/safetensors.h"
#include "models/forward.h"
#include "optimize/weight_quant.h"

namespace lowspec::app {
namespace {

struct ForwardArgs {
  std::string model, inputs, out;
  std::string quant;  // --quant: "" or a block format
  int threads = 0;
};

// Reads IN.safetensors: input_ids I64 [batch, seq] and the optional tensors of the same shape.
ForwardInputs read_inputs(const std::string& path) {
  SafetensorsFile file(path);
  ForwardInputs in;
  const SafetensorsEntry* ids = file.find("input_ids");
  check(ids != nullptr, path, "has no tensor \"input_ids\"");
  auto read = [&](const SafetensorsEntry& e) {
    check(e.dtype == DType::I64, path, cat("tensor \"", e.name, "\" must be I64, not ", dtype_name(e.dtype)));
    TensorView t = file.view(e);
    return std::vector<int64_t>(t.as<int64_t>(), t.as<int64_t>() + t.numel());
  };
  check(ids->shape.size() == 2 || ids->shape.size() == 1, path,
        cat("input_ids must be [batch, seq], not ", shape_string(ids->shape)));
  in.batch = ids->shape.size() == 2 ? ids->shape[0] : 1;
  in.seq = ids->shape.back();
  check(in.batch > 0 && in.seq > 0, path, "input_ids is empty");
  in.input_ids = read(*ids);
  auto optional = [&](const char* name) -> std::optional<std::vector<int64_t>> {
    const SafetensorsEntry* e = file.find(name);
    if (e == nullptr) return std::nullopt;
    check(e->shape == ids->shape, path,
          cat(name, " has shape ", shape_string(e->shape), " but input_ids ", shape_string(ids->shape)));
    return read(*e);
  };
  in.attention_mask = optional("attention_mask");
  in.token_type_ids = optional("token_type_ids");
  in.position_ids = optional("position_ids");
  return in;
}

// The model call, one function per kind of model.
std::vector<NamedOutput> run_model(const ModelConfig& config, const std::string& model,
                                   const ForwardInputs& in, const std::string& quant,
                                   ThreadPool& pool) {
  if (is_decoder(config.family)) {
    return forward_decoder(config, model, in, pool, parse_weight_quant(quant));
  }
  return forward_encoder(config, model, in, pool, parse_weight_quant(quant));
}

int run(const ForwardArgs& args) {
  const ModelConfig config = load_model_config(args.model);
  const ForwardInputs in = read_inputs(args.inputs);
  ThreadPool pool(args.threads > 0 ? args.threads : physical_cores());
  const std::vector<NamedOutput> outputs = run_model(config, args.model, in, args.quant, pool);
  std::vector<TensorToWrite> tensors;
  for (const NamedOutput& o : outputs) tensors.push_back({o.name, DType::F32, o.shape, o.data.data()});
  write_safetensors(args.out, tensors);
  return 0;
}

CommandRegistrar forward_command{{"forward", "Run one forward pass: inputs and outputs as safetensors tensors named as Hugging Face does",
                      [](CLI::App& app) -> std::function<int()> {
                        auto args = std::make_shared<ForwardArgs>();
                        app.add_option("--model", args->model, "Hugging Face model folder")->required();
                        app.add_option("--inputs", args->inputs,
                                       "safetensors with input_ids (I64 [batch, seq]) and optionally "
                                       "attention_mask, token_type_ids, position_ids")
                            ->required();
                        app.add_option("--out", args->out, "safetensors file to write (F32 logits, ...)")->required();
                        app.add_option("--threads", args->threads, "threads (default: physical cores)")
                            ->check(CLI::Range(1, 4096));
                        add_quant_option(app, args->quant);
                        return [args] { return run(*args); };
                      }}};

}  // namespace
}  // namespace lowspec::app
