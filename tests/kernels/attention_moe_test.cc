// Focused tests of the attention, MoE and fused-norm kernels beyond the all-kernel values sweep:
// schedule structure (online-softmax steps, split-KV parts, which expert weights are loaded),
// build-time routing, cross-variant agreement and parameter errors.
#include <gtest/gtest.h>

#include <set>

#include "isa/error.h"
#include "kernels/attention.h"
#include "kernels/harness.h"
#include "kernels/moe.h"
#include "kernels/registry.h"

namespace trnsim::kernels {
namespace {

isa::Program build(const std::string& kernel, const std::string& variant, const Params& p,
                   isa::DType dt = isa::DType::kFp32) {
  const KernelDef& d = find_kernel(kernel);
  return d.build(resolve_config(d, p, dt), variant);
}

int count_ops(const isa::Program& prog, isa::Opcode op) {
  int n = 0;
  for (const isa::Instruction& ins : prog.instructions) n += ins.op == op;
  return n;
}

// HBM rows of tensor `name` read by dma_copy sources.
std::set<int64_t> rows_read(const isa::Program& prog, const std::string& name) {
  std::set<int64_t> rows;
  const auto ref = prog.find(name);
  for (const isa::Instruction& ins : prog.instructions) {
    if (ins.op != isa::Opcode::dma_copy) continue;
    const isa::View& v = ins.operand("src").view;
    if (!(v.buf == *ref)) continue;
    for (int64_t r = v.dims[0].start; r < v.dims[0].stop; r += v.dims[0].step) rows.insert(r);
  }
  return rows;
}

TEST(Attention, ReferenceIsCausalSoftmax) {
  // Two queries, two keys, D = 1: q = [1, 2], k = [0, ln 4 * sqrt(1) / 2], v = [10, 20].
  Mat q(2, 1), k(2, 1), v(2, 1);
  q << 1, 2;
  k << 0, std::log(4.0) / 2;
  v << 10, 20;
  Mat o = attention_reference(q, k, v);
  EXPECT_DOUBLE_EQ(o(0, 0), 10.0);  // query 0 sees key 0 only
  // query 1: scores 0 and ln 4 -> weights 1/5 and 4/5.
  EXPECT_NEAR(o(1, 0), 0.2 * 10 + 0.8 * 20, 1e-12);
}

TEST(Attention, FlashTakesOneOnlineStepPerKeyTile) {
  Params p{{"seq", 300}, {"q_heads", 1}, {"kv_heads", 1}, {"head_dim", 64}, {"kv_tile", 128}};
  isa::Program flash = build("flash_attention", "flash", p);
  // Query tiles 0, 128, 256 see 1, 2 and 3 key tiles: 6 score matmuls; the diagonal tiles are
  // masked (3 affine_selects); every step after the first rescales (3 alpha exps).
  int score_mm = 0;
  for (const isa::Instruction& ins : flash.instructions)
    score_mm += ins.op == isa::Opcode::nc_matmul &&
                flash.tiles[size_t(ins.operand("dst").view.buf.index)].name.rfind("s_ps", 0) == 0;
  EXPECT_EQ(score_mm, 6);
  EXPECT_EQ(count_ops(flash, isa::Opcode::affine_select), 3);
  p["kv_tile"] = 512;
  EXPECT_EQ(count_ops(build("flash_attention", "flash", p), isa::Opcode::affine_select), 3);
}

TEST(Attention, NaiveAndFlashAgree) {
  const KernelDef& d = find_kernel("flash_attention");
  KernelConfig c = resolve_config(
      d, {{"seq", 260}, {"q_heads", 2}, {"kv_heads", 1}, {"head_dim", 64}, {"kv_tile", 128}},
      isa::DType::kFp32);
  Tensors in = make_inputs(d, c, 5);
  isa::Program a = d.build(c, "naive"), b = d.build(c, "flash");
  Tensors oa = run_values(a, trn1_limits(), in), ob = run_values(b, trn1_limits(), in);
  EXPECT_TRUE(check_outputs(oa, ob, 1e-4).ok);
}

TEST(Attention, DecodeSplitsIntoParts) {
  Params p{{"batch", 1}, {"q_heads", 2}, {"kv_heads", 1}, {"head_dim", 64}, {"context", 700},
           {"splits", 3}};
  // Single pass: 700 scores in 2 PSUM chunks -> 2 scaled copies + 1 exp. Split: 700 keys in
  // 3 parts of 256 (233 rounded up to 128s) -> 3 x (1 copy + 1 exp) + 1 combine exp.
  EXPECT_EQ(count_ops(build("decode_attention", "single_pass", p), isa::Opcode::activation), 3);
  EXPECT_EQ(count_ops(build("decode_attention", "flash_decode", p), isa::Opcode::activation), 7);
}

TEST(Attention, RejectsBadParameters) {
  EXPECT_THROW(build("flash_attention", "flash", {{"kv_tile", 200}}), Error);
  EXPECT_THROW(build("flash_attention", "flash", {{"q_heads", 3}, {"kv_heads", 2}}), Error);
  EXPECT_THROW(build("flash_attention", "flash", {{"head_dim", 256}}), Error);
  EXPECT_THROW(build("decode_attention", "nope", {}), Error);
}

TEST(Moe, RoutingIsDeterministicDistinctAndNormalised) {
  Routing a = make_routing(50, 16, 4, 9), b = make_routing(50, 16, 4, 9);
  EXPECT_EQ(a.ids, b.ids);
  EXPECT_NE(a.ids, make_routing(50, 16, 4, 10).ids);
  for (size_t t = 0; t < a.ids.size(); ++t) {
    EXPECT_EQ(std::set<int64_t>(a.ids[t].begin(), a.ids[t].end()).size(), 4u);
    EXPECT_NEAR(a.weights.row(int64_t(t)).sum(), 1.0, 1e-6);
  }
  Mat g = dense_gates(a, 16);
  EXPECT_EQ((g.array() != 0).count(), 50 * 4);
  EXPECT_THROW(make_routing(4, 4, 5, 1), Error);
}

TEST(Moe, SelectedLoadsOnlyRoutedExperts) {
  Params p{{"tokens", 2}, {"hidden", 128}, {"inter", 128}, {"experts", 16}, {"top_k", 2},
           {"route_seed", 4}};
  Routing r = make_routing(2, 16, 2, 4);
  std::set<int64_t> routed;
  for (const auto& ids : r.ids) routed.insert(ids.begin(), ids.end());
  std::set<int64_t> loaded;
  for (int64_t row : rows_read(build("moe_experts", "selected", p), "w_gate"))
    loaded.insert(row / 128);
  EXPECT_EQ(loaded, routed);
  EXPECT_EQ(rows_read(build("moe_experts", "dense_all", p), "w_gate").size(), 16u * 128);
}

TEST(Moe, PrefillBlocksFollowTheRouting) {
  Params p{{"tokens", 40}, {"hidden", 128}, {"inter", 128}, {"experts", 8}, {"top_k", 2},
           {"block", 4}};
  Routing r = make_routing(40, 8, 2, 1);
  std::vector<int64_t> per_expert(8, 0);
  for (const auto& ids : r.ids)
    for (int64_t e : ids) ++per_expert[e];
  int64_t blocks = 0;
  for (int64_t n : per_expert) blocks += (n + 3) / 4;
  // One x transpose per block (hidden = 128) and one row store per routed (token, slot).
  isa::Program prog = build("moe_experts_prefill", "blockwise", p);
  EXPECT_EQ(count_ops(prog, isa::Opcode::nc_transpose), blocks);
  EXPECT_EQ(int64_t(rows_read(prog, "x").size()), 40);
}

TEST(Moe, RouterVariantsAgreeOnIds) {
  const KernelDef& d = find_kernel("moe_router");
  KernelConfig c = resolve_config(
      d, {{"tokens", 20}, {"hidden", 64}, {"experts", 32}, {"top_k", 10}}, isa::DType::kFp32);
  Tensors in = make_inputs(d, c, 3);
  isa::Program a = d.build(c, "softmax_topk"), b = d.build(c, "topk_softmax");
  Tensors oa = run_values(a, trn1_limits(), in), ob = run_values(b, trn1_limits(), in);
  EXPECT_EQ(oa.at("topk_ids"), ob.at("topk_ids"));
  EXPECT_TRUE(check_outputs(oa, d.reference(c, in), 1e-4).ok);
}

TEST(FusedNorm, OnlySeparateUsesScratch) {
  Params p{{"tokens", 64}, {"hidden", 256}, {"out", 512}};
  EXPECT_TRUE(build("rmsnorm_matmul", "separate", p).find("xn").has_value());
  EXPECT_FALSE(build("rmsnorm_matmul", "fused", p).find("xn").has_value());
  EXPECT_FALSE(build("rmsnorm_matmul", "fused_post_scale", p).find("xn").has_value());
}

}  // namespace
}  // namespace trnsim::kernels
