// Rotary position embedding (rotate-half convention, as in HF Llama/Qwen) applied to Q and K:
//   out[..., :D/2] = x1 * cos - x2 * sin,  out[..., D/2:] = x2 * cos + x1 * sin
// q [T, Hq*D], k [T, Hkv*D] (tokens on partitions); cos/sin tables [T, D/2] fp32 are kernel
// constants computed on the host from positions pos0..pos0+T-1 and the frequency rule:
//   rope=0  plain theta (Qwen3, theta 1e6)
//   rope=1  Llama 3 frequency scaling (theta 5e5, factor 32, low/high freq factors 1/4,
//           original context 8192)
// Rotation happens in place in SBUF (one load and one store per tensor tile).
#pragma once

#include <vector>

#include "kernels/registry.h"

namespace trnsim::kernels {

KernelDef rope_kernel();

// Inverse frequencies (D/2 of them) for the rule `rope` (0 or 1) and head_dim D.
std::vector<double> rope_inv_freq(int rope, int64_t head_dim);

}  // namespace trnsim::kernels
