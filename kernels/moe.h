// Mixture-of-experts kernels (Qwen3-30B-A3B style: softmax router, top-k with renormalised
// weights, SwiGLU experts).
//
//   moe_router           logits = x @ w_router (x given as x_t [H, T]); fp32 softmax over E
//                        experts; top-k (max8 + nc_find_index8, nc_match_replace8 for k > 8);
//                        weights renormalised over the k chosen. Outputs topk_w [T, k] fp32 and
//                        topk_ids [T, k] int32 (descending weight).
//   moe_experts          decode: y = sum_e gates[:, e] * ffn_e(x), x_t [H, T], gates [T, E]
//   moe_experts_prefill  expert_out[t*k + s] = ffn_{id(t, s)}(x[t]), x [T, H] token-major
//   moe_combine          y[t] = sum_s topk_w[t, s] * expert_out[t*k + s]
// with ffn_e(x) = (silu(x @ wg_e) * (x @ wu_e)) @ wd_e; expert weights stacked in HBM:
// w_gate/w_up [E*H, I] (expert e at rows e*H), w_down [E*I, H] (rows e*I).
//
// APPROX: a trace is static, so data-dependent control flow (which experts run, which tokens
// each expert sees) is resolved when the trace is built, as NKI kernels with host-side routing
// do. The expert kernels therefore take the routing as a build parameter: `route_seed` picks a
// pseudo-random top-k routing (make_routing) that the build uses for its loops and DMAs and
// the input generator writes into the gate tensors, so values and schedule agree.
#pragma once

#include <cstdint>
#include <vector>

#include "kernels/registry.h"

namespace trnsim::kernels {

struct Routing {
  std::vector<std::vector<int64_t>> ids;  // [T][k]: distinct experts per token
  Mat weights;                            // [T, k], positive, each row sums to 1 (fp32 values)
};

// Deterministic in (tokens, experts, top_k, seed).
Routing make_routing(int64_t tokens, int64_t experts, int64_t top_k, uint64_t seed);
// [T, E]: routing weight of (token, expert), 0 where the expert is not selected.
Mat dense_gates(const Routing& r, int64_t experts);

KernelDef moe_router_kernel();
KernelDef moe_experts_kernel();
KernelDef moe_experts_prefill_kernel();
KernelDef moe_combine_kernel();

}  // namespace trnsim::kernels
