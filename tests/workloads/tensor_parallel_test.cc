#include "workloads/tensor_parallel.h"

#include <gtest/gtest.h>

#include "isa/error.h"
#include "workloads/layer_plan.h"
#include "workloads/model_cli.h"

namespace trnsim::workloads {
namespace {

TEST(TensorParallel, LlamaTp2) {
  const ModelConfig c = load_hf_config(model_config_path("llama-3.2-1b"));
  const RankShapes r = rank_shapes(c, 2);
  EXPECT_EQ(r.q_cols, 1024);         // Q 2048 -> 1024
  EXPECT_EQ(r.kv_cols, 256);         // K, V 2048 -> 256
  EXPECT_EQ(2 * r.mlp_inter, 8192);  // gate+up fused 2 x 4096
  EXPECT_EQ(r.mlp_inter, 4096);      // down 4096 -> 2048
  EXPECT_EQ(r.o_in, 1024);           // O 1024 -> 2048
  EXPECT_EQ(r.vocab, 64128);         // lm_head 2048 -> 64128
  // The plan's ops carry those shapes.
  PlanShape ps{Phase::kPrefill, 1, 16, 16};
  for (const OpInstance& op : layer_ops(c, r, ps)) {
    if (op.name == "qkv_proj") {
      EXPECT_EQ(op.shape.at("N"), 1024 + 2 * 256);
    }
    if (op.name == "o_proj") {
      EXPECT_EQ(op.shape.at("K"), 1024);
    }
    if (op.name == "mlp") {
      EXPECT_EQ(op.shape.at("inter"), 4096);
    }
  }
  EXPECT_EQ(head_ops(c, r, ps).at(1).shape.at("N"), 64128);
}

TEST(TensorParallel, QwenTp4) {
  const ModelConfig c = load_hf_config(model_config_path("qwen3-30b-a3b"));
  const RankShapes r = rank_shapes(c, 4);
  EXPECT_EQ(r.q_heads, 8);
  EXPECT_EQ(r.kv_heads, 1);
  EXPECT_EQ(r.expert_inter, 192);
  // TP 8: KV heads (4) replicated, one per rank.
  EXPECT_EQ(rank_shapes(c, 8).kv_heads, 1);
  EXPECT_THROW(rank_shapes(c, 3), Error);
  EXPECT_THROW(rank_shapes(c, 0), Error);
}

TEST(TensorParallel, AllReduceArithmetic) {
  LinkSpec l{100.0, 2000.0};
  EXPECT_EQ(all_reduce_ns(1 << 20, 1, l), 0.0);
  // TP 4: 2*3/4 * 1e6 B / 100 B/ns = 15000 ns, + 6 * 2000 ns.
  EXPECT_DOUBLE_EQ(all_reduce_ns(1000000, 4, l), 15000.0 + 12000.0);
  // All-gather TP 2: 1/2 * 1e6 / 100 + 1 * 2000.
  EXPECT_DOUBLE_EQ(all_gather_ns(1000000, 2, l), 5000.0 + 2000.0);
}

TEST(TensorParallel, ExpectedActiveExperts) {
  EXPECT_NEAR(expected_active_experts(128, 8, 1), 8.0, 1e-9);
  EXPECT_NEAR(expected_active_experts(128, 8, 2), 128 * (1 - (120.0 / 128) * (120.0 / 128)), 1e-9);
  EXPECT_GT(expected_active_experts(128, 8, 1024), 127.99);
}

}  // namespace
}  // namespace trnsim::workloads
