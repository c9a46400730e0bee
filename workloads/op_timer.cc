#include "workloads/op_timer.h"

#include "isa/error.h"
#include "isa/validate.h"
#include "sim/simulate.h"

namespace trnsim::workloads {

kernels::KernelConfig op_config(const OpInstance& op, const KernelChoice& choice,
                                isa::DType dtype) {
  const kernels::KernelDef& def = kernels::find_kernel(choice.kernel);
  kernels::Params p = choice.params;
  for (const auto& [k, v] : op.shape) p[k] = v;
  return kernels::resolve_config(def, p, dtype);
}

OpTiming OpTimer::time(const OpInstance& op, Phase phase) {
  const KernelChoice& choice = set_.choice(op.role, phase);
  const kernels::KernelDef& def = kernels::find_kernel(choice.kernel);
  const kernels::KernelConfig kc = op_config(op, choice, set_.dtype);
  const std::string key = choice.kernel + "/" + choice.variant + "/" +
                          std::string(isa::dtype_name(kc.dtype)) + "/" +
                          kernels::params_to_string(kc.params);
  auto it = cache_.find(key);
  if (it != cache_.end()) return it->second;
  OpTiming t;
  try {
    isa::Program prog = def.build(kc, choice.variant);
    isa::validate(prog, hw_.memory.limits);
    t.instructions = int64_t(prog.instructions.size());
    t.ns = sim::simulate(prog, hw_, sim::Mode::kTimingOnly, nullptr).total_ns;
  } catch (const Error& e) {
    throw Error("op " + op.name + " (kernel " + choice.kernel + ", variant " + choice.variant +
                ", " + kernels::params_to_string(kc.params) + "): " + e.what());
  }
  t.macs = def.flops(kc) / 2;
  ++simulations_;
  cache_.emplace(key, t);
  return t;
}

}  // namespace trnsim::workloads
