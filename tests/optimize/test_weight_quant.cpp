// --quant spellings, and which format QuantizedWeights gives each matrix shape.
#include <gtest/gtest.h>

#include <vector>

#include "core/error.h"
#include "optimize/weight_quant.h"

using namespace lowspec;

namespace {

TEST(WeightQuant, ParsesTheBlockFormats) {
  EXPECT_EQ(parse_weight_quant("q8_0"), DType::Q8_0);
  EXPECT_EQ(parse_weight_quant("q4_0"), DType::Q4_0);
  EXPECT_EQ(parse_weight_quant("q4_k"), DType::Q4_K);
  EXPECT_EQ(parse_weight_quant("Q5_K"), DType::Q5_K);
  EXPECT_EQ(parse_weight_quant("q6_K"), DType::Q6_K);
  EXPECT_EQ(parse_weight_quant("none"), std::nullopt);
  EXPECT_EQ(parse_weight_quant(""), std::nullopt);
  EXPECT_THROW(parse_weight_quant("q4_k_m"), Error);  // a per-tensor mix, not one dtype
  EXPECT_THROW(parse_weight_quant("q4_1"), Error);
  EXPECT_THROW(parse_weight_quant("f16"), Error);
}

TensorView quantized(QuantizedWeights& store, int64_t N, int64_t K, DType to,
                     std::vector<float>& values, ThreadPool& pool) {
  values.assign(static_cast<size_t>(N * K), 0.5f);
  return store.quantize(TensorView{DType::F32, {N, K}, values.data(), values.size() * 4}, to, pool);
}

TEST(WeightQuant, KQuantsFallBackToQ8_0WhenRowsAreNotWholeSuperBlocks) {
  ThreadPool pool(1);
  QuantizedWeights store;
  std::vector<float> a, b, c;
  const TensorView whole = quantized(store, 3, 512, DType::Q4_K, a, pool);
  EXPECT_EQ(whole.dtype, DType::Q4_K);
  EXPECT_EQ(whole.nbytes, 3u * 2 * 144);
  const TensorView odd = quantized(store, 2, 288, DType::Q6_K, b, pool);
  EXPECT_EQ(odd.dtype, DType::Q8_0);
  EXPECT_EQ(odd.nbytes, 2u * 9 * 34);
  const TensorView tiny = quantized(store, 2, 48, DType::Q5_K, c, pool);
  EXPECT_EQ(tiny.dtype, DType::F32);  // not even whole 32-blocks: left as it is
  EXPECT_EQ(store.bytes(), whole.nbytes + odd.nbytes);
}

}  // namespace
