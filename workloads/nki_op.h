// The author's NKI kernels inside `trnsim model`: each op role's argument convention, tracing a
// kernel through the NKI front end (kernels/nki/trnsim_nki) at an op's shapes, and running the
// traced program's values against the role's float64 reference op.
//
// Argument convention of a role: the HBM tensors of the role's library kernel (kernel_set.h
// kRoles) at the op's shape, baseline variant. The NKI kernel takes one parameter per input
// tensor, named as the tensor (bound by keyword; more parameters with defaults, or the kernel
// set's "kwargs", are allowed), each a 2-D [rows, cols] row-major HBM tensor of the listed
// dtype, and returns the output tensors (nl.shared_hbm) in the listed order (one tensor, or a
// tuple). `trnsim model --nki-roles` prints the table at a model's shapes.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "isa/core_limits.h"
#include "isa/program.h"
#include "kernels/registry.h"
#include "sim/run_result.h"
#include "workloads/kernel_set.h"

namespace trnsim::workloads {

struct TensorSpec {
  std::string name;
  std::vector<int64_t> shape;
  isa::DType dtype = isa::DType::kBf16;
  std::string text() const;  // "x [128, 2048] bfloat16"
};

struct RoleSignature {
  std::vector<TensorSpec> inputs, outputs;
  std::string text() const;  // "(x [..] bf16, ...) -> (y [..] bf16, ...)"
};

// The convention of `def` (the role's library kernel) at `kc`.
RoleSignature role_signature(const kernels::KernelDef& def, const kernels::KernelConfig& kc);

struct NkiProgram {
  isa::Program program;              // as traced (tiles placed by the NKI compiler or later)
  std::vector<std::string> returned;  // the program's tensor names, in signature.outputs order
  RoleSignature signature;
};

// Traces NKI kernels, once per (file, function, kwargs, argument shapes/dtypes, target).
class NkiTracer {
 public:
  explicit NkiTracer(std::string target) : target_(std::move(target)) {}
  // `where` names the op for error messages. Throws trnsim::Error with the front end's message
  // (no Python traceback) when the kernel does not trace or does not follow the convention.
  const NkiProgram& trace(const NkiKernelRef& k, const RoleSignature& sig, const std::string& where);
  int64_t traces() const { return traces_; }

 private:
  std::string target_;
  std::map<std::string, std::unique_ptr<NkiProgram>> cache_;
  int64_t traces_ = 0;
};

// Runs the traced program on `inputs` (by convention name; extra names the kernel does not take
// are ignored) on the functional plane; outputs are keyed by the convention's output names.
kernels::Tensors run_nki_values(const NkiProgram& p, const kernels::Tensors& inputs,
                                const isa::CoreLimits& limits);

// Tensor-engine MACs of a program's matmuls as the timing run counted them (flops / 2).
double instruction_macs(const sim::RunResult& r);

}  // namespace trnsim::workloads
