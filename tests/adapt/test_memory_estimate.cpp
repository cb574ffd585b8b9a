// The memory estimate, checked against sizes worked out by hand from the published shapes.
#include <gtest/gtest.h>

#include "adapt/memory_estimate.h"
#include "core/error.h"
#include "formats/model_config.h"
#include "test_util.h"

namespace lowspec {
namespace {

constexpr const char* kTinyLlama = "real-configs/TinyLlama__TinyLlama-1.1B-Chat-v1.0";

MemoryRequest request(DType weights, int64_t context = 0, int64_t batch = 1) {
  MemoryRequest r;
  r.weights = weights;
  r.context = context;
  r.batch = batch;
  return r;
}

TEST(MemoryEstimate, TinyLlamaWeightsPerFormat) {
  LOWSPEC_REQUIRE_FIXTURE(kTinyLlama);
  ModelConfig c = load_model_config(test::fixture(kTinyLlama));
  const uint64_t params = 1100048384;  // published count
  const uint64_t norm_elems = (2 * 22 + 1) * 2048;  // two norms per layer and the final one
  const uint64_t matrix_elems = params - norm_elems;
  EXPECT_EQ(weight_bytes(c, DType::F32), params * 4);
  EXPECT_EQ(weight_bytes(c, DType::F16), matrix_elems * 2 + norm_elems * 4);
  EXPECT_EQ(weight_bytes(c, DType::Q8_0), matrix_elems / 32 * 34 + norm_elems * 4);
  EXPECT_EQ(weight_bytes(c, DType::Q4_0), matrix_elems / 32 * 18 + norm_elems * 4);
}

TEST(MemoryEstimate, KvCacheScalesWithContextAndBatch) {
  LOWSPEC_REQUIRE_FIXTURE(kTinyLlama);
  ModelConfig c = load_model_config(test::fixture(kTinyLlama));
  MemoryEstimate full = estimate_memory(c, request(DType::Q8_0));
  EXPECT_EQ(full.context, 2048);  // the model's maximum by default
  EXPECT_EQ(full.kv_cache_bytes, 2ull * 22 * 4 * 64 * 2048 * 4);  // K and V, layers, kv heads, dims, F32
  MemoryEstimate small = estimate_memory(c, request(DType::Q8_0, 512, 4));
  EXPECT_EQ(small.kv_cache_bytes, 2ull * 22 * 4 * 64 * 512 * 4 * 4);
  EXPECT_EQ(full.weights_bytes, small.weights_bytes);
  EXPECT_GT(full.working_bytes, 32ull << 20);
  EXPECT_EQ(full.total(), full.weights_bytes + full.kv_cache_bytes + full.working_bytes);
  MemoryRequest f16_cache = request(DType::Q8_0);
  f16_cache.kv_cache = DType::F16;
  EXPECT_EQ(estimate_memory(c, f16_cache).kv_cache_bytes, full.kv_cache_bytes / 2);
}

TEST(MemoryEstimate, EncodersHaveNoKvCacheAndBoundedContext) {
  const char* rel = "real-configs/distilbert__distilbert-base-uncased";
  LOWSPEC_REQUIRE_FIXTURE(rel);
  ModelConfig c = load_model_config(test::fixture(rel));
  MemoryEstimate e = estimate_memory(c, request(DType::F32, 384, 8));
  EXPECT_EQ(e.kv_cache_bytes, 0u);
  // The MLM head's logits alone: 8 x 384 positions x 30522 x 4 bytes.
  EXPECT_GT(e.working_bytes, 8ull * 384 * 30522 * 4);
  EXPECT_THROW(estimate_memory(c, request(DType::F32, 513)), Error);
}

TEST(MemoryEstimate, SmallerFormatsNeedLessAndBadRequestsAreErrors) {
  LOWSPEC_REQUIRE_FIXTURE("real-configs/google__gemma-2b");
  ModelConfig c = load_model_config(test::fixture("real-configs/google__gemma-2b"));
  uint64_t previous = UINT64_MAX;
  for (DType t : {DType::F32, DType::F16, DType::Q8_0, DType::Q4_0}) {
    uint64_t total = estimate_memory(c, request(t, 2048)).total();
    EXPECT_LT(total, previous) << dtype_name(t);
    previous = total;
  }
  EXPECT_THROW(estimate_memory(c, request(DType::I32)), Error);
  EXPECT_THROW(estimate_memory(c, request(DType::F32, 2048, 0)), Error);
  EXPECT_THROW(estimate_memory(c, request(DType::F32, -5)), Error);
}

}  // namespace
}  // namespace lowspec
