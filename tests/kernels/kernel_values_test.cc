// Every registered kernel, every variant, every test point and dtype: values from the
// functional plane against the kernel's independent float64 reference.
#include <gtest/gtest.h>

#include "isa/dtype.h"
#include "kernels/harness.h"
#include "kernels/registry.h"

namespace trnsim::kernels {
namespace {

struct Case {
  std::string kernel, variant;
  Params params;
  isa::DType dtype;
};

std::vector<Case> all_cases() {
  std::vector<Case> out;
  for (const KernelDef& d : all_kernels())
    for (const VariantSpec& v : d.variants)
      for (const Params& p : d.test_points)
        for (isa::DType t : d.dtypes) out.push_back({d.name, v.name, p, t});
  return out;
}

class KernelValues : public ::testing::TestWithParam<Case> {};

TEST_P(KernelValues, MatchesFloat64Reference) {
  const Case& c = GetParam();
  const KernelDef& def = find_kernel(c.kernel);
  KernelConfig cfg = resolve_config(def, c.params, c.dtype);
  Tensors inputs = make_inputs(def, cfg, 1234);
  isa::Program prog = def.build(cfg, c.variant);
  Tensors outputs = run_values(prog, trn1_limits(), inputs);
  Tensors ref = def.reference(cfg, inputs);
  CheckResult r = check_outputs(outputs, ref, default_rtol(c.dtype));
  EXPECT_TRUE(r.ok) << r.message << " (max rel err " << r.max_rel_err << ")";
  EXPECT_GT(def.flops(cfg), 0);
  EXPECT_GT(def.min_hbm_bytes(cfg), 0);
}

std::string case_name(const ::testing::TestParamInfo<Case>& info) {
  const Case& c = info.param;
  std::string s = c.kernel + "_" + c.variant + "_" + std::string(isa::dtype_name(c.dtype));
  for (const auto& [k, v] : c.params) s += "_" + k + std::to_string(v);
  for (char& ch : s)
    if (!isalnum(static_cast<unsigned char>(ch))) ch = '_';
  return s + "_" + std::to_string(info.index);
}

INSTANTIATE_TEST_SUITE_P(AllKernels, KernelValues, ::testing::ValuesIn(all_cases()), case_name);

// A deliberately wrong output must be caught by the checker (the test above can fail).
TEST(KernelCheck, DetectsWrongValues) {
  Mat ref = Mat::Constant(4, 4, 1.0);
  Mat bad = ref;
  bad(2, 3) = 1.1;
  CheckResult r = check_outputs({{"y", bad}}, {{"y", ref}}, 2e-3);
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.message.find("[2, 3]"), std::string::npos);
  EXPECT_TRUE(check_outputs({{"y", ref}}, {{"y", ref}}, 2e-3).ok);
  EXPECT_FALSE(check_outputs({}, {{"y", ref}}, 2e-3).ok);
}

}  // namespace
}  // namespace trnsim::kernels
