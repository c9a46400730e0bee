#include "workloads/layer_plan.h"

#include <algorithm>
#include <cmath>

namespace trnsim::workloads {

double expected_active_experts(int64_t num_experts, int64_t top_k, int64_t tokens) {
  // Each token picks top_k distinct experts; an expert is missed by one token with probability
  // 1 - k/E, by all tokens with (1 - k/E)^T.
  const double miss = std::pow(1.0 - double(top_k) / double(num_experts), double(tokens));
  return double(num_experts) * (1.0 - miss);
}

namespace {

void add_decomposed_attention(std::vector<OpInstance>& ops, int64_t m, int64_t len, int64_t d,
                              double heads) {
  ops.push_back({"attn_scores", "attn_scores", {{"M", m}, {"N", len}, {"K", d}}, heads});
  ops.push_back({"attn_softmax", "attn_softmax", {{"rows", m}, {"cols", len}}, heads});
  ops.push_back({"attn_values", "attn_values", {{"M", m}, {"N", d}, {"K", len}}, heads});
}

}  // namespace

std::vector<OpInstance> layer_ops(const ModelConfig& c, const RankShapes& r, const PlanShape& s) {
  const int64_t rows = s.batch * s.tokens;
  const int64_t h = c.hidden_size, d = c.head_dim;
  const int64_t group = r.q_heads / r.kv_heads;
  std::vector<OpInstance> ops;
  ops.push_back({"input_norm", "norm", {{"rows", rows}, {"cols", h}}, 1});
  ops.push_back(
      {"qkv_proj", "qkv_proj", {{"M", rows}, {"N", r.q_cols + 2 * r.kv_cols}, {"K", h}}, 1});
  if (c.qk_norm)
    ops.push_back(
        {"qk_norm", "qk_norm", {{"rows", rows * (r.q_heads + r.kv_heads)}, {"cols", d}}, 1});
  ops.push_back({"rope",
                 "rope",
                 {{"tokens", rows},
                  {"heads_q", r.q_heads},
                  {"heads_kv", r.kv_heads},
                  {"head_dim", d},
                  {"rope", c.rope_scaling.enabled ? 1 : 0},
                  {"pos0", s.kv_len - s.tokens}},
                 1});
  const int64_t m = s.tokens * group;
  const double heads = double(s.batch * r.kv_heads);
  if (s.fused_attention && s.phase == Phase::kPrefill) {
    ops.push_back(
        {"attention",
         "attention_prefill",
         {{"seq", s.tokens}, {"q_heads", r.q_heads}, {"kv_heads", r.kv_heads}, {"head_dim", d}},
         double(s.batch)});
  } else if (s.fused_attention) {
    ops.push_back({"attention",
                   "attention_decode",
                   {{"batch", s.batch},
                    {"q_heads", r.q_heads},
                    {"kv_heads", r.kv_heads},
                    {"head_dim", d},
                    {"context", s.kv_len}},
                   1});
  } else {
    add_decomposed_attention(ops, m, s.kv_len, d, heads);
  }
  ops.push_back({"o_proj", "o_proj", {{"M", rows}, {"N", h}, {"K", r.o_in}}, 1});
  ops.push_back({"post_attn_norm", "norm", {{"rows", rows}, {"cols", h}}, 1});
  if (!c.is_moe()) {
    ops.push_back({"mlp", "mlp", {{"tokens", rows}, {"hidden", h}, {"inter", r.mlp_inter}}, 1});
    return ops;
  }
  ops.push_back({"router", "router", {{"M", rows}, {"N", c.num_experts}, {"K", h}}, 1});
  ops.push_back({"router_softmax", "router_softmax", {{"rows", rows}, {"cols", c.num_experts}}, 1});
  const double active = expected_active_experts(c.num_experts, c.experts_per_token, rows);
  const int64_t per_expert =
      std::max<int64_t>(1, int64_t(std::ceil(double(rows * c.experts_per_token) / active)));
  ops.push_back({"expert_mlp",
                 "expert_mlp",
                 {{"tokens", per_expert}, {"hidden", h}, {"inter", r.expert_inter}},
                 active});
  return ops;
}

std::vector<OpInstance> head_ops(const ModelConfig& c, const RankShapes& r, const PlanShape& s) {
  return {{"final_norm", "norm", {{"rows", s.batch}, {"cols", c.hidden_size}}, 1},
          {"lm_head", "lm_head", {{"M", s.batch}, {"N", r.vocab}, {"K", c.hidden_size}}, 1}};
}

int64_t layer_all_reduce_bytes(const ModelConfig& c, const PlanShape& s, isa::DType dtype) {
  return s.batch * s.tokens * c.hidden_size * isa::dtype_bytes(dtype);
}

}  // namespace trnsim::workloads
