// `lowspec quantize`: a Hugging Face decoder folder written as one GGUF file llama.cpp reads
// (architecture metadata and tensor names of gguf_arch.h, the tokenizer of gguf_vocab_export.h,
// types of gguf_type_choice.h). Streams: each tensor is read from the mapped safetensors, converted
// in chunks of rows over the pool, written, and its source pages dropped, so the resident set stays
// near one chunk plus the metadata. The file is written as OUT.tmp and renamed when complete.
#pragma once
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "core/dtype.h"
#include "core/thread_pool.h"
#include "formats/gguf_writer.h"
#include "formats/model_config.h"
#include "optimize/gguf_type_choice.h"

namespace lowspec {

struct GgufExportSummary {
  struct Totals {
    int64_t tensors = 0, elements = 0;
    uint64_t bytes = 0;
  };
  std::map<DType, Totals> by_type;
  std::vector<std::string> fallbacks;  // "blk.0.ffn_down.weight: Q4_K -> Q8_0 (rows of 176)"
  int64_t elements = 0;
  uint64_t tensor_bytes = 0, file_bytes = 0;
  bool tokenizer = false;     // tokenizer.ggml.* written (the folder has a tokenizer)
  bool tied_head = false;     // output.weight omitted: the head is token_embd
  int64_t shared = 0;         // tensors whose data is another's (share_identical)
  uint64_t shared_bytes = 0;  // bytes they did not take
};

struct GgufExportOptions {
  // Store a tensor whose converted bytes equal an earlier one's once, both tensor infos naming
  // one range (GgufWriter::share_last_tensor_with: llama.cpp rejects such files).
  bool share_identical = false;
};

// Called after each chunk: bytes of source tensors done so far, their total, the tensor's name.
using GgufExportProgress =
    std::function<void(uint64_t done, uint64_t total, const std::string& tensor)>;

// Adds the tokenizer.ggml.* keys of the model folder, or returns false when it has no tokenizer
// (the tokenizer layer sits above this one, so the caller supplies it: gguf_vocab_export.h).
using GgufTokenizerWriter = std::function<bool(GgufWriter&, const ModelConfig&)>;

// Writes `model_dir` (a HF folder of a llama, phi or gemma model) to `out`. Errors name the file
// and problem (unsupported architecture, unwritable output); no partial file is left behind.
GgufExportSummary export_gguf(const std::string& model_dir, const GgufTarget& target,
                              const std::string& out, ThreadPool& pool,
                              const GgufTokenizerWriter& tokenizer,
                              const GgufExportOptions& options = {},
                              const GgufExportProgress& progress = {});

}  // namespace lowspec
