// A tied lm_head (tie_word_embeddings, stored once as save_pretrained writes it) is the embedding
// table itself: one view of the mapped file, no copy; quantized, both share one quantized copy.
#include <gtest/gtest.h>

#include "models/decoder.h"
#include "test_decoder_golden.h"
#include "test_util.h"

namespace lowspec::test {
namespace {

TEST(TiedWeights, GemmaLmHeadIsTheEmbeddingView) {
  LOWSPEC_REQUIRE_FIXTURE("hf-tiny/gemma/model.safetensors");
  const Decoder gemma(tiny_dir("gemma"));
  ASSERT_TRUE(gemma.config().tie_word_embeddings);
  EXPECT_EQ(gemma.weights().lm_head.data, gemma.weights().embed.data);
  EXPECT_EQ(gemma.weights().lm_head.nbytes, gemma.weights().embed.nbytes);

  const Decoder quantized(tiny_dir("gemma"), DType::Q8_0);
  EXPECT_EQ(quantized.weights().lm_head.dtype, DType::Q8_0);
  EXPECT_EQ(quantized.weights().lm_head.data, quantized.weights().embed.data);
}

TEST(TiedWeights, AnUntiedLmHeadIsItsOwnTensor) {
  LOWSPEC_REQUIRE_FIXTURE("hf-tiny/llama/model.safetensors");
  const Decoder llama(tiny_dir("llama"));
  ASSERT_FALSE(llama.config().tie_word_embeddings);
  EXPECT_NE(llama.weights().lm_head.data, llama.weights().embed.data);
}

}  // namespace
}  // namespace lowspec::test
