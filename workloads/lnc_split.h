// LNC=2: one tensor-parallel rank is a logical NeuronCore of two physical cores that share
// the HBM stack; every kernel of the rank is launched on both (NKI `kernel[2]`, the two
// programs told apart by nl.program_id) and each core does part of the op, as NxD Inference's
// LNC=2 kernels shard their work. Split per op (first rule that applies):
//   count >= 2 (per KV head attention pieces, per expert MLPs, per sequence prefill
//     attention): the invocations are shared out, ceil/floor (expected expert counts: halves);
//   matmul roles (qkv_proj, o_proj, router, lm_head): the output columns N (each core streams
//     half of the weight and reads all of the input);
//   norm, qk_norm, softmax roles: rows;
//   rope: query and KV heads when both are even, else tokens;
//   fused attention (prefill, decode): KV heads (with their query groups) when even; decode
//     then splits the batch;
//   mlp (SwiGLU): tokens when there are at least 2 x 128 of them, else the intermediate
//     dimension; the two halves of the down projection are then partial sums of the whole
//     [tokens, hidden] output, which one core sends to the other (reduce_bytes, fp32).
// An op with nothing to split (one row, one head) runs on core 0 while core 1 idles.
// Op time = max over the cores + the pair barrier + the partial-sum exchange (model_timing).
// APPROX: HBM bandwidth is shared statically: each core is simulated with its per-core share
// of the chip's HBM bandwidth (dma.hbm_bytes_per_ns of the target config = chip bandwidth /
// physical cores, i.e. half of the pair's stack), also while the other core idles. The add of
// the received partial sums is not simulated (one vector pass over [tokens, hidden]).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "workloads/layer_plan.h"

namespace trnsim::workloads {

struct LncSplit {
  std::vector<OpInstance> cores;  // the work of each core that has work (1 or lnc entries)
  std::string split_dim;          // parameter (or "count") that was split, "" if none
  int64_t reduce_bytes = 0;       // partial sums sent between the cores after the op
};

// `lnc` 1 returns the op unchanged on one core. Throws trnsim::Error for lnc outside {1, 2}.
LncSplit lnc_split(const OpInstance& op, int64_t lnc);

}  // namespace trnsim::workloads
