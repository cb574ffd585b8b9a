// llama.cpp's tokenizer test vectors (X.gguf.inp / X.gguf.out) against the GGUF vocabularies.
#include <gtest/gtest.h>

#include <sstream>

#include "core/mapped_file.h"
#include "test_util.h"
#include "tokenizer/tokenizer.h"

namespace lowspec::tokenizer {
namespace {

using lowspec::test::fixture;

struct Vector {
  std::string text;
  std::vector<int32_t> ids;
};

// .inp: each test followed by "\n__ggml_vocab_test__\n"; .out: one line of ids per test.
std::vector<Vector> read_vectors(const std::string& base) {
  const std::string inp = read_text_file(base + ".inp");
  const std::string out = read_text_file(base + ".out");
  const std::string separator = "\n__ggml_vocab_test__\n";
  std::vector<Vector> vectors;
  for (size_t pos = 0;;) {
    const size_t end = inp.find(separator, pos);
    if (end == std::string::npos) break;
    vectors.push_back({inp.substr(pos, end - pos), {}});
    pos = end + separator.size();
  }
  std::istringstream lines(out);
  std::string line;
  for (Vector& v : vectors) {
    EXPECT_TRUE(std::getline(lines, line)) << "missing .out line";
    std::istringstream ids(line);
    for (int32_t id; ids >> id;) v.ids.push_back(id);
  }
  return vectors;
}

void check_vectors(const std::string& tokenizer_path, const std::string& vectors_base) {
  const auto tok = load_tokenizer(tokenizer_path);
  const auto vectors = read_vectors(vectors_base);
  ASSERT_FALSE(vectors.empty());
  for (const Vector& v : vectors) {
    SCOPED_TRACE("text: \"" + v.text + "\"");
    EXPECT_EQ(tok->encode(v.text, false).ids, v.ids);
  }
}

class GgufVectors : public ::testing::TestWithParam<const char*> {};

TEST_P(GgufVectors, EncodeMatchesReference) {
  const std::string base = std::string("tokenizers/gguf/ggml-vocab-") + GetParam() + ".gguf";
  LOWSPEC_REQUIRE_FIXTURE(base);
  check_vectors(fixture(base), fixture(base));
}

INSTANTIATE_TEST_SUITE_P(Vocabularies, GgufVectors,
                         ::testing::Values("llama-spm", "phi-3", "gpt-2", "bert-bge"));

// The TinyLlama vectors (text next to </s>) have no .gguf: run them on the Llama vocabulary
// from GGUF and from tokenizer.json.
TEST(GgufVectorsTinyLlama, LlamaGgufVocabulary) {
  LOWSPEC_REQUIRE_FIXTURE("tokenizers/gguf/ggml-vocab-llama-spm.gguf");
  check_vectors(fixture("tokenizers/gguf/ggml-vocab-llama-spm.gguf"),
                fixture("tokenizers/gguf/ggml-vocab-tinyllama.gguf"));
}

TEST(GgufVectorsTinyLlama, TokenizerJson) {
  LOWSPEC_REQUIRE_FIXTURE("tokenizers/hf/tinyllama-1.1b-chat-v1.0/tokenizer.json");
  check_vectors(fixture("tokenizers/hf/tinyllama-1.1b-chat-v1.0"),
                fixture("tokenizers/gguf/ggml-vocab-tinyllama.gguf"));
}

}  // namespace
}  // namespace lowspec::tokenizer
