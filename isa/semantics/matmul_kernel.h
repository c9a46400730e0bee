// The fp32 product kernel of nc_matmul, with runtime CPU dispatch (isa/semantics/cpu_level.h).
// Every variant computes each output element in the documented order (see nc_matmul):
// acc = 0; for k = 0..K-1: acc = acc + (s[k,m] * v[k,n]), each product and each sum rounded to
// fp32 (the library builds with -ffp-contract=off). So all variants give bit-identical results;
// they only vectorise across independent outputs (register blocks of rows x vectors of
// columns). The AVX2 and AVX-512 variants use fused multiply-adds when the operands make every
// product exact in fp32 (bf16, fp16 and fp8 values of moderate magnitude): then one rounding of
// product + sum is the rounding of the sum, so the bits do not change.
#pragma once

#include <cstdint>

#include "isa/semantics/cpu_level.h"

namespace trnsim::isa::sem {

// sum[m, n] = sum over k of s[k*M + m] * v[k*N + n], for m < M, n < N: s is the stationary
// operand [K, M] and v the moving operand [K, N], both row-major as read from their views.
// Stores out[m*out_stride + n] = sum[m, n], or with `accumulate` out[...] = sum[m, n] + out[...]
// (the finished sum plus the value held, one more fp32 rounding).
using MatmulKernel = void (*)(const float* s, const float* v, float* out, int64_t m_dim,
                              int64_t k_dim, int64_t n_dim, int64_t out_stride, bool accumulate);

// The kernel compiled for `level` (which the CPU must support: pass it through
// cpu_level_capped()).
MatmulKernel matmul_kernel_for(CpuLevel level);
// The kernel of cpu_level().
MatmulKernel matmul_kernel();

}  // namespace trnsim::isa::sem
