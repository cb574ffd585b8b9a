// Crafted bad safetensors files: each must be a lowspec::Error whose message starts with the path.
#include <gtest/gtest.h>

#include <fstream>

#include "core/error.h"
#include "formats/safetensors.h"
#include "test_util.h"

namespace lowspec {
namespace {

constexpr const char* kFileName = "crafted.safetensors";

std::vector<uint8_t> file_with_header(const std::string& json, size_t data_bytes, uint64_t declared_len = 0) {
  uint64_t n = declared_len ? declared_len : json.size();
  std::vector<uint8_t> b;
  for (int i = 0; i < 8; ++i) b.push_back(static_cast<uint8_t>(n >> (8 * i)));
  b.insert(b.end(), json.begin(), json.end());
  b.resize(b.size() + data_bytes, 0);
  return b;
}

void expect_error(const std::vector<uint8_t>& bytes, const std::string& needle) {
  try {
    parse_safetensors(bytes, kFileName);
    ADD_FAILURE() << "expected an error containing \"" << needle << "\"";
  } catch (const Error& e) {
    std::string msg = e.what();
    EXPECT_EQ(msg.rfind(std::string(kFileName) + ": ", 0), 0u) << msg;
    EXPECT_NE(msg.find(needle), std::string::npos) << msg;
  }
}

TEST(SafetensorsBad, ValidFileParses) {
  auto h = parse_safetensors(
      file_with_header(R"({"a":{"dtype":"F32","shape":[2,2],"data_offsets":[0,16]},"__metadata__":{"k":"v"}})", 16),
      kFileName);
  ASSERT_EQ(h.entries.size(), 1u);
  EXPECT_EQ(h.metadata.at("k"), "v");
}

TEST(SafetensorsBad, EveryTruncationIsAnError) {
  auto good = file_with_header(R"({"a":{"dtype":"F32","shape":[2,2],"data_offsets":[0,16]}})", 16);
  for (size_t n = 0; n < good.size(); ++n)
    EXPECT_THROW(parse_safetensors(std::span(good.data(), n), kFileName), Error) << "length " << n;
}

TEST(SafetensorsBad, HeaderErrors) {
  expect_error({1, 2, 3}, "shorter than the 8-byte header length");
  expect_error(file_with_header("{}", 0, 1000), "larger than the file");
  expect_error(file_with_header("{}", 0, 1ull << 62), "exceeds the 100 MiB cap");
  expect_error(file_with_header("[1,2]", 0), "not a JSON object");
  expect_error(file_with_header("{\"a\": ", 0), "invalid JSON");
  expect_error(file_with_header("{\"a\":\"\xFF\xFE\"}", 0), "invalid JSON");  // not UTF-8
  expect_error(file_with_header(R"({"__metadata__":{"k":1}})", 0), "__metadata__.k must be a string");
  expect_error(file_with_header(R"({"__metadata__":[1]})", 0), "__metadata__ must be an object");
}

TEST(SafetensorsBad, WrongJsonTypes) {
  expect_error(file_with_header(R"({"a":[1]})", 0), "tensor \"a\" must be an object");
  expect_error(file_with_header(R"({"a":{"dtype":5,"shape":[1],"data_offsets":[0,4]}})", 4), "non-string dtype");
  expect_error(file_with_header(R"({"a":{"dtype":"F31","shape":[1],"data_offsets":[0,4]}})", 4), "unknown dtype");
  expect_error(file_with_header(R"({"a":{"dtype":"Q8_0","shape":[32],"data_offsets":[0,34]}})", 34),
               "unknown dtype");
  expect_error(file_with_header(R"({"a":{"dtype":"F32","shape":"1","data_offsets":[0,4]}})", 4), "non-array shape");
  expect_error(file_with_header(R"({"a":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}})", 4),
               "non-negative integers");
  expect_error(file_with_header(R"({"a":{"dtype":"F32","shape":[1.5],"data_offsets":[0,4]}})", 4),
               "non-negative integers");
  expect_error(file_with_header(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0]}})", 4), "data_offsets");
  expect_error(file_with_header(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":["0","4"]}})", 4),
               "data_offsets");
  expect_error(file_with_header(R"({"a":{"dtype":"F32","shape":[1]}})", 4), "data_offsets");
}

TEST(SafetensorsBad, OffsetsAndShapes) {
  expect_error(file_with_header(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})", 4),
               "past the data area");
  expect_error(file_with_header(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[8,4]}})", 8), "reversed");
  expect_error(file_with_header(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,4]}})", 8), "4 bytes for shape");
  expect_error(file_with_header(
                   R"({"a":{"dtype":"F32","shape":[4294967296,4294967296,4294967296],"data_offsets":[0,4]}})", 4),
               "shape overflows");
  expect_error(file_with_header(R"({"a":{"dtype":"F64","shape":[2305843009213693952],"data_offsets":[0,0]}})", 4),
               "shape overflows");
  expect_error(file_with_header(R"({"a":{"dtype":"F32","shape":[1,1,1,1,1,1,1,1,1],"data_offsets":[0,4]}})", 4),
               "rank 9");
  expect_error(file_with_header(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
                                R"("b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}})",
                                12),
               "overlap");
}

TEST(SafetensorsBad, FileOnDiskNamesThePath) {
  test::TempDir dir;
  const std::string path = dir.file("bad.safetensors");
  std::ofstream(path, std::ios::binary) << "\x10\0\0\0";
  try {
    SafetensorsFile f(path);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()).rfind(path + ": ", 0), 0u) << e.what();
  }
}

}  // namespace
}  // namespace lowspec
