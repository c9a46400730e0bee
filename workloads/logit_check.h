// The contest's logit check of one generation step, as the contest harness applies it (NxD
// Inference `check_accuracy_logits`, which calls torch-neuronx `logit_validation`): the step's
// token distributions softmax(logits) of the candidate and of the expected (float64 reference)
// model must agree elementwise as torch.allclose does, |p - q| <= atol + rtol * |q|; where the
// candidate's greedy token differs from the expected one, the step still passes when the
// expected probabilities of the two tokens differ by at most `divergence` (a near tie), and
// generation goes on from the candidate's token (teacher forcing of the reference).
// APPROX (NxD Inference accuracy guide): the harness checks several top-k slices with their own
// (atol, rtol) pairs; the contest gives one pair, applied here to the whole (truncated)
// vocabulary.
#pragma once

#include <cstdint>
#include <string>

#include "workloads/reference_model.h"

namespace trnsim::workloads {

struct LogitTolerance {
  double atol = 1e-5, rtol = 0.05, divergence = 0.001;  // the contest's values
};

struct LogitStepCheck {
  bool within = true;        // every probability within atol + rtol * |expected|
  int64_t worst_index = -1;  // the token of the largest excess (or of the largest error)
  double worst_error = 0;    // |p - q| there
  double worst_allowed = 0;  // atol + rtol * |q| there
  bool diverged = false;     // greedy tokens differ
  double divergence = 0;     // q[expected token] - q[candidate token] when diverged
  bool divergence_ok = true;
  bool ok() const { return within && divergence_ok; }
  std::string text() const;  // one line
};

// `got` and `want` are [1, vocab] logits; `got_token` is the candidate's greedy token.
LogitStepCheck check_logit_step(const MatD& got, const MatD& want, int64_t got_token,
                                const LogitTolerance& tol);

// Row softmax in float64 (max-shifted).
MatD softmax_rows(const MatD& logits);

}  // namespace trnsim::workloads
