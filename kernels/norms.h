// Normalisation kernels over the last dimension of x [rows, cols], rows tiled by 128
// partitions (edge tile handled), one whole row per partition.
//   rmsnorm           y = x * rsqrt(mean(x^2) + eps) * w
//   rmsnorm_residual  h = x + res; y = rmsnorm(h) * w   (outputs y and h)
//   layernorm         y = (x - mean) * rsqrt(var + eps) * gamma + beta
#pragma once

#include "kernels/builder.h"
#include "kernels/registry.h"

namespace trnsim::kernels {

inline constexpr double kRmsNormEps = 1e-6;
inline constexpr double kLayerNormEps = 1e-5;

KernelDef rmsnorm_kernel();
KernelDef rmsnorm_residual_kernel();
KernelDef layernorm_kernel();

// float64 references, shared with kernels that fuse a norm.
Mat rmsnorm_reference(const Mat& x, const Mat& w_row, double eps);
Mat layernorm_reference(const Mat& x, const Mat& gamma_row, const Mat& beta_row, double eps);

// Emits the rmsnorm of one row tile in place: xt [rows, cols] <- rmsnorm(xt) * w_bcast.
// `scratch` [128, cols] fp32 receives x^2; `stat` and `rstd` are [128, 1] fp32 tiles;
// `eps_col` a constant column of eps. vector_stats chooses VectorE (square, reduce) instead of
// one fused ScalarE activation with accumulation.
void emit_rmsnorm_tile(Builder& b, const Ref& xt, const Ref& w_bcast,
                       const Ref& scratch, const Ref& stat, const Ref& rstd, const Ref& eps_col,
                       int64_t cols, bool vector_stats);

}  // namespace trnsim::kernels
