#include "optimize/gguf_export.h"

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <map>
#include <utility>
#include <vector>

#include "core/error.h"
#include "core/mapped_file.h"
#include "formats/gguf_arch.h"
#include "formats/gguf_writer.h"
#include "formats/hf_weights.h"
#include "formats/model_config.h"
#include "kernels/matmul.h"
#include "kernels/quantize.h"

namespace lowspec {
namespace {

namespace fs = std::filesystem;

// Output bytes converted per step: bounds the buffer and lets progress move within big tensors.
constexpr uint64_t kChunkBytes = 8u << 20;
constexpr uint32_t kQuantizationVersion = 2;  // ggml's block layouts as of the k-quants

struct PlannedTensor {
  GgufTensorSource source;
  TensorView view;  // the safetensors data
  DType type;
};

// A 128-bit digest of converted bytes, fed chunk by chunk (two independent multiply-xor lanes over
// 8-byte words): equal digests stand for equal tensors when sharing identical data.
class Digest {
 public:
  void add(const uint8_t* p, size_t n) {
    size_t i = 0;
    for (; i < n && count_ % 8 != 0; ++i) add_byte(p[i]);
    for (; i + 8 <= n; i += 8) {
      std::memcpy(&word_, p + i, 8);  // little-endian: the same word add_byte builds
      count_ += 8;
      mix();
    }
    for (; i < n; ++i) add_byte(p[i]);
  }
  std::pair<uint64_t, uint64_t> value() {
    if (count_ % 8 != 0) mix();
    return {a_ ^ count_, b_ ^ (count_ * 0x9e3779b97f4a7c15ull)};
  }

 private:
  void add_byte(uint8_t b) {
    word_ |= static_cast<uint64_t>(b) << (8 * (count_++ % 8));
    if (count_ % 8 == 0) mix();
  }
  void mix() {
    a_ = (a_ ^ word_) * 0x100000001b3ull;
    a_ ^= a_ >> 29;
    b_ = (b_ ^ (word_ + 0x632be59bd9b4e019ull)) * 0xff51afd7ed558ccdull;
    b_ ^= b_ >> 31;
    word_ = 0;
  }
  uint64_t a_ = 0xcbf29ce484222325ull, b_ = 0x84222325cbf29ce4ull, word_ = 0, count_ = 0;
};

// Removes the temporary file unless the export got to the rename.
class TempFile {
 public:
  explicit TempFile(std::string path) : path_(std::move(path)) {}
  ~TempFile() {
    std::error_code ec;
    if (!committed_) fs::remove(path_, ec);
  }
  const std::string& path() const { return path_; }
  void commit() { committed_ = true; }

