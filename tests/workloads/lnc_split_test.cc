#include "workloads/lnc_split.h"

#include <gtest/gtest.h>

#include "isa/error.h"
#include "sim/config/hw_config.h"
#include "workloads/kernel_set.h"
#include "workloads/model_cli.h"
#include "workloads/model_timing.h"

namespace trnsim::workloads {
namespace {

TEST(LncSplit, MatmulsSplitTheirOutputColumns) {
  const OpInstance op{"qkv_proj", "qkv_proj", {{"M", 1}, {"N", 1281}, {"K", 2048}}, 1};
  const LncSplit s = lnc_split(op, 2);
  ASSERT_EQ(s.cores.size(), 2u);
  EXPECT_EQ(s.split_dim, "N");
  EXPECT_EQ(s.cores[0].shape.at("N"), 641);
  EXPECT_EQ(s.cores[1].shape.at("N"), 640);
  EXPECT_EQ(s.cores[1].shape.at("K"), 2048);
  EXPECT_EQ(s.reduce_bytes, 0);
  EXPECT_EQ(lnc_split(op, 1).cores.size(), 1u);
  EXPECT_THROW(lnc_split(op, 4), Error);
}

TEST(LncSplit, RepeatedInvocationsAreSharedOut) {
  const OpInstance experts{"expert_mlp", "expert_mlp", {{"tokens", 1}, {"inter", 192}}, 7.5};
  const LncSplit s = lnc_split(experts, 2);
  ASSERT_EQ(s.cores.size(), 2u);
  EXPECT_EQ(s.split_dim, "count");
  EXPECT_DOUBLE_EQ(s.cores[0].count, 3.75);  // expected (fractional) counts: halves
  const OpInstance heads{"attn_scores", "attn_scores", {{"M", 4}, {"N", 64}, {"K", 64}}, 3};
  const LncSplit h = lnc_split(heads, 2);
  EXPECT_DOUBLE_EQ(h.cores[0].count, 2);
  EXPECT_DOUBLE_EQ(h.cores[1].count, 1);
}

TEST(LncSplit, DecodeMlpSplitsTheIntermediateAndExchangesPartialSums) {
  const OpInstance mlp{"mlp", "mlp", {{"tokens", 4}, {"hidden", 2048}, {"inter", 4096}}, 1};
  const LncSplit s = lnc_split(mlp, 2);
  EXPECT_EQ(s.split_dim, "inter");
  EXPECT_EQ(s.cores[0].shape.at("inter"), 2048);
  EXPECT_EQ(s.reduce_bytes, 4 * 2048 * 4);  // [tokens, hidden] fp32 partial sums
  const OpInstance prefill{"mlp", "mlp", {{"tokens", 512}, {"hidden", 2048}, {"inter", 4096}}, 1};
  const LncSplit p = lnc_split(prefill, 2);
  EXPECT_EQ(p.split_dim, "tokens");
  EXPECT_EQ(p.reduce_bytes, 0);
}

TEST(LncSplit, HeadsRowsAndUnsplittableOps) {
  const OpInstance att{"attention", "attention_decode",
                       {{"batch", 1}, {"q_heads", 8}, {"kv_heads", 2}, {"head_dim", 64},
                        {"context", 256}},
                       1};
  const LncSplit a = lnc_split(att, 2);
  EXPECT_EQ(a.split_dim, "kv_heads");
  EXPECT_EQ(a.cores[1].shape.at("q_heads"), 4);
  EXPECT_EQ(a.cores[1].shape.at("kv_heads"), 1);
  OpInstance one_head = att;
  one_head.shape["kv_heads"] = 1;
  one_head.shape["q_heads"] = 4;
  EXPECT_EQ(lnc_split(one_head, 2).cores.size(), 1u);  // one KV head, batch 1: core 0 only
  const OpInstance norm{"input_norm", "norm", {{"rows", 1}, {"cols", 2048}}, 1};
  EXPECT_EQ(lnc_split(norm, 2).cores.size(), 1u);
  OpInstance rows = norm;
  rows.shape["rows"] = 5;
  EXPECT_EQ(lnc_split(rows, 2).cores[0].shape.at("rows"), 3);
  const OpInstance odd{"x", "unknown_role", {}, 1};
  EXPECT_THROW(lnc_split(odd, 2), Error);
}

// The op time under LNC=2 is the slower core's simulated time plus the pair barrier: checked
// against the two halves timed on their own.
TEST(LncSplit, ModelOpTimeIsTheSlowerCorePlusTheBarrier) {
  ModelConfig c = load_hf_config(model_config_path("llama-3.2-1b"));
  c.num_layers = 1;
  const sim::HwConfig hw = sim::load_target("trn2");
  const KernelSet set = load_kernel_set("optimised");
  OpTimer timer(hw, set);
  RunShape rs;
  rs.prompt_len = 16;
  rs.gen = 1;
  rs.lnc = 2;
  rs.lnc_barrier_ns = 1300;
  const PhaseTiming pt = time_phase(c, rs, Phase::kDecode, 17, timer);
  const OpSummary* qkv = nullptr;
  for (const OpSummary& s : pt.layer_ops)
    if (s.name == "qkv_proj") qkv = &s;
  ASSERT_NE(qkv, nullptr);
  EXPECT_EQ(qkv->lnc_split, "N");
  const OpInstance half0{"qkv_proj", "qkv_proj", {{"M", 1}, {"N", 1536}, {"K", 2048}}, 1};
  const double core_ns = timer.time(half0, Phase::kDecode).ns;  // 3072 columns / 2
  EXPECT_DOUBLE_EQ(qkv->ns_each, core_ns + 1300);
  // And it beats one core doing all of the work.
  RunShape one = rs;
  one.lnc = 1;
  const PhaseTiming p1 = time_phase(c, one, Phase::kDecode, 17, timer);
  for (const OpSummary& s : p1.layer_ops)
    if (s.name == "qkv_proj") {
      EXPECT_GT(s.ns_each, qkv->ns_each);
    }
}

}  // namespace
}  // namespace trnsim::workloads
