// Row-wise elementwise kernels over x [rows, cols] (rows tiled by 128 partitions, edge tile
// handled):
//   softmax  y = exp(x - max(x)) / sum(exp(x - max(x))) over the last dim
//   silu     y = x * sigmoid(x)
#pragma once

#include "kernels/registry.h"

namespace trnsim::kernels {

KernelDef softmax_kernel();
KernelDef silu_kernel();

Mat softmax_reference(const Mat& x);
Mat silu_reference(const Mat& x);

}  // namespace trnsim::kernels
