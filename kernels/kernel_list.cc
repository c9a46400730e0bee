#include "kernels/kernel_list.h"

#include "kernels/attention.h"
#include "kernels/elementwise.h"
#include "kernels/fused_norm.h"
#include "kernels/matmul.h"
#include "kernels/moe.h"
#include "kernels/norms.h"
#include "kernels/rope.h"
#include "kernels/swiglu.h"

namespace trnsim::kernels {

std::vector<KernelDef> kernel_list() {
  return {rmsnorm_kernel(), rmsnorm_residual_kernel(), layernorm_kernel(), matmul_kernel(),
          softmax_kernel(), silu_kernel(), rope_kernel(),
          swiglu_kernel(), flash_attention_kernel(), decode_attention_kernel(),
          qk_norm_kernel(), moe_router_kernel(), moe_experts_kernel(),
          moe_experts_prefill_kernel(), moe_combine_kernel(), rmsnorm_matmul_kernel()};
}

}  // namespace trnsim::kernels
