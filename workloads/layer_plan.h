// The ops of one decoder layer (and of the model head) on one tensor-parallel rank, as kernel
// invocations with their problem shapes and multiplicities. Every layer of a model has the
// same shapes, so one plan serves all layers (exact by construction: the per-layer programs
// are identical; only weights differ).
//   prefill: B sequences of P tokens, rows = B*P for the token-wise ops;
//   decode:  B sequences, one new token each, attention over a KV cache of L positions.
// Attention is one fused kernel (flash_attention per sequence in prefill, decode_attention for
// the batch in decode) when the kernel set names one; otherwise it is composed per KV head from
// matmul + softmax + matmul: the query heads of a GQA group are stacked as rows (M = tokens x
// group), scores [M, L], values [M, D]. APPROX: causal masking does not shorten the prefill
// attention work (full L per row); MoE tokens are spread uniformly over the experts (expected
// distinct experts for T*k picks); the top-k selection and the weighted combine of expert outputs
// are not simulated (small elementwise work); layouts handed from one kernel to the next
// (transposes) are free.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "kernels/registry.h"
#include "workloads/hf_config.h"
#include "workloads/kernel_set.h"
#include "workloads/tensor_parallel.h"

namespace trnsim::workloads {

struct OpInstance {
  std::string name;       // e.g. "qkv_proj", "attn_scores"
  std::string role;       // kernel set role
  kernels::Params shape;  // the kernel's problem-shape parameters
  double count = 1;       // invocations per layer (per head, per expert ...)
};

struct PlanShape {
  Phase phase = Phase::kPrefill;
  int64_t batch = 1;
  int64_t tokens = 1;            // per sequence: P (prefill) or 1 (decode)
  int64_t kv_len = 1;            // cache length attended to, including the new tokens
  bool fused_attention = false;  // one attention kernel instead of scores/softmax/values
};

std::vector<OpInstance> layer_ops(const ModelConfig& c, const RankShapes& r, const PlanShape& s);
// Final norm and lm_head (logits of the last token of each sequence only).
std::vector<OpInstance> head_ops(const ModelConfig& c, const RankShapes& r, const PlanShape& s);
// Bytes all-reduced per layer (two: after o_proj and after the MLP) and the embedding gather.
int64_t layer_all_reduce_bytes(const ModelConfig& c, const PlanShape& s, isa::DType dtype);
// Expected number of distinct experts hit by `picks` uniform top-k picks over E experts.
double expected_active_experts(int64_t num_experts, int64_t top_k, int64_t tokens);

}  // namespace trnsim::workloads