 private:
  std::string path_;
  bool committed_ = false;
};

// Rows [row0, row1) of a tensor in its GGUF type at `out`, as the file stores them: rows (for
// 1-D tensors, elements) of llama q/k heads as interleaved rotary pairs, Gemma gains as 1 + w.
void convert_rows(const PlannedTensor& t, int64_t row0, int64_t row1, uint8_t* out,
                  ThreadPool& pool) {
  const GgufTensorSource& s = t.source;
  const int64_t cols = s.shape.back();
  const uint64_t row_bytes = *dtype_bytes(t.type, static_cast<uint64_t>(cols));
  if (s.shape.size() == 1) {
    std::vector<float> v(static_cast<size_t>(cols)), stored(v.size());
    dequantize_row(t.view, 0, v.data());
    for (int64_t i = 0; i < cols; ++i) {
      const int64_t from =
          s.permuted_heads ? gguf_rotary_source_row(i, cols / s.permuted_heads) : i;
      stored[i] = v[from] + (s.plus_one ? 1.0f : 0.0f);
    }
    quantize_row(t.type, stored.data(), out, cols);
    return;
  }
  const int64_t head_dim = s.permuted_heads ? s.shape[0] / s.permuted_heads : 0;
  pool.parallel_for(row1 - row0, 1, [&](int64_t r0, int64_t r1) {
    std::vector<float> row(static_cast<size_t>(cols));
    for (int64_t r = row0 + r0; r < row0 + r1; ++r) {
      dequantize_row(t.view, s.permuted_heads ? gguf_rotary_source_row(r, head_dim) : r,
                     row.data());
      quantize_row(t.type, row.data(), out + (r - row0) * row_bytes, cols);
    }
  });
}

}  // namespace

GgufExportSummary export_gguf(const std::string& model_dir, const GgufTarget& target,
                              const std::string& out, ThreadPool& pool,
                              const GgufTokenizerWriter& tokenizer,
                              const GgufExportOptions& options,
                              const GgufExportProgress& progress) {
  std::error_code ec;
  check(fs::is_directory(model_dir, ec), model_dir,
        "expected a Hugging Face model folder (config.json + safetensors)");
  const fs::path folder = fs::path(out).parent_path();
  check(folder.empty() || fs::is_directory(folder, ec), out,
        cat("cannot write: no folder ", folder.string()));
  const ModelConfig c = load_model_config(model_dir);
  check(is_decoder(c.family), c.path,
        cat("model_type \"", c.model_type, "\" cannot be written as GGUF (llama, phi, gemma can)"));
  refuse_pickles(model_dir);
  const HfWeights weights(model_dir);
  GgufExportSummary summary;
  summary.tied_head = c.tie_word_embeddings;

  std::vector<PlannedTensor> plan;
  uint64_t source_bytes = 0;
  for (GgufTensorSource& s : gguf_tensor_sources(c, summary.tied_head)) {
    const TensorView view = weights.require(s.hf_name, s.shape);
    check(view.dtype == DType::F32 || view.dtype == DType::F16 || view.dtype == DType::BF16,
          weights.file_of(s.hf_name),
          cat("tensor \"", s.hf_name, "\" has dtype ", dtype_name(view.dtype),
              "; expected F32, F16 or BF16"));
    const bool head =
        s.gguf_name == "output.weight" || (summary.tied_head && s.gguf_name == "token_embd.weight");
    const GgufTypeChoice choice =
        choose_gguf_type(target, s.gguf_name, s.shape, s.layer, c.num_layers, head);
    if (choice.fell_back) {
      summary.fallbacks.push_back(cat(s.gguf_name, ": ", dtype_name(target.base), " -> ",
                                      dtype_name(choice.type), " (rows of ", s.shape.back(), ")"));
    }
    source_bytes += view.nbytes;
    plan.push_back({std::move(s), view, choice.type});
  }

  GgufWriter w;
  add_gguf_arch_metadata(w, c);
  fs::path name = fs::absolute(model_dir).lexically_normal();
  if (name.filename().empty()) name = name.parent_path();  // "model/"
  w.add_string("general.name", name.filename().string());
  w.add_u32("general.file_type", target.file_type);
  if (dtype_is_quantized(target.base))
    w.add_u32("general.quantization_version", kQuantizationVersion);
  summary.tokenizer = tokenizer && tokenizer(w, c);
  for (const PlannedTensor& t : plan) w.add_tensor(t.source.gguf_name, t.type, t.source.shape);

  TempFile tmp(out + ".tmp");
  w.begin(tmp.path());
  uint64_t done = 0;
  std::vector<uint8_t> buffer;
  // Digest and type -> declaration index of the first tensor with those bytes.
  std::map<std::pair<std::pair<uint64_t, uint64_t>, DType>, size_t> written;
  for (size_t index = 0; index < plan.size(); ++index) {
    const PlannedTensor& t = plan[index];
    Digest digest;
    const int64_t rows = t.source.shape.size() == 1 ? 1 : t.source.shape[0];
    const int64_t cols = t.source.shape.back();
    const uint64_t row_bytes = *dtype_bytes(t.type, static_cast<uint64_t>(cols));
    const int64_t chunk = std::max<int64_t>(1, static_cast<int64_t>(kChunkBytes / row_bytes));
    const uint64_t source_row_bytes = t.view.nbytes / static_cast<uint64_t>(rows);
    for (int64_t r = 0; r < rows; r += chunk) {
      const int64_t n = std::min(chunk, rows - r);
      buffer.resize(static_cast<size_t>(n) * row_bytes);
      convert_rows(t, r, r + n, buffer.data(), pool);
      w.write(buffer.data(), buffer.size());
      if (options.share_identical) digest.add(buffer.data(), buffer.size());
      // Rows read in file order can leave the resident set chunk by chunk (permuted q/k rows
      // are read across a head, so they go with the tensor below).
      if (t.source.permuted_heads == 0) {
        drop_mapped_pages(static_cast<const uint8_t*>(t.view.data) + r * source_row_bytes,
                          static_cast<uint64_t>(n) * source_row_bytes);
      }
      done += static_cast<uint64_t>(n) * source_row_bytes;
      if (progress) progress(done, source_bytes, t.source.gguf_name);
    }
    // The converted tensor is on its way to disk; its source pages need not stay resident.
    drop_mapped_pages(t.view.data, t.view.nbytes);
    const uint64_t bytes = static_cast<uint64_t>(rows) * row_bytes;
    if (options.share_identical) {
      const auto [first, inserted] = written.emplace(std::pair{digest.value(), t.type}, index);
      if (!inserted && plan[first->second].source.shape == t.source.shape) {
        w.share_last_tensor_with(first->second);
        ++summary.shared;
        summary.shared_bytes += bytes;
      }
    }
    GgufExportSummary::Totals& totals = summary.by_type[t.type];
    ++totals.tensors;
    totals.elements += t.view.numel();
    totals.bytes += bytes;
    summary.elements += t.view.numel();
    summary.tensor_bytes += bytes;
  }
  w.finish();
  fs::rename(tmp.path(), out, ec);
  check(!ec, out, cat("cannot rename ", tmp.path(), " to it: ", ec.message()));
  tmp.commit();
  summary.file_bytes = fs::file_size(out);
  return summary;
}

}  // namespace lowspec
