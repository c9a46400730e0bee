#include "kernels/kernel_list.h"

#include "kernels/elementwise.h"
#include "kernels/matmul.h"
#include "kernels/norms.h"
#include "kernels/rope.h"
#include "kernels/swiglu.h"

namespace trnsim::kernels {

std::vector<KernelDef> kernel_list() {
  return {rmsnorm_kernel(), rmsnorm_residual_kernel(), layernorm_kernel(), matmul_kernel(),
          softmax_kernel(), silu_kernel(), rope_kernel(),
          swiglu_kernel()};
}

}  // namespace trnsim::kernels
