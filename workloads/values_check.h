// The values check of `trnsim model --values`: the model (normally truncated: few layers,
// capped vocabulary/experts) runs op by op through the kernel library on the functional plane
// (each op's kernel program, the chosen variant, bf16 in HBM), with the glue between kernels
// (embedding gather, KV cache append, causal mask, head split, top-k routing, combine,
// residual adds) done on the host in float, rounded to bf16 where a kernel would write HBM.
// An op the kernel set gives an NKI kernel runs that kernel's traced program (nki_op.h) and is
// first checked against the role's float64 reference op on the same inputs; a FAIL stops the
// run. The logits are then compared with the float64 ReferenceModel by the contest's logit
// check (logit_check.h), step by step.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "isa/error.h"
#include "workloads/hf_config.h"
#include "isa/core_limits.h"
#include "workloads/kernel_set.h"
#include "workloads/logit_check.h"
#include "workloads/nki_op.h"
#include "workloads/reference_model.h"
#include "workloads/weights.h"

namespace trnsim::workloads {

// Progress of a values run: `done` of `total` kernel-model layers run (over all forward passes).
using ValuesProgress = std::function<void(int64_t done, int64_t total)>;

struct ValuesOptions {
  NkiTracer* nki = nullptr;  // null: an own tracer for trn1
  isa::CoreLimits limits;    // on-chip limits the programs run under (default: trn1)
  LogitTolerance logits;
  ValuesProgress progress;  // may be empty
  ValuesOptions();
};

// One NKI op checked against its reference op (the first run of each op role and phase).
struct NkiOpCheck {
  std::string op, phase, kernel, shape;
  bool ok = false;
  double max_abs_err = 0, max_rel_err = 0;
  std::string message;  // why it failed
};

struct ValuesReport {
  bool ok = false;  // every NKI op passed, and every step passed the contest's logit check
  bool tokens_agree = false;
  bool logits_ok = false;
  std::vector<NkiOpCheck> nki_ops;
  std::string failure;  // the NKI op that failed (the run stopped there)
  std::vector<LogitStepCheck> steps;
  LogitTolerance logit_tolerance;
  double max_err_over_rms = 0;  // max |logit - ref| / rms(ref logits), over all steps
  double rms_err_over_rms = 0;  // rms(logit - ref) / rms(ref logits), worst step
  double tolerance = 0;         // informative bound on rms_err_over_rms (not part of ok)
  std::vector<int64_t> reference_tokens, kernel_tokens;
  int64_t kernel_runs = 0;
  std::string text() const;
};

// A config scaled for values runs: first `layers` layers (1..the model's layers, else an Error),
// vocabulary capped at `vocab_cap`, experts capped at `experts_cap` (top-k kept <= experts); a
// cap of 0 keeps the real size.
ModelConfig values_config(const ModelConfig& c, int64_t layers, int64_t vocab_cap,
                          int64_t experts_cap);

// Logits of the kernel-composed model for `prompt` then `gen` greedy steps (its own tokens).
// Throws NkiOpFailure when an NKI op fails its reference check (`checks` gets every check made).
std::vector<MatD> kernel_model_logits(const ModelConfig& c, const ModelWeights& w,
                                      const KernelSet& set, const std::vector<int64_t>& prompt,
                                      int64_t gen, std::vector<int64_t>* tokens,
                                      int64_t* kernel_runs, const ValuesOptions& opts = {},
                                      std::vector<NkiOpCheck>* checks = nullptr);

class NkiOpFailure : public Error {
 public:
  using Error::Error;
};

ValuesReport check_values(const ModelConfig& c, const ModelWeights& w, const KernelSet& set,
                          const std::vector<int64_t>& prompt, int64_t gen,
                          const ValuesOptions& opts = {});

}  // namespace trnsim::workloads
