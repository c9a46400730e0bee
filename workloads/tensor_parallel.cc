#include "workloads/tensor_parallel.h"

#include <string>

#include "isa/error.h"

namespace trnsim::workloads {
namespace {

int64_t split(const ModelConfig& c, int64_t n, int64_t tp, const std::string& what) {
  if (n % tp != 0)
    throw Error(c.name + ": tensor parallel degree " + std::to_string(tp) + " does not divide " +
                what + " (" + std::to_string(n) + ")");
  return n / tp;
}

}  // namespace

RankShapes rank_shapes(const ModelConfig& c, int64_t tp) {
  if (tp < 1) throw Error("tensor parallel degree must be >= 1, got " + std::to_string(tp));
  RankShapes r;
  r.tp = tp;
  r.hidden = c.hidden_size;
  r.head_dim = c.head_dim;
  r.q_heads = split(c, c.num_heads, tp, "num_attention_heads");
  if (c.num_kv_heads % tp == 0) {
    r.kv_heads = c.num_kv_heads / tp;
  } else if (tp % c.num_kv_heads == 0) {
    r.kv_heads = 1;  // replicated KV heads
  } else {
    throw Error(c.name + ": tensor parallel degree " + std::to_string(tp) +
                " neither divides nor is a multiple of num_key_value_heads (" +
                std::to_string(c.num_kv_heads) + ")");
  }
  r.q_cols = r.q_heads * c.head_dim;
  r.kv_cols = r.kv_heads * c.head_dim;
  r.o_in = r.q_cols;
  if (c.is_moe()) {
    r.expert_inter = split(c, c.moe_intermediate_size, tp, "moe_intermediate_size");
  } else {
    r.mlp_inter = split(c, c.intermediate_size, tp, "intermediate_size");
  }
  r.vocab = split(c, c.vocab_size, tp, "vocab_size");
  return r;
}

}  // namespace trnsim::workloads
