// Decoder settings and shapes the fixtures do not cover, on generated checkpoints: rotary
// scaling, grouped-query layouts, and clear errors for broken folders.
#include <gtest/gtest.h>

#include <numeric>

#include "core/error.h"
#include "models/decoder.h"
#include "models/test_decoder_golden.h"
#include "models/test_decoder_tiny_model.h"

using namespace lowspec;
using lowspec::test::all_near;

namespace {

std::vector<float> run_logits(const std::string& dir, const std::vector<int64_t>& ids,
                              const std::vector<int64_t>& positions) {
  Decoder d(dir);
  const int64_t T = static_cast<int64_t>(ids.size());
  ThreadPool pool(2);
  DecoderState s(d.config(), 1, T, T, pool.size());
  d.forward(s, DecoderStep{T, ids.data(), positions.data(), nullptr, nullptr}, pool);
  std::vector<float> logits(static_cast<size_t>(T * d.config().vocab_size));
  d.logits(s.hidden(), T, logits.data(), pool);
  return logits;
}

std::string error_of(const std::string& dir) {
  try {
    Decoder d(dir);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST(DecoderSettings, LinearRopeScalingDividesPositions) {
  test::TempDir plain, scaled;
  test::TinyLlama m;
  write_tiny_llama(plain.path().string(), m);
  m.extra = {{"rope_scaling", {{"type", "linear"}, {"factor", 2.0}}}};
  write_tiny_llama(scaled.path().string(), m);
  const std::vector<int64_t> ids = {5, 17, 3, 60, 2, 44, 90, 11};
  std::vector<int64_t> pos(ids.size()), doubled(ids.size());
  std::iota(pos.begin(), pos.end(), 0);
  for (size_t i = 0; i < pos.size(); ++i) doubled[i] = 2 * pos[i];
  EXPECT_TRUE(all_near(run_logits(scaled.path().string(), ids, doubled), run_logits(plain.path().string(), ids, pos),
                       1e-6, 1e-6));
}

TEST(DecoderSettings, DynamicRopeScalingChangesNothingWithinTheTrainedContext) {
  test::TempDir plain, dynamic;
  test::TinyLlama m;
  m.max_pos = 16;
  write_tiny_llama(plain.path().string(), m);
  m.extra = {{"rope_scaling", {{"type", "dynamic"}, {"factor", 4.0}}}};
  write_tiny_llama(dynamic.path().string(), m);
  std::vector<int64_t> ids(16), pos(16);
  std::iota(pos.begin(), pos.end(), 0);
  for (size_t i = 0; i < ids.size(); ++i) ids[i] = static_cast<int64_t>(i * 7 % 96);
  EXPECT_TRUE(all_near(run_logits(dynamic.path().string(), ids, pos), run_logits(plain.path().string(), ids, pos), 0, 0));
  // Beyond it the base grows, so far positions rotate differently.
  std::vector<int64_t> far = pos;
  far.back() = 40;
  EXPECT_FALSE(all_near(run_logits(dynamic.path().string(), ids, far), run_logits(plain.path().string(), ids, far), 1e-6, 0));
}

TEST(DecoderSettings, MultiHeadAndMultiQueryLayoutsRun) {
  for (int64_t kv : {6, 3, 1}) {
    test::TempDir dir;
    test::TinyLlama m;
    m.kv_heads = kv;
    write_tiny_llama(dir.path().string(), m);
    auto logits = run_logits(dir.path().string(), {1, 2, 3}, {0, 1, 2});
    for (float x : logits) ASSERT_TRUE(std::isfinite(x)) << kv;
  }
}

TEST(DecoderSettings, BrokenFoldersGiveErrorsNamingTheTensor) {
  test::TempDir missing, misshaped, bad_heads;
  test::TinyLlama m;
  m.drop = {"model.layers.1.mlp.up_proj.weight"};
  write_tiny_llama(missing.path().string(), m);
  EXPECT_NE(error_of(missing.path().string()).find("model.layers.1.mlp.up_proj.weight"), std::string::npos);

  m.drop = {};
  m.misshape = "model.layers.0.self_attn.k_proj.weight";
  write_tiny_llama(misshaped.path().string(), m);
  const std::string e = error_of(misshaped.path().string());
  EXPECT_NE(e.find("model.layers.0.self_attn.k_proj.weight"), std::string::npos) << e;

  m.misshape = "";
  m.kv_heads = 4;  // 6 heads are not a multiple of 4
  write_tiny_llama(bad_heads.path().string(), m);
  EXPECT_NE(error_of(bad_heads.path().string()).find("num_key_value_heads"), std::string::npos);
}

TEST(DecoderSettings, TokenIdsOutsideTheVocabularyAreErrors) {
  test::TempDir dir;
  write_tiny_llama(dir.path().string(), test::TinyLlama{});
  EXPECT_THROW(run_logits(dir.path().string(), {1, 96}, {0, 1}), Error);
  EXPECT_THROW(run_logits(dir.path().string(), {-1}, {0}), Error);
}
