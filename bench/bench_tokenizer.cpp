// Tokenizer speed: load time and encode throughput (MB/s of UTF-8 input, line by line) per
// tokenizer kind on WikiText-2, the time to encode one 100 kB word without spaces, and the load
// time of a synthetic 256k-entry BPE tokenizer.json (Gemma-sized vocabulary).
// usage: bench_tokenizer [FIXTURES_DIR [ONLY]]   (ONLY: run the kinds whose label contains it;
// run under the build lock on a shared machine)
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "core/json_util.h"
#include "core/mapped_file.h"
#include "tokenizer/tokenizer.h"

namespace {

using Clock = std::chrono::steady_clock;
using lowspec::tokenizer::load_tokenizer;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string::npos) end = text.size();
    lines.push_back(text.substr(pos, end + 1 - pos));
    pos = end + 1;
  }
  return lines;
}

// Labels must contain this to run (empty: all).
std::string only;

void bench_kind(const char* label, const std::string& path, const std::vector<std::string>& lines,
                size_t bytes) {
  if (std::string_view(label).find(only) == std::string_view::npos) return;
  auto start = Clock::now();
  const auto tok = load_tokenizer(path);
  const double load_s = seconds_since(start);
  size_t tokens = 0;
  start = Clock::now();
  for (const std::string& line : lines) tokens += tok->encode(line, false).size();
  const double encode_s = seconds_since(start);
  std::string word;
  while (word.size() < 100000) word += "abracadabra";
  start = Clock::now();
  const size_t word_tokens = tok->encode(word, false).size();
  const double word_s = seconds_since(start);
  std::printf("%-28s load %8.1f ms   encode %6.2f MB/s (%zu tokens, %.2f bytes/token)   100 kB word %7.1f ms (%zu tokens)\n",
              label, load_s * 1e3, bytes / encode_s / 1e6, tokens, double(bytes) / tokens, word_s * 1e3,
              word_tokens);
}

// A BPE vocabulary built by merging random pairs of existing tokens, like a trained one.
std::string synthetic_bpe_json(size_t vocab_size) {
  std::mt19937 rng(42);
  std::vector<std::string> tokens;
  lowspec::Json vocab = lowspec::Json::object();
  lowspec::Json merges = lowspec::Json::array();
  for (int c = 'a'; c <= 'z'; ++c) tokens.push_back(std::string(1, static_cast<char>(c)));
  for (size_t i = 0; i < tokens.size(); ++i) vocab[tokens[i]] = i;
  while (tokens.size() < vocab_size) {
    const std::string& a = tokens[rng() % tokens.size()];
    const std::string& b = tokens[rng() % tokens.size()];
    const std::string merged = a + b;
    if (merged.size() > 16 || vocab.contains(merged)) continue;
    merges.push_back(a + " " + b);
    vocab[merged] = tokens.size();
    tokens.push_back(merged);
  }
  lowspec::Json doc = {{"model", {{"type", "BPE"}, {"vocab", vocab}, {"merges", merges}}},
                       {"pre_tokenizer", {{"type", "Whitespace"}}}};
  return doc.dump();
}

}  // namespace

int main(int argc, char** argv) {
  namespace fs = std::filesystem;
  const fs::path fixtures = argc > 1 ? argv[1] : LOWSPEC_FIXTURES;
  if (argc > 2) only = argv[2];
  const std::string text = lowspec::read_text_file((fixtures / "data/wikitext-2-raw/wiki.test.raw").string());
  const auto lines = lines_of(text);
  std::printf("input: WikiText-2 test, %zu bytes, %zu lines\n", text.size(), lines.size());
  const fs::path hf = fixtures / "tokenizers/hf", gguf = fixtures / "tokenizers/gguf";
  bench_kind("WordPiece tokenizer.json", (hf / "bert-base-uncased/tokenizer.json").string(), lines, text.size());
  bench_kind("WordPiece vocab.txt", (hf / "bert-base-uncased/vocab.txt").string(), lines, text.size());
  bench_kind("byte-level BPE (phi-2)", (hf / "phi-2/tokenizer.json").string(), lines, text.size());
  bench_kind("SPM BPE tokenizer.json", (hf / "tinyllama-1.1b-chat-v1.0/tokenizer.json").string(), lines, text.size());
  bench_kind("SentencePiece .model", (hf / "tinyllama-1.1b-chat-v1.0/tokenizer.model").string(), lines, text.size());
  bench_kind("GGUF gpt2", (gguf / "ggml-vocab-gpt-2.gguf").string(), lines, text.size());
  bench_kind("GGUF llama (scores)", (gguf / "ggml-vocab-llama-spm.gguf").string(), lines, text.size());
  bench_kind("GGUF bert", (gguf / "ggml-vocab-bert-bge.gguf").string(), lines, text.size());

  if (std::string_view("synthetic 256k").find(only) == std::string_view::npos) return 0;
  const fs::path tmp = fs::temp_directory_path() / "lowspec-bench-tokenizer";
  fs::create_directories(tmp);
  const std::string path = (tmp / "tokenizer.json").string();
  std::ofstream(path) << synthetic_bpe_json(256000);
  const auto start = Clock::now();
  const auto tok = load_tokenizer(path);
  std::printf("synthetic 256k BPE tokenizer.json (%.1f MB): load %.1f ms (vocab %zu)\n",
              fs::file_size(path) / 1e6, seconds_since(start) * 1e3, tok->vocab_size());
  fs::remove_all(tmp);
  return 0;
}
