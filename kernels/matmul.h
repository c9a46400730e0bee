// Matrix multiply c[M, N] = a_t[K, M]^T @ b[K, N] (a given transposed, as the tensor engine's
// stationary operand wants it), bf16 or fp32 in HBM, fp32 accumulation in PSUM. Any shape:
// edge tiles in M, N and K are handled. Variants are the classic NKI schedule ladder:
//   naive          loads of both operands inside the contraction loop
//   hoisted        the a_t stripe of an M tile loaded once and reused for every N tile
//   blocked        free dimensions blocked (bm M tiles x bn N tiles share their loads)
//   fully_blocked  M, N and K blocked, large DMAs, accumulation across K blocks in SBUF
//   thin           GEMV/GEMM for decode (small M): a_t resident, b streamed in wide chunks
//   stream         decode GEMV/GEMM streaming b at DMA peak (matmul_stream.h)
#pragma once

#include "kernels/registry.h"

namespace trnsim::kernels {

KernelDef matmul_kernel();

}  // namespace trnsim::kernels
