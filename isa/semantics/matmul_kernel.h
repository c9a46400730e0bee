// The fp32 product kernel of nc_matmul, with runtime CPU dispatch (AVX-512, AVX2, baseline
// x86-64). Every variant computes each output element in the documented order (see
// nc_matmul): acc = 0; for k = 0..K-1: acc = acc + (w[m,k] * v[k,n]), each product and each
// sum rounded to fp32, no fused multiply-add (the library builds with -ffp-contract=off). So all
// variants give bit-identical results; they only vectorise across independent outputs.
#pragma once

#include <cstdint>
#include <string_view>

namespace trnsim::isa::sem {

// out[m*N + n] = sum over k of w[m*K + k] * v[k*N + n], for m < M, n < N (row-major arrays).
using MatmulKernel = void (*)(const float* w, const float* v, float* out, int64_t m_dim,
                              int64_t k_dim, int64_t n_dim);

struct MatmulVariant {
  std::string_view name;  // "avx512f", "avx2" or "baseline"
  MatmulKernel kernel;
  bool supported;  // the running CPU has the instructions
};

// Every variant, fastest first (baseline last, always supported).
const MatmulVariant* matmul_variants(int* count);
// The fastest supported variant (chosen once).
MatmulKernel matmul_kernel();

}  // namespace trnsim::isa::sem
