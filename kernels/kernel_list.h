// The list of kernel families (one constructor per kernels/<family>.h), read by the registry.
#pragma once

#include <vector>

#include "kernels/registry.h"

namespace trnsim::kernels {

std::vector<KernelDef> kernel_list();

}  // namespace trnsim::kernels
