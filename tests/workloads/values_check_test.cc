#include "workloads/values_check.h"

#include <gtest/gtest.h>

#include "workloads/model_cli.h"

namespace trnsim::workloads {
namespace {

// Small dims (head_dim 64, the real Llama/Qwen rope rules) so the kernels run in seconds.
ModelConfig small(bool moe) {
  ModelConfig c = load_hf_config(model_config_path(moe ? "qwen3-30b-a3b" : "llama-3.2-1b"));
  c.hidden_size = 256;
  c.num_heads = 4;
  c.num_kv_heads = 2;
  c.head_dim = 64;
  c.intermediate_size = 384;
  c.vocab_size = 512;
  c.num_layers = 2;
  if (moe) {
    c.num_experts = 8;
    c.experts_per_token = 2;
    c.moe_intermediate_size = 128;
  }
  return c;
}

void expect_pass(bool moe, const std::string& set_name) {
  const ModelConfig c = small(moe);
  const ModelWeights w = random_weights(c, 11);
  const ValuesReport r = check_values(c, w, load_kernel_set(set_name), {5, 77, 300, 12, 9}, 3);
  EXPECT_TRUE(r.ok) << r.text();
  EXPECT_LE(r.rms_err_over_rms, r.tolerance);
  EXPECT_GT(r.rms_err_over_rms, 0);  // bf16 is not exact: the comparison is live
  EXPECT_EQ(r.kernel_tokens.size(), 3u);
}

TEST(ValuesCheck, LlamaBaselineMatchesReference) { expect_pass(false, "baseline"); }
TEST(ValuesCheck, LlamaOptimisedMatchesReference) { expect_pass(false, "optimised"); }
TEST(ValuesCheck, QwenMoeBaselineMatchesReference) { expect_pass(true, "baseline"); }
TEST(ValuesCheck, QwenMoeOptimisedMatchesReference) { expect_pass(true, "optimised"); }

TEST(ValuesCheck, DetectsWrongWeights) {
  // Kernels run with perturbed weights: the reference (true weights) must disagree.
  const ModelConfig c = small(false);
  const ModelWeights w = random_weights(c, 11);
  ModelWeights bad = w;
  bad.layers[1].wo *= 1.5f;
  std::vector<int64_t> toks;
  const std::vector<MatD> got =
      kernel_model_logits(c, bad, load_kernel_set("baseline"), {5, 77, 300}, 1, &toks, nullptr);
  ReferenceModel ref(c, w);
  KvCache cache;
  const MatD want = ref.forward(cache, {5, 77, 300}).bottomRows(1);
  const double rel = std::sqrt((got[0] - want).squaredNorm() / want.squaredNorm());
  EXPECT_GT(rel, 0.05);
}

TEST(ValuesCheck, ValuesConfigCaps) {
  const ModelConfig q = load_hf_config(model_config_path("qwen3-30b-a3b"));
  const ModelConfig v = values_config(q, 2, 1000, 4);
  EXPECT_EQ(v.num_layers, 2);
  EXPECT_EQ(v.vocab_size, 1000);
  EXPECT_EQ(v.num_experts, 4);
  EXPECT_EQ(v.experts_per_token, 4);
  EXPECT_EQ(values_config(q, 1, 0, 0).num_experts, 128);
}

}  // namespace
}  // namespace trnsim::workloads
