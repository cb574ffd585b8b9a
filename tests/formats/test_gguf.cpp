// GGUF reader on llama.cpp's vocab files, writer round trip, and crafted bad files.
#include <gtest/gtest.h>

#include <cstring>
#include <fstream>

#include "core/error.h"
#include "core/mapped_file.h"
#include "formats/gguf.h"
#include "formats/gguf_writer.h"
#include "test_util.h"

namespace lowspec {
namespace {

using test::fixture;

// Builds GGUF bytes by hand, so bad files can be made field by field.
struct Bytes {
  std::vector<uint8_t> b;
  template <typename T>
  Bytes& put(T v) {
    const auto* p = reinterpret_cast<const uint8_t*>(&v);
    b.insert(b.end(), p, p + sizeof(T));
    return *this;
  }
  Bytes& u32(uint32_t v) { return put(v); }
  Bytes& u64(uint64_t v) { return put(v); }
  Bytes& str(std::string_view s) {
    u64(s.size());
    b.insert(b.end(), s.begin(), s.end());
    return *this;
  }
  Bytes& header(uint64_t tensors, uint64_t kvs, uint32_t version = 3) {
    b.insert(b.end(), {'G', 'G', 'U', 'F'});
    return u32(version).u64(tensors).u64(kvs);
  }
  Bytes& kv_u32(std::string_view key, uint32_t v) { return str(key).u32(4).u32(v); }
  Bytes& tensor(std::string_view name, std::vector<uint64_t> dims, uint32_t type, uint64_t offset) {
    str(name).u32(static_cast<uint32_t>(dims.size()));
    for (uint64_t d : dims) u64(d);
    return u32(type).u64(offset);
  }
  Bytes& pad_to(size_t alignment) {
    b.resize((b.size() + alignment - 1) / alignment * alignment, 0);
    return *this;
  }
  Bytes& zeros(size_t n) {
    b.resize(b.size() + n, 0);
    return *this;
  }
};

constexpr const char* kName = "crafted.gguf";

// Parses and expects an Error whose message starts with the file name and contains `needle`.
void expect_error(const Bytes& bytes, const std::string& needle) {
  try {
    GgufFile::parse(bytes.b, kName);
    ADD_FAILURE() << "expected an error containing \"" << needle << "\"";
  } catch (const Error& e) {
    std::string msg = e.what();
    EXPECT_EQ(msg.rfind(std::string(kName) + ": ", 0), 0u) << msg;
    EXPECT_NE(msg.find(needle), std::string::npos) << msg;
  }
}

TEST(Gguf, ReadsLlamaSentencePieceVocab) {
  const std::string rel = "tokenizers/gguf/ggml-vocab-llama-spm.gguf";
  LOWSPEC_REQUIRE_FIXTURE(rel);
  GgufFile g = GgufFile::open(fixture(rel));
  EXPECT_EQ(g.version(), 3u);
  EXPECT_EQ(g.get_string("general.architecture"), "llama");
  EXPECT_EQ(g.get_string("tokenizer.ggml.model"), "llama");
  EXPECT_EQ(g.get_u32("llama.block_count"), 32u);
  auto tokens = g.get_array("tokenizer.ggml.tokens").strings();
  auto scores = g.get_array("tokenizer.ggml.scores").floats();
  auto types = g.get_array("tokenizer.ggml.token_type").int32s();
  ASSERT_EQ(tokens.size(), 32000u);
  EXPECT_EQ(scores.size(), tokens.size());
  EXPECT_EQ(types.size(), tokens.size());
  EXPECT_EQ(tokens[0], "<unk>");
  EXPECT_EQ(tokens[1], "<s>");
  EXPECT_EQ(tokens[2], "</s>");
  EXPECT_EQ(tokens[3], "<0x00>");
  EXPECT_EQ(types[3], 6);  // byte token
  EXPECT_EQ(g.get_u32("tokenizer.ggml.bos_token_id"), 1u);
  EXPECT_EQ(g.get_u32("tokenizer.ggml.eos_token_id"), 2u);
  EXPECT_TRUE(g.tensors().empty());
}

TEST(Gguf, ReadsEveryVocabFile) {
  struct Case {
    const char* file;
    const char* model;
    size_t vocab;
  };
  for (const Case& c : {Case{"ggml-vocab-gpt-2.gguf", "gpt2", 50257}, Case{"ggml-vocab-phi-3.gguf", "llama", 32064},
                        Case{"ggml-vocab-bert-bge.gguf", "bert", 30522}}) {
    const std::string rel = std::string("tokenizers/gguf/") + c.file;
    LOWSPEC_REQUIRE_FIXTURE(rel);
    GgufFile g = GgufFile::open(fixture(rel));
    EXPECT_EQ(g.get_string("tokenizer.ggml.model"), c.model) << c.file;
    EXPECT_EQ(g.get_array("tokenizer.ggml.tokens").strings().size(), c.vocab) << c.file;
  }
  GgufFile gpt2 = GgufFile::open(fixture("tokenizers/gguf/ggml-vocab-gpt-2.gguf"));
  auto merges = gpt2.get_array("tokenizer.ggml.merges").strings();
  EXPECT_EQ(merges.size(), 50000u);
  EXPECT_EQ(merges[0], "\xC4\xA0 t");  // "Ġ t", GPT-2's first merge
}

TEST(Gguf, TypedGettersNameFileAndKey) {
  const std::string path = fixture("tokenizers/gguf/ggml-vocab-llama-spm.gguf");
  LOWSPEC_REQUIRE_FIXTURE("tokenizers/gguf/ggml-vocab-llama-spm.gguf");
  GgufFile g = GgufFile::open(path);
  auto message = [](auto&& fn) {
    try {
      fn();
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_EQ(message([&] { g.get_u32("general.architecture"); }),
            path + ": metadata \"general.architecture\": expected an integer, found string");
  EXPECT_EQ(message([&] { g.get_string("no.such.key"); }), path + ": metadata \"no.such.key\" (string) is missing");
  EXPECT_EQ(message([&] { g.get_array("tokenizer.ggml.scores").strings(); }),
            path + ": metadata \"tokenizer.ggml.scores\": expected an array of string, found an array of float32");
  EXPECT_FALSE(g.get_int_opt("no.such.key").has_value());
  EXPECT_THROW(g.get_float_opt("general.name"), Error);
}

TEST(Gguf, WriterRoundTrip) {
  test::TempDir dir;
  const std::string path = dir.file("round.gguf");
  std::vector<float> a(64), b(3 * 32);
  for (size_t i = 0; i < a.size(); ++i) a[i] = 0.5f * static_cast<float>(i);
  for (size_t i = 0; i < b.size(); ++i) b[i] = -1.0f * static_cast<float>(i);
  std::vector<uint8_t> q8(2 * 34, 7), q41(20, 9);  // 2 Q8_0 blocks, 1 Q4_1 block
  {
    GgufWriter w;
    w.set_alignment(64);
    w.add_u8("t.u8", 200);
    w.add_i8("t.i8", -100);
    w.add_u16("t.u16", 60000);
    w.add_i16("t.i16", -30000);
    w.add_u32("t.u32", 4000000000u);
    w.add_i32("t.i32", -2000000000);
    w.add_u64("t.u64", 1ull << 63);
    w.add_i64("t.i64", -(1ll << 62));
    w.add_f32("t.f32", 1.5f);
    w.add_f64("t.f64", -2.25);
    w.add_bool("t.bool", true);
    w.add_string("t.str", "h\xC3\xA9llo");
    w.add_string_array("t.strs", {"a", "", "\xE2\x96\x81the"});
    w.add_f32_array("t.f32s", {1.0f, -2.0f});
    w.add_i32_array("t.i32s", {-1, 5});
    w.add_i64_array("t.i64s", {1ll << 40});
    w.add_string_array_array("t.nested", {{"x", "y"}, {}, {"z"}});
    w.add_tensor("a", DType::F32, {2, 32});
    w.add_tensor("q8", DType::Q8_0, {64});
    w.add_tensor_ggml("q41", 3, {32});
    w.add_tensor("b", DType::F32, {3, 32});
    w.begin(path);
    // Chunks that cross tensor boundaries.
    std::vector<uint8_t> all;
    auto append = [&all](const void* p, size_t n) {
      all.insert(all.end(), static_cast<const uint8_t*>(p), static_cast<const uint8_t*>(p) + n);
    };
    append(a.data(), a.size() * 4);
    append(q8.data(), q8.size());
    append(q41.data(), q41.size());
    append(b.data(), b.size() * 4);
    for (size_t i = 0; i < all.size(); i += 100) w.write(all.data() + i, std::min<size_t>(100, all.size() - i));
    w.finish();
  }
  GgufFile g = GgufFile::open(path);
  EXPECT_EQ(g.alignment(), 64u);
  EXPECT_EQ(g.get_u32("t.u8"), 200u);
  EXPECT_EQ(g.get_int("t.i8"), -100);
  EXPECT_EQ(g.get_u32("t.u16"), 60000u);
  EXPECT_EQ(g.get_int("t.i16"), -30000);
  EXPECT_EQ(g.get_u32("t.u32"), 4000000000u);
  EXPECT_EQ(g.get_int("t.i32"), -2000000000);
  EXPECT_EQ(g.get_u64("t.u64"), 1ull << 63);
  EXPECT_THROW(g.get_int("t.u64"), Error);  // does not fit int64
  EXPECT_EQ(g.get_int("t.i64"), -(1ll << 62));
  EXPECT_EQ(g.get_float("t.f32"), 1.5);
  EXPECT_EQ(g.get_float("t.f64"), -2.25);
  EXPECT_TRUE(g.get_bool("t.bool"));
  EXPECT_EQ(g.get_string("t.str"), "h\xC3\xA9llo");
  EXPECT_EQ(g.get_array("t.strs").strings(), (std::vector<std::string>{"a", "", "\xE2\x96\x81the"}));
  EXPECT_EQ(g.get_array("t.f32s").floats(), (std::vector<float>{1.0f, -2.0f}));
  EXPECT_EQ(g.get_array("t.i32s").int32s(), (std::vector<int32_t>{-1, 5}));
  EXPECT_EQ(g.get_array("t.i64s").ints(), (std::vector<int64_t>{1ll << 40}));
  EXPECT_THROW(g.get_array("t.i64s").int32s(), Error);
  auto nested = g.get_array("t.nested").arrays();
  ASSERT_EQ(nested.size(), 3u);
  EXPECT_EQ(nested[0].strings(), (std::vector<std::string>{"x", "y"}));
  EXPECT_TRUE(nested[1].strings().empty());
  EXPECT_EQ(nested[2].strings(), (std::vector<std::string>{"z"}));

  ASSERT_EQ(g.tensors().size(), 4u);
  for (const auto& t : g.tensors()) EXPECT_EQ(t.offset % 64, 0u) << t.name;
  TensorView va = g.view(*g.find_tensor("a"));
  EXPECT_EQ(va.shape, (std::vector<int64_t>{2, 32}));
  EXPECT_EQ(g.find_tensor("a")->dims, (std::vector<uint64_t>{32, 2}));
  EXPECT_EQ(std::memcmp(va.data, a.data(), a.size() * 4), 0);
  TensorView vb = g.view(*g.find_tensor("b"));
  EXPECT_EQ(std::memcmp(vb.data, b.data(), b.size() * 4), 0);
  EXPECT_EQ(g.view(*g.find_tensor("q8")).dtype, DType::Q8_0);
  const GgufTensorInfo* q41_info = g.find_tensor("q41");
  EXPECT_FALSE(q41_info->dtype.has_value());
  EXPECT_STREQ(ggml_type_name(q41_info->ggml_type), "Q4_1");
  EXPECT_EQ(g.tensor_bytes(*q41_info)[0], 9);
  EXPECT_THROW(g.view(*q41_info), Error);
}

TEST(Gguf, MinimalValidFileParses) {
  Bytes f;
  f.header(1, 1).kv_u32("general.alignment", 32).tensor("w", {4, 2}, 0, 0).pad_to(32).zeros(32);
  GgufFile g = GgufFile::parse(f.b, kName);
  ASSERT_EQ(g.tensors().size(), 1u);
  EXPECT_EQ(g.tensors()[0].shape, (std::vector<int64_t>{2, 4}));
  EXPECT_EQ(g.tensors()[0].nbytes, 32u);
}

TEST(Gguf, EveryTruncationIsAnError) {
  Bytes f;
  f.header(1, 2).kv_u32("a.b", 1).str("tokens").u32(9).u32(8).u64(2).str("x").str("yz");
  f.tensor("w", {8}, 0, 0).pad_to(32).zeros(32);
  for (size_t n = 0; n < f.b.size(); ++n) {
    Bytes cut;
    cut.b.assign(f.b.begin(), f.b.begin() + static_cast<long>(n));
    EXPECT_THROW(GgufFile::parse(cut.b, kName), Error) << "length " << n;
  }
}

TEST(Gguf, TruncatedFileOnDiskNamesThePath) {
  test::TempDir dir;
  const std::string path = dir.file("short.gguf");
  std::ofstream(path, std::ios::binary) << "GGUF\x03";
  try {
    GgufFile::open(path);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()).rfind(path + ": ", 0), 0u) << e.what();
  }
}

TEST(Gguf, HeaderErrors) {
  Bytes magic;
  magic.b = {'G', 'G', 'U', 'X', 3, 0, 0, 0};
  expect_error(magic, "magic");
  expect_error(Bytes().header(0, 0, 1), "version 1");
  expect_error(Bytes().header(0, 0, 7), "version 7");
  expect_error(Bytes().header(0, 0, 0x03000000), "big-endian");
  expect_error(Bytes().header(0, 1ull << 62), "metadata count");
  expect_error(Bytes().header(1ull << 60, 0), "tensor count");
}

TEST(Gguf, MetadataErrors) {
  // A hostile array length must be refused before anything is allocated.
  expect_error(Bytes().header(0, 1).str("k").u32(9).u32(0).u64(1ull << 60), "larger than the rest");
  expect_error(Bytes().header(0, 1).str("k").u32(9).u32(8).u64(1ull << 61), "larger than the rest");
  expect_error(Bytes().header(0, 1).str("k").u32(9).u32(9).u64(1ull << 59), "larger than the rest");
  expect_error(Bytes().header(0, 1).str("k").u32(8).u64(1ull << 62), "needs 4611686018427387904 bytes");
  expect_error(Bytes().header(0, 1).str("k").u32(8).u64(100).str("abc"), "needs 100 bytes");
  expect_error(Bytes().header(0, 1).str("k").u32(13).u32(0), "unknown GGUF value type 13");
  expect_error(Bytes().header(0, 1).str("k").u32(9).u32(77).u64(0), "unknown GGUF value type 77");
  expect_error(Bytes().header(0, 1).str("").u32(4).u32(0), "is empty");
  expect_error(Bytes().header(0, 1).str("k\xFF").u32(4).u32(0), "not valid UTF-8");
  expect_error(Bytes().header(0, 1).str("k\xC0\x80").u32(4).u32(0), "not valid UTF-8");  // overlong
  expect_error(Bytes().header(0, 2).kv_u32("k", 1).kv_u32("k", 2), "appears twice");
  expect_error(Bytes().header(0, 1).str("b").u32(7).put<uint8_t>(2), "neither 0 nor 1");
  expect_error(Bytes().header(0, 1).kv_u32("general.alignment", 24), "power of two");
  expect_error(Bytes().header(0, 1).kv_u32("general.alignment", 0), "power of two");
  expect_error(Bytes().header(0, 1).str("general.alignment").u32(8).str("32"), "expected uint32");
  Bytes deep;
  deep.header(0, 1).str("k").u32(9);
  for (int i = 0; i < 20; ++i) deep.u32(9).u64(1);
  deep.u32(0).u64(0);
  expect_error(deep, "nested deeper");
}

TEST(Gguf, TensorInfoErrors) {
  auto one_tensor = [](std::vector<uint64_t> dims, uint32_t type, uint64_t offset, size_t data) {
    Bytes f;
    f.header(1, 0).tensor("w", std::move(dims), type, offset).pad_to(32).zeros(data);
    return f;
  };
  expect_error(one_tensor({8}, 0, 32, 32), "past the end of the data");
  expect_error(one_tensor({8}, 0, 0, 31), "past the end of the data");
  expect_error(one_tensor({8}, 0, 8, 64), "not a multiple of the alignment");
  expect_error(one_tensor({1ull << 40, 1ull << 40}, 0, 0, 32), "shape overflows");
  expect_error(one_tensor({1ull << 63}, 0, 0, 32), "shape overflows");
  expect_error(one_tensor({1ull << 61}, 0, 0, 32), "past the end");  // 2^63 bytes of F32
  expect_error(one_tensor({1, 1, 1, 1, 1}, 0, 0, 32), "5 dimensions");
  expect_error(one_tensor({}, 0, 0, 32), "0 dimensions");
  expect_error(one_tensor({8}, 999, 0, 32), "unknown ggml type 999");
  expect_error(one_tensor({16}, 8, 0, 64), "not a multiple of the Q8_0 block size");
  // Empty tensors whose data section would start past the end (found by fuzz_gguf).
  Bytes far;
  far.header(1, 1).kv_u32("general.alignment", 8192).tensor("w", {0}, 0, 0);
  expect_error(far, "past the end of the file");
  Bytes overlap;
  overlap.header(2, 0).tensor("a", {16}, 0, 0).tensor("b", {8}, 0, 32).pad_to(32).zeros(64);
  expect_error(overlap, "overlap");
  Bytes dup;
  dup.header(2, 0).tensor("a", {8}, 0, 0).tensor("a", {8}, 0, 32).pad_to(32).zeros(64);
  expect_error(dup, "appears twice");
  Bytes bad_name;
  bad_name.header(1, 0).tensor("w\xED\xA0\x80", {8}, 0, 0).pad_to(32).zeros(32);  // a surrogate
  expect_error(bad_name, "not valid UTF-8");
}

}  // namespace
}  // namespace lowspec
