// The kernel registry: every kernel family by name, with its parameter schema, schedule
// variants, program builder, independent float64 reference (Eigen, not built from the
// instruction semantics), FLOP count, minimum HBM traffic and input generator.
//
// Conventions shared by every kernel: HBM tensors are 2-D ([rows, cols], row major), inputs and
// outputs are exchanged as float64 matrices keyed by tensor name, and a kernel's dtype is the
// dtype of its activations/weights in HBM (PSUM accumulation is always fp32).
#pragma once

#include <Eigen/Core>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "isa/dtype.h"
#include "isa/program.h"

namespace trnsim::kernels {

using Mat = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using Tensors = std::map<std::string, Mat>;
using Params = std::map<std::string, int64_t>;

struct KernelConfig {
  Params params;
  isa::DType dtype = isa::DType::kFp32;
  int64_t get(const std::string& name) const;  // throws trnsim::Error if absent
};

struct ParamSpec {
  std::string name;
  int64_t default_value = 0;
  std::string help;
  bool schedule = false;  // a schedule (tiling) parameter rather than a problem shape
};

struct VariantSpec {
  std::string name;
  std::string summary;
};

struct KernelDef {
  std::string name;
  std::string summary;
  std::vector<ParamSpec> params;
  std::vector<VariantSpec> variants;  // variants[0] is the baseline
  std::vector<isa::DType> dtypes;     // supported; dtypes[0] is the default
  std::function<isa::Program(const KernelConfig&, const std::string& variant)> build;
  std::function<Tensors(const KernelConfig&, const Tensors& inputs)> reference;
  std::function<double(const KernelConfig&)> flops;
  std::function<double(const KernelConfig&)> min_hbm_bytes;
  // Optional: inputs for a seed (values already representable in their HBM dtype). When empty,
  // random_inputs() of the baseline program is used.
  std::function<Tensors(const KernelConfig&, uint64_t seed)> inputs;
  // Small parameter points (merged over the defaults) that the tests run for every variant and
  // dtype; they include shapes that are not multiples of 128.
  std::vector<Params> test_points;

  bool has_variant(const std::string& v) const;
};

const std::vector<KernelDef>& all_kernels();
// Throws trnsim::Error naming the known kernels.
const KernelDef& find_kernel(const std::string& name);

// Defaults filled in, unknown names rejected, dtype checked against the kernel's list.
KernelConfig resolve_config(const KernelDef& def, const Params& given, isa::DType dtype);
// "a=1,b=2" (also "a=1 b=2" or "axb" is not accepted) -> Params; throws trnsim::Error.
Params parse_params(const std::string& text);
std::string params_to_string(const Params& p);

// Normal(0,1) values for every input/constant tensor of `prog`, rounded into its dtype; one
// independent stream per tensor name.
Tensors random_inputs(const isa::Program& prog, uint64_t seed);
// The inputs a kernel runs on: def.inputs when set, else random_inputs of the baseline build.
Tensors make_inputs(const KernelDef& def, const KernelConfig& cfg, uint64_t seed);

}  // namespace trnsim::kernels
