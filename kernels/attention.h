// Attention kernels (Llama 3.2 / Qwen3 style, causal, grouped-query).
//
// Layouts follow the NKI flash attention kernels: queries and keys are given transposed, head_dim
// on the partitions (q_t [Hq*D, S], k_t [Hkv*D, S]: head h occupies rows h*D..h*D+D), so
// QK^T is one nc_matmul with q_t as the stationary and k_t as the moving operand; values keep
// the sequence on the partitions (v [S, Hkv*D]) so P@V contracts over keys with P^T (made by
// nc_transpose) as the stationary operand. Output o [S, Hq*D], token-major. Query head h reads
// key/value head h / (Hq / Hkv).
//
//   flash_attention   prefill: softmax(q k^T / sqrt(D) + causal mask) v
//                       naive: each 128-query tile materialises its whole score row in SBUF
//                       flash: online softmax over key tiles (running max and sum, rescaled
//                              accumulator), kv_tile keys per step, K/V loaded per step
//                       flash_kv_resident: flash with q^T per head and K^T/V per kv head
//                              loaded once and reused by every query tile of the group
//   decode_attention  one new token per sequence against a KV cache of `context` tokens:
//                       single_pass: all scores of a (sequence, kv head) at once
//                       flash_decode: the cache split into `splits` parts, each with its own
//                                     max/sum/partial output, then one combine
//   qk_norm           Qwen3 per-head RMSNorm of q or k with a learned [1, D] weight
#pragma once

#include "kernels/registry.h"

namespace trnsim::kernels {

KernelDef flash_attention_kernel();
KernelDef decode_attention_kernel();
KernelDef qk_norm_kernel();

// Masked-out scores: finite so that exp(masked - max) is exactly 0 and max() never sees -inf.
inline constexpr double kMaskedScore = -1e30;

// float64 reference of causal GQA attention for one query head: q [Sq, D], k/v [Sk, D];
// query row i sees keys j <= i + (Sk - Sq) (Sq == Sk for prefill; Sq = 1 for decode).
Mat attention_reference(const Mat& q, const Mat& k, const Mat& v);

}  // namespace trnsim::kernels
