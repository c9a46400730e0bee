// Values-only execution of a kernel program and the comparison of its outputs with a float64
// reference. Used by the kernel tests and by `rank` (which must never rank wrong values).
#pragma once

#include <string>

#include "isa/access_pattern.h"  // machine_state.h uses AccessPattern
#include "isa/core_limits.h"
#include "isa/semantics/machine_state.h"
#include "kernels/registry.h"

namespace trnsim::kernels {

// NeuronCore-v2 (trn1) on-chip limits: 128 partitions x 192 KiB SBUF, 16 KiB PSUM in 2 KiB banks.
isa::CoreLimits trn1_limits();

// Writes `inputs` (by tensor name, shapes must match) into the HBM images of `st`.
void write_inputs(isa::MachineState& st, const Tensors& inputs);
// Reads every output tensor of the program as float64.
Tensors read_outputs(const isa::MachineState& st);

// Validates `prog` (placing tiles), runs it on the functional plane and returns its outputs.
Tensors run_values(isa::Program& prog, const isa::CoreLimits& limits, const Tensors& inputs);

struct CheckResult {
  bool ok = true;
  double max_abs_err = 0;
  double max_rel_err = 0;  // max |out - ref| / (|ref| + atol)
  std::string message;     // first failing tensor and element, or empty
};

// Tolerance for outputs stored in `dtype`: |out - ref| <= rtol * (|ref| + rms(ref)).
double default_rtol(isa::DType dtype);
CheckResult check_outputs(const Tensors& outputs, const Tensors& reference, double rtol);

}  // namespace trnsim::kernels
