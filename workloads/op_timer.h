// Simulated time of one op instance: builds the chosen kernel variant for the op's shape,
// validates it and runs the timing plane (sim::simulate, timing only). Results are cached by
// (kernel, variant, dtype, all parameters), so repeated shapes (every layer, every decode step
// in one length bucket) are simulated once.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "sim/config/hw_config.h"
#include "workloads/kernel_set.h"
#include "workloads/layer_plan.h"

namespace trnsim::workloads {

struct OpTiming {
  double ns = 0;    // one invocation
  double macs = 0;  // one invocation (flops / 2 of the kernel's FLOP count)
  int64_t instructions = 0;
};

class OpTimer {
 public:
  OpTimer(const sim::HwConfig& hw, const KernelSet& set) : hw_(hw), set_(set) {}
  OpTiming time(const OpInstance& op, Phase phase);
  int64_t simulations() const { return simulations_; }
  const KernelSet& kernel_set() const { return set_; }
  const sim::HwConfig& hw() const { return hw_; }

 private:
  const sim::HwConfig& hw_;
  const KernelSet& set_;
  std::map<std::string, OpTiming> cache_;
  int64_t simulations_ = 0;
};

// The kernel configuration (shape + schedule parameters, dtype) of an op under a choice.
kernels::KernelConfig op_config(const OpInstance& op, const KernelChoice& choice, isa::DType dtype);

}  // namespace trnsim::workloads
