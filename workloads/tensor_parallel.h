// Per-rank shapes of a decoder layer under Megatron-style tensor parallelism of degree TP, and
// the cost of the collectives it needs.
//   column parallel: q/k/v, gate/up (and each expert's gate/up) split their output columns;
//   row parallel:    o_proj, down (and each expert's down) split their input rows, followed by
//                    an all-reduce of the [tokens, hidden] partial sums;
//   lm_head:         vocabulary split (each rank computes V/TP logits; all-gather after).
// KV heads: split when TP divides them, replicated (one per rank) when TP is a multiple of them.
// Router and norms are replicated.
#pragma once

#include <cstdint>

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

// APPROX: ring all-reduce over TP ranks on identical links, no overlap with compute:
//   2 (TP-1)/TP * bytes / link_bytes_per_ns + 2 (TP-1) * hop_latency_ns.
// All-gather: half of that. Default numbers are assumptions (NeuronLink order of magnitude),
// overridable on the command line.
struct LinkSpec {
  double link_bytes_per_ns = 100.0;  // 100 GB/s per direction per link
  double hop_latency_ns = 2000.0;    // per ring step (launch + synchronisation)
};
double all_reduce_ns(int64_t bytes, int64_t tp, const LinkSpec& link);
double all_gather_ns(int64_t bytes, int64_t tp, const LinkSpec& link);

}  // namespace trnsim::workloads
