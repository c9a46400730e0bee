// The `stream` variant of matmul: a decode GEMV/GEMM (few rows M of activations) that streams
// the weight matrix b[K, N] from HBM at the DMA engines' sustained rate. Any M works (the
// weights are streamed once per 128-row M tile), but it is meant for M <= 128.
//   - a_t [K, M] is loaded once and stays resident (K tiles side by side in one SBUF tile);
//   - b is read in chunks of [128 K rows, bn * 512 columns]: every row of a chunk is one
//     contiguous run of bn * 512 elements in HBM (4 KiB per partition for bn = 4 in bf16, where
//     the DMA guide's efficiency curve saturates), and each chunk DMA is spread by the
//     simulator over all 16 queues (8 rows per queue);
//   - kStreamBuffers chunks are in flight, so the next loads are queued while the tensor engine
//     consumes the current chunk and the ~1.3 us semaphore-to-DMA latency of a reused buffer is
//     hidden behind the chunks still streaming;
//   - each chunk's bn matmuls accumulate over K into bn PSUM banks (double buffered across
//     column blocks), evacuated alternately by ScalarE and VectorE and stored.
#pragma once

#include <cstdint>

#include "kernels/builder.h"

namespace trnsim::kernels {

inline constexpr int kStreamBuffers = 8;

// Emits c[M, N] = a_t[K, M]^T @ w[K, N] into the builder.
void build_matmul_stream(Builder& b, const Ref& a_t, const Ref& w, const Ref& c, int64_t bn,
                         isa::DType dtype);

}  // namespace trnsim::kernels
