// rmsnorm_matmul: y = rmsnorm(x) * w_norm @ w, the RMSNorm feeding the next projection
// (q/k/v or gate/up) of a transformer layer. x [T, H] token-major, w_norm [1, H], w [H, N].
//   separate          rmsnorm pass writes the normalised rows to an HBM scratch tensor, the
//                     matmul pass reads them back
//   fused             normalised rows stay in SBUF and are transposed straight into the matmul
//   fused_post_scale  x * w_norm goes into the matmul while the row statistics are computed;
//                     the per-token 1/rms scales the PSUM result on evacuation (row scaling
//                     commutes with the matmul)
#pragma once

#include "kernels/registry.h"

namespace trnsim::kernels {

KernelDef rmsnorm_matmul_kernel();

}  // namespace trnsim::kernels
