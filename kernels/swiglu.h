// SwiGLU MLP: y[T, H] = (silu(x @ wg) * (x @ wu)) @ wd, with x given transposed, x_t [H, T]
// (hidden on partitions, the layout a preceding projection or norm hands over), wg/wu [H, I],
// wd [I, H]. The gate/up results are produced transposed, act_t [I, T], which is directly the
// stationary operand of the down projection. Tokens T <= 512 per token block (loop over blocks).
//   fused     gate and up of one I tile back to back; silu and multiply straight from PSUM
//   separate  all gate tiles (silu) to SBUF, then all up tiles, then one multiply pass
//   stream    decode: every weight streamed in wide chunks at DMA peak (swiglu_stream.h)
#pragma once

#include "kernels/registry.h"

namespace trnsim::kernels {

KernelDef swiglu_kernel();

}  // namespace trnsim::kernels
