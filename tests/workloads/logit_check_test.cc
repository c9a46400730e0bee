#include "workloads/logit_check.h"

#include <gtest/gtest.h>

#include "isa/error.h"

namespace trnsim::workloads {
namespace {

MatD row(std::initializer_list<double> v) {
  MatD m(1, Eigen::Index(v.size()));
  Eigen::Index i = 0;
  for (double x : v) m(0, i++) = x;
  return m;
}

TEST(LogitCheck, SoftmaxIsShiftInvariantAndNormalised) {
  const MatD p = softmax_rows(row({1000, 1001, 999}));
  EXPECT_NEAR(p.sum(), 1, 1e-12);
  EXPECT_NEAR(p(0, 1) / p(0, 0), std::exp(1.0), 1e-9);
}

TEST(LogitCheck, ComparesProbabilitiesWithAtolPlusRtol) {
  const LogitTolerance tol;  // contest values: 1e-5, 0.05, 0.001
  const MatD want = row({2.0, 0.0, -1.0, -8.0});
  EXPECT_TRUE(check_logit_step(want, want, 0, tol).ok());
  // +0.02 on one logit: its probability moves ~2% (< 5%), the others by less.
  EXPECT_TRUE(check_logit_step(row({2.0, 0.02, -1.0, -8.0}), want, 0, tol).ok());
  // +0.1 on logit 1 moves its probability ~10%: outside rtol 0.05.
  const LogitStepCheck c = check_logit_step(row({2.0, 0.1, -1.0, -8.0}), want, 0, tol);
  EXPECT_FALSE(c.within);
  EXPECT_EQ(c.worst_index, 1);
  EXPECT_GT(c.worst_error, c.worst_allowed);
  // A tiny probability (e^-10 ~ 4.5e-5 of the mass) may change a lot within atol 1e-5 ...
  const MatD tiny = row({0.0, -12.0});
  EXPECT_TRUE(check_logit_step(row({0.0, -11.5}), tiny, 0, tol).ok());
  // ... but not beyond it.
  EXPECT_FALSE(check_logit_step(row({0.0, -9.0}), tiny, 0, tol).ok());
}

TEST(LogitCheck, DivergenceIsAllowedOnlyAtANearTie) {
  LogitTolerance tol;
  tol.rtol = 1;  // isolate the divergence rule
  const MatD tie = row({1.0, 1.0 - 1e-4, -3.0});
  const LogitStepCheck near = check_logit_step(tie, tie, 1, tol);
  EXPECT_TRUE(near.diverged);
  EXPECT_TRUE(near.ok());
  EXPECT_LT(near.divergence, 1e-3);
  const MatD apart = row({1.0, 0.9, -3.0});
  const LogitStepCheck far = check_logit_step(apart, apart, 1, tol);
  EXPECT_TRUE(far.diverged);
  EXPECT_FALSE(far.ok());
  EXPECT_NE(far.text().find("too large"), std::string::npos);
}

TEST(LogitCheck, RejectsMismatchedRowsAndNaN) {
  const LogitTolerance tol;
  EXPECT_THROW(check_logit_step(row({1, 2}), row({1, 2, 3}), 0, tol), Error);
  EXPECT_THROW(check_logit_step(row({1, 2}), row({1, 2}), 5, tol), Error);
  EXPECT_FALSE(check_logit_step(row({1, std::nan("")}), row({1, 2}), 0, tol).ok());
}

}  // namespace
}  // namespace trnsim::workloads
