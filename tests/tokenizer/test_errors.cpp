// Bad tokenizer files and bad input give lowspec::Error with a clear message, never a crash.
#include <gtest/gtest.h>

#include <fstream>

#include "test_util.h"
#include "tokenizer/tokenizer.h"

namespace lowspec::tokenizer {
namespace {

using lowspec::test::TempDir;

std::string write(const TempDir& dir, const std::string& name, const std::string& content) {
  const std::string path = dir.file(name);
  std::ofstream(path, std::ios::binary) << content;
  return path;
}

// The error message of loading `json` as a tokenizer.json ("" if it loads).
std::string load_error(const std::string& json) {
  TempDir dir;
  const std::string path = write(dir, "tokenizer.json", json);
  try {
    load_tokenizer(path);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

const char* kGoodBpe =
    R"({"model": {"type": "BPE", "vocab": {"a": 0, "b": 1, "ab": 2}, "merges": ["a b"]}})";

TEST(TokenizerErrors, GoodMinimalFileLoads) {
  EXPECT_EQ(load_error(kGoodBpe), "");
  TempDir dir;
  const auto tok = load_tokenizer(write(dir, "tokenizer.json", kGoodBpe));
  EXPECT_EQ(tok->encode("ab").ids, std::vector<int32_t>{2});
}

TEST(TokenizerErrors, MalformedTokenizerJson) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"{not json", "invalid JSON"},
      {"[1, 2]", "must hold a JSON object"},
      {"{}", "missing \"model\""},
      {R"({"model": {"type": "BPE", "vocab": {"a": "zero"}, "merges": []}})", "is not an integer"},
      {R"({"model": {"type": "BPE", "vocab": {"a": 0}, "merges": ["a b"]}})", "not in the vocabulary"},
      {R"({"model": {"type": "BPE", "vocab": {"a": 0, "b": 1}, "merges": ["a b"]}})", "makes \"ab\""},
      {R"({"model": {"type": "BPE", "vocab": {"a": 0, "b": 1}, "merges": ["a b c"]}})", "two tokens"},
      {R"({"model": {"type": "BPE", "vocab": {"a": 0, "b": 0}, "merges": []}})", "used twice"},
      {R"({"model": {"type": "BPE", "vocab": {"a": 99999999999}, "merges": []}})", "out of range"},
      {R"({"model": {"type": "BPE", "vocab": [], "merges": []}})", "\"vocab\" must be an object"},
      {R"({"model": {"type": "WordPiece", "vocab": {"a": 0}}})", "unk_token"},
      {R"({"model": {"type": "Unigram", "vocab": [["a", "x"]]}})", "[piece, score]"},
      {R"({"model": {"type": "Magic"}})", "unsupported model type"},
      {std::string(R"({"normalizer": {"type": "Nope"}, "model": )") + kGoodBpe + "}", "unsupported normalizer"},
      {R"({"pre_tokenizer": {"type": "Split", "pattern": {"Regex": "(("}, "behavior": "Removed"},
          "model": {"type": "BPE", "vocab": {}, "merges": []}})", "invalid regex"},
      {R"({"pre_tokenizer": {"type": "Split", "pattern": {"String": "-"}, "behavior": "Sideways"},
          "model": {"type": "BPE", "vocab": {}, "merges": []}})", "unknown split behavior"},
      {R"({"post_processor": {"type": "TemplateProcessing", "single": "[CLS] $A", "pair": "$A $B", "special_tokens": {}},
          "model": {"type": "BPE", "vocab": {}, "merges": []}})", "not in special_tokens"},
      {R"({"decoder": {"type": "Strip", "content": " ", "start": -1, "stop": 0},
          "model": {"type": "BPE", "vocab": {}, "merges": []}})", "must not be negative"},
      {R"({"added_tokens": [{"id": "x", "content": "a"}], "model": {"type": "BPE", "vocab": {}, "merges": []}})", "id"},
  };
  for (const auto& [json, expected] : cases) {
    SCOPED_TRACE(json);
    const std::string message = load_error(json);
    EXPECT_NE(message.find(expected), std::string::npos) << "message: " << message;
    EXPECT_NE(message.find("tokenizer.json"), std::string::npos) << "message names no file: " << message;
  }
}

TEST(TokenizerErrors, BadFilesAndPaths) {
  TempDir dir;
  EXPECT_THROW(load_tokenizer(dir.file("missing.json")), Error);
  EXPECT_THROW(load_tokenizer(dir.path().string()), Error);  // folder without tokenizer files
  EXPECT_THROW(load_tokenizer(write(dir, "tokenizer.model", "garbage bytes")), Error);
  EXPECT_THROW(load_tokenizer(write(dir, "model.gguf", "GGUF\x03\x00\x00\x00")), Error);
  EXPECT_THROW(load_tokenizer(write(dir, "weights.bin", "x")), Error);
  EXPECT_THROW(load_tokenizer(write(dir, "vocab.txt", "a\nb\n")), Error);  // no [CLS]/[SEP]
}

TEST(TokenizerErrors, BadInputText) {
  TempDir dir;
  const auto tok = load_tokenizer(write(dir, "tokenizer.json", kGoodBpe));
  EXPECT_THROW(tok->encode("a\xC3"), Error);  // cut UTF-8
  EXPECT_THROW(tok->encode("\xFF"), Error);
  const std::vector<int32_t> bad_ids = {0, 7};
  EXPECT_THROW(tok->decode(bad_ids), Error);
}

TEST(TokenizerErrors, CommandLineExitsWithStatus2) {
  TempDir dir;
  std::string out, err;
  EXPECT_EQ(lowspec::test::run_lowspec("tokenize --tokenizer " + dir.file("none.json") + " </dev/null", &out, &err), 2);
  EXPECT_NE(err.find("none.json"), std::string::npos);
  const std::string good = write(dir, "tokenizer.json", kGoodBpe);
  EXPECT_EQ(lowspec::test::run_lowspec("detokenize --tokenizer " + good + " --ids 1,x", &out, &err), 2);
  EXPECT_NE(err.find("not a token id"), std::string::npos);
  EXPECT_EQ(lowspec::test::run_lowspec("detokenize --tokenizer " + good + " --ids 0,1,2", &out, &err), 0);
  EXPECT_EQ(out, "a b ab");  // without a decoder, tokens are joined by spaces
}

}  // namespace
}  // namespace lowspec::tokenizer
