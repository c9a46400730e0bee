// The `stream` variant of the SwiGLU MLP, for decode (few tokens): every weight matrix is read
// from HBM in wide chunks and streamed at the DMA engines' sustained rate.
//   - gate/up: chunks [128 H rows, up to 2048 I columns] (4 KiB per partition in bf16, where the
//     DMA guide's efficiency curve saturates; the fused variant loads 128-column tiles, 256 B
//     per partition); each 128-column piece of a chunk is a stationary tile against x_t and
//     accumulates over H into its own slice of one PSUM bank, so a chunk covers
//     min(16, 512 / tokens) I tiles;
//   - silu(gate) * up per I block, from PSUM, into act_t [I, T] (the down projection's
//     stationary operand);
//   - down: chunks [128 I rows, up to 2048 H columns] moving against act_t, four PSUM banks of
//     512 H columns accumulating over I;
//   - kStreamBuffers chunks are in flight (a pool shared by the three weights), so loads queue
//     ahead of the tensor engine and a reused buffer's ~1.3 us semaphore-to-DMA latency hides.
// Tokens are processed in blocks of 128 (the weights are streamed once per block).
#pragma once

#include "kernels/builder.h"

namespace trnsim::kernels {

// y[T, H] = (silu(x_t^T @ wg) * (x_t^T @ wu)) @ wd; x_t [H, T], wg/wu [H, I], wd [I, H].
void build_swiglu_stream(Builder& b, const Ref& x_t, const Ref& wg, const Ref& wu, const Ref& wd,
                         const Ref& y, isa::DType dtype);

}  // namespace trnsim::kernels
