#include "workloads/op_timer.h"

#include <algorithm>

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

OpTimer::OpTimer(const sim::HwConfig& hw, const KernelSet& set, NkiTracer* nki)
    : hw_(hw), set_(set), nki_(nki) {
  if (!nki_) {
    own_nki_ = std::make_unique<NkiTracer>(hw.name);
    nki_ = own_nki_.get();
  }
}

OpTiming OpTimer::time(const OpInstance& op, Phase phase) {
  const KernelChoice& choice = set_.choice(op.role, phase);
  const kernels::KernelDef& def = kernels::find_kernel(choice.kernel);
  const kernels::KernelConfig kc = op_config(op, choice, set_.dtype);
  const std::string key = (choice.nki ? choice.nki->file + "::" + choice.nki->function + "/" +
                                            choice.nki->kwargs_json
                                      : choice.label()) +
                          "/" + std::string(isa::dtype_name(kc.dtype)) + "/" +
                          kernels::params_to_string(kc.params);
  auto it = cache_.find(key);
  if (it != cache_.end()) return it->second;
  OpTiming t;
  t.macs = def.flops(kc) / 2;
  const std::string where = "op " + op.name + " (" + kernels::params_to_string(op.shape) + ")";
  const std::string what =
      choice.nki ? where + " (NKI kernel " + choice.nki->spec + ")"
                 : "op " + op.name + " (kernel " + choice.kernel + ", variant " + choice.variant +
                       ", " + kernels::params_to_string(kc.params) + ")";
  std::shared_ptr<isa::Program> prog;
  if (choice.nki) {  // the tracer's errors name the op and the kernel
    prog = std::make_shared<isa::Program>(
        nki_->trace(*choice.nki, role_signature(def, kc), where).program);
  }
  try {
    if (!prog) prog = std::make_shared<isa::Program>(def.build(kc, choice.variant));
    isa::validate(*prog, hw_.memory.limits);
    t.instructions = int64_t(prog->instructions.size());
    auto run = std::make_shared<sim::RunResult>(
        sim::simulate(*prog, hw_, sim::Mode::kTimingOnly, nullptr));
    t.ns = run->total_ns;
    if (choice.nki) t.nki_macs = std::min(t.macs, instruction_macs(*run));
    if (keep_runs_) {
      t.program = prog;
      t.run = run;
    }
  } catch (const Error& e) {
    throw Error(what + ": " + e.what());
  }
  ++simulations_;
  cache_.emplace(key, t);
  return t;
}

}  // namespace trnsim::workloads
