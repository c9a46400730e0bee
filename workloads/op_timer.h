// Simulated time of one op instance: builds the chosen kernel variant for the op's shape (or
// traces the author's NKI kernel for the role, nki_op.h), validates it and runs the timing plane
// (sim::simulate, timing only). Results are cached by (kernel, variant or NKI kernel, dtype, all
// parameters), so repeated shapes (every layer, every decode step in one length bucket) are
// simulated once.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include "sim/config/hw_config.h"
#include "sim/run_result.h"
#include "workloads/kernel_set.h"
#include "workloads/layer_plan.h"
#include "workloads/nki_op.h"

namespace trnsim::workloads {

struct OpTiming {
  double ns = 0;    // one invocation
  double macs = 0;  // one invocation: the op's MACs (flops / 2 of the role's kernel FLOP count)
  // MACs the NKI kernel's instructions did (tensor-engine matmuls of the timing run), capped at
  // `macs` (APPROX: redundant or padded matmul work earns nothing); 0 for library kernels.
  double nki_macs = 0;
  int64_t instructions = 0;
  // The simulated program and its records (kept only with OpTimer::keep_runs, for timelines).
  std::shared_ptr<const isa::Program> program;
  std::shared_ptr<const sim::RunResult> run;
};

class OpTimer {
 public:
  // `nki` traces the NKI kernels of the set (shared with the values check); null: an own tracer
  // for the hardware's target.
  OpTimer(const sim::HwConfig& hw, const KernelSet& set, NkiTracer* nki = nullptr);
  OpTiming time(const OpInstance& op, Phase phase);
  int64_t simulations() const { return simulations_; }
  const KernelSet& kernel_set() const { return set_; }
  const sim::HwConfig& hw() const { return hw_; }
  NkiTracer& nki() { return *nki_; }
  void keep_runs(bool keep) { keep_runs_ = keep; }

 private:
  const sim::HwConfig& hw_;
  const KernelSet& set_;
  std::unique_ptr<NkiTracer> own_nki_;
  NkiTracer* nki_;
  std::map<std::string, OpTiming> cache_;
  int64_t simulations_ = 0;
  bool keep_runs_ = false;
};

// The kernel configuration (shape + schedule parameters, dtype) of an op under a choice.
kernels::KernelConfig op_config(const OpInstance& op, const KernelChoice& choice, isa::DType dtype);

}  // namespace trnsim::workloads
