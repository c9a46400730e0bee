#include "workloads/logit_check.h"

#include <cmath>
#include <cstdio>

#include "isa/error.h"

namespace trnsim::workloads {

MatD softmax_rows(const MatD& logits) {
  MatD p(logits.rows(), logits.cols());
  for (Eigen::Index r = 0; r < logits.rows(); ++r) {
    const double m = logits.row(r).maxCoeff();
    p.row(r) = (logits.row(r).array() - m).exp().matrix();
    p.row(r) /= p.row(r).sum();
  }
  return p;
}

LogitStepCheck check_logit_step(const MatD& got, const MatD& want, int64_t got_token,
                                const LogitTolerance& tol) {
  if (got.rows() != 1 || want.rows() != 1 || got.cols() != want.cols() || got.cols() == 0)
    throw Error("logit check: expected two [1, vocab] rows of one size");
  if (got_token < 0 || got_token >= got.cols()) throw Error("logit check: token out of range");
  const MatD p = softmax_rows(got), q = softmax_rows(want);
  LogitStepCheck c;
  double worst_excess = -1;
  for (Eigen::Index i = 0; i < q.cols(); ++i) {
    const double err = std::abs(p(0, i) - q(0, i));
    const double allowed = tol.atol + tol.rtol * std::abs(q(0, i));
    if (!(err <= allowed)) c.within = false;  // NaN fails
    if (!(err - allowed <= worst_excess)) {
      worst_excess = err - allowed;
      c.worst_index = i;
      c.worst_error = err;
      c.worst_allowed = allowed;
    }
  }
  Eigen::Index want_token = 0;
  q.row(0).maxCoeff(&want_token);
  if (want_token != got_token) {
    c.diverged = true;
    c.divergence = q(0, want_token) - q(0, got_token);
    c.divergence_ok = c.divergence <= tol.divergence;
  }
  return c;
}

std::string LogitStepCheck::text() const {
  char buf[256];
  std::snprintf(buf, sizeof buf, "worst token %lld: |p - p_ref| = %.3g (allowed %.3g)%s",
                (long long)worst_index, worst_error, worst_allowed, within ? "" : " OUTSIDE");
  std::string s = buf;
  if (diverged) {
    std::snprintf(buf, sizeof buf, "; greedy token diverges, p_ref gap %.3g%s", divergence,
                  divergence_ok ? " (within the divergence tolerance)" : " (too large)");
    s += buf;
  }
  return s;
}

}  // namespace trnsim::workloads
