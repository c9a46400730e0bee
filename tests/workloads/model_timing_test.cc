#include "workloads/model_timing.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "isa/error.h"
#include "workloads/kernel_set.h"
#include "workloads/model_cli.h"

namespace trnsim::workloads {
namespace {

ModelConfig small_llama() {
  ModelConfig c = load_hf_config(model_config_path("llama-3.2-1b"));
  c.hidden_size = 256;
  c.num_heads = 4;
  c.num_kv_heads = 2;
  c.head_dim = 64;
  c.intermediate_size = 512;
  c.vocab_size = 1024;
  c.num_layers = 3;
  return c;
}

TEST(KernelSet, ShippedSetsParse) {
  const KernelSet b = load_kernel_set("baseline");
  EXPECT_EQ(b.name, "baseline");
  EXPECT_EQ(b.choice("qkv_proj", Phase::kPrefill).variant, "naive");
  const KernelSet o = load_kernel_set("optimised");
  EXPECT_EQ(o.choice("qkv_proj", Phase::kPrefill).variant, "blocked");
  EXPECT_EQ(o.choice("qkv_proj", Phase::kDecode).variant, "thin");
  EXPECT_FALSE(o.choice("mlp", Phase::kDecode).is_nki());  // a library kernel
  EXPECT_FALSE(b.fused_attention(Phase::kPrefill));
  EXPECT_TRUE(o.fused_attention(Phase::kPrefill));
  EXPECT_TRUE(o.fused_attention(Phase::kDecode));
  for (const auto& [role, kernel] : kernel_roles())
    EXPECT_EQ(b.choice(role, Phase::kDecode).kernel, kernel);
}

TEST(KernelSet, Errors) {
  EXPECT_THROW(parse_kernel_set(R"({"ops":{"qkv":{}}})", "s"), Error);
  EXPECT_THROW(parse_kernel_set(R"({"ops":{"qkv_proj":{"variant":"fast"}}})", "s"), Error);
  // Shape parameters come from the model, not the kernel set.
  EXPECT_THROW(parse_kernel_set(R"({"ops":{"qkv_proj":{"params":{"M":3}}}})", "s"), Error);
  EXPECT_THROW(parse_kernel_set(R"({"speed":1})", "s"), Error);
  EXPECT_THROW(parse_kernel_set("{", "s"), Error);
  EXPECT_THROW(load_kernel_set("no_such_set"), Error);
}

TEST(ModelTiming, LayersMultiplyAndCacheRepeats) {
  const ModelConfig c = small_llama();
  const sim::HwConfig hw = sim::load_target("trn2");
  const KernelSet set = load_kernel_set("baseline");
  OpTimer timer(hw, set);
  RunShape rs;
  rs.prompt_len = 64;
  rs.gen = 4;
  rs.decode_bucket = 128;
  const ModelTiming mt = time_model(c, rs, timer);
  const PhaseTiming& p = mt.prefill;
  double layer = 0;
  for (const OpSummary& s : p.layer_ops) layer += s.ns();
  EXPECT_NEAR(p.layer_compute_ns, layer, 1e-6);
  EXPECT_NEAR(p.total_ns, p.embed_ns + 3 * p.layer_ns() + p.head_ns + p.logits_gather_ns, 1e-6);
  EXPECT_GT(p.layer_compute_ns, 0);
  EXPECT_EQ(p.layer_collective_ns, 0);  // TP 1
  // Four decode steps in one bucket: identical times, no extra simulations after the first.
  ASSERT_EQ(mt.decode_step_ns.size(), 4u);
  EXPECT_EQ(mt.decode_step_ns[0], mt.decode_step_ns[3]);
  EXPECT_NEAR(mt.tokens_per_s, 1e9 / mt.decode_ns_per_step, 1e-6);
  const int64_t sims = timer.simulations();
  time_model(c, rs, timer);
  EXPECT_EQ(timer.simulations(), sims);
  // MACs of prefill: qkv 64x(256+256)x256 ... checked for one op by hand.
  for (const OpSummary& s : p.layer_ops)
    if (s.name == "qkv_proj") {
      EXPECT_DOUBLE_EQ(s.macs_each, 64.0 * (256 + 2 * 128) * 256);
    }
}

TEST(ModelTiming, FusedAttentionReplacesDecomposedOps) {
  const ModelConfig c = small_llama();
  const RankShapes r = rank_shapes(c, 1);
  PlanShape ps{Phase::kDecode, 2, 1, 100, false};
  std::vector<std::string> names;
  for (const OpInstance& op : layer_ops(c, r, ps)) names.push_back(op.name);
  EXPECT_NE(std::find(names.begin(), names.end(), "attn_scores"), names.end());
  ps.fused_attention = true;
  const std::vector<OpInstance> fused = layer_ops(c, r, ps);
  EXPECT_EQ(fused.size(), names.size() - 2);
  for (const OpInstance& op : fused) {
    if (op.name == "attention") {
      EXPECT_EQ(op.role, "attention_decode");
      EXPECT_EQ(op.shape.at("context"), 100);
      EXPECT_EQ(op.shape.at("batch"), 2);
    }
  }
}

TEST(ModelTiming, TensorParallelAddsCollectives) {
  const ModelConfig c = small_llama();
  const sim::HwConfig hw = sim::load_target("trn2");
  const KernelSet set = load_kernel_set("baseline");
  OpTimer timer(hw, set);
  RunShape rs;
  rs.prompt_len = 32;
  rs.gen = 1;
  rs.tp = 2;
  const PhaseTiming p = time_phase(c, rs, Phase::kPrefill, 32, timer);
  EXPECT_DOUBLE_EQ(p.layer_collective_ns, 2 * all_reduce_ns(32 * 256 * 2, 2, rs.link));
}

}  // namespace
}  // namespace trnsim::workloads
