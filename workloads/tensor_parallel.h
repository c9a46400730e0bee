// Per-rank shapes of a decoder layer under Megatron-style tensor parallelism of degree TP
// (the collectives it needs are costed in collectives.h).
//   column parallel: q/k/v, gate/up (and each expert's gate/up) split their output columns;
//   row parallel:    o_proj, down (and each expert's down) split their input rows, followed by
//                    an all-reduce of the [tokens, hidden] partial sums;
//   lm_head:         vocabulary split (each rank computes V/TP logits; all-gather after).
// KV heads: split when TP divides them, replicated (one per rank) when TP is a multiple of them.
// Router and norms are replicated.
#pragma once

#include <cstdint>

#include "workloads/collectives.h"  // all_reduce_ns, all_gather_ns, LinkSpec
#include "workloads/hf_config.h"

namespace trnsim::workloads {

struct RankShapes {
  int64_t tp = 1;
  int64_t q_heads = 0, kv_heads = 0, head_dim = 0;
  int64_t q_cols = 0, kv_cols = 0;  // q_proj and k_proj/v_proj output columns
  int64_t o_in = 0;                 // o_proj input rows (= q_cols)
  int64_t mlp_inter = 0;            // dense MLP intermediate per rank (gate+up = 2x this)
  int64_t expert_inter = 0;         // per-expert intermediate per rank (MoE)
  int64_t vocab = 0;                // lm_head columns per rank
  int64_t hidden = 0;
};

// Throws trnsim::Error when TP does not divide heads, intermediate sizes or vocab.
RankShapes rank_shapes(const ModelConfig& c, int64_t tp);

}  // namespace trnsim::workloads
