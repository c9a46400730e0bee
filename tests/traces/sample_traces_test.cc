// The checked-in sample traces run through the functional plane and match float64 references
// computed here independently (Eigen in double) within the tolerance of their dtypes.
#include <gtest/gtest.h>

#include <Eigen/Dense>

#include "isa/semantics/semantics.h"
#include "isa/trace_json.h"
#include "isa/validate.h"
#include "sim/config/hw_config.h"
#include "sim/inputs.h"

namespace trnsim {
namespace {

using MatD = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

struct Ran {
  isa::Program prog;
  std::unique_ptr<isa::MachineState> st;
};

Ran run_values(const std::string& file) {
  Ran r;
  r.prog = isa::read_trace_file(std::string(TRNSIM_SOURCE_DIR) + "/traces/" + file);
  const sim::HwConfig cfg = sim::load_target("trn2");
  isa::validate(r.prog, cfg.memory.limits);
  r.st = std::make_unique<isa::MachineState>(r.prog, cfg.memory.limits);
  sim::load_inputs(*r.st, {}, /*seed=*/7);
  isa::execute_all(r.prog, *r.st);
  return r;
}

MatD tensor(const Ran& r, const std::string& name) {
  const int i = r.prog.find(name)->index;
  const isa::HbmTensor& t = r.prog.tensors[i];
  MatD m(t.shape[0], t.elements() / t.shape[0]);
  const int64_t esize = isa::dtype_bytes(t.dtype);
  for (int64_t k = 0; k < t.elements(); ++k)
    m.data()[k] = isa::load_element(t.dtype, r.st->hbm(i).data() + k * esize);
  return m;
}

TEST(SampleTraces, RmsNormMatchesFloat64Reference) {
  Ran r = run_values("rmsnorm_128x2048_bf16.json");
  const MatD x = tensor(r, "x"), w = tensor(r, "w"), y = tensor(r, "y");
  ASSERT_EQ(y.rows(), 128);
  double worst = 0;
  for (int p = 0; p < x.rows(); ++p) {
    const double rstd = 1.0 / std::sqrt(x.row(p).squaredNorm() / double(x.cols()) + 1e-6);
    for (int f = 0; f < x.cols(); ++f) {
      const double ref = x(p, f) * rstd * w(0, f);
      worst = std::max(worst, std::abs(y(p, f) - ref) / (std::abs(ref) + 1e-3));
    }
  }
  // Two bf16 roundings (x*rstd, then *w), each with relative error <= u = 2^-8 (8 significand
  // bits): <= 2u + u^2 plus fp32 noise.
  EXPECT_LT(worst, 2.05 * std::pow(2.0, -8));
  EXPECT_GT(y.cwiseAbs().maxCoeff(), 0.5);  // not all zeros
}

TEST(SampleTraces, TiledMatmulMatchesFloat64Reference) {
  Ran r = run_values("matmul_256x384x512_bf16.json");
  const MatD at = tensor(r, "aT"), b = tensor(r, "b"), c = tensor(r, "c");
  const MatD ref = at.transpose() * b;
  ASSERT_EQ(c.rows(), ref.rows());
  ASSERT_EQ(c.cols(), ref.cols());
  // bf16 products are exact in fp32; only fp32 accumulation error remains (K = 384).
  const double max_err = (c - ref).cwiseAbs().maxCoeff();
  EXPECT_LT(max_err, 384 * 8.0 * std::pow(2.0, -24) * ref.cwiseAbs().maxCoeff());
  EXPECT_GT(ref.cwiseAbs().maxCoeff(), 1.0);
}

}  // namespace
}  // namespace trnsim
