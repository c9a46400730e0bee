// The values check of `trnsim model --values`: the model (normally truncated: few layers,
// capped vocabulary/experts) runs op by op through the kernel library on the functional plane
// (each op's kernel program, the chosen variant, bf16 in HBM), with the glue between kernels
// (embedding gather, KV cache append, causal mask, head split, top-k routing, combine,
// residual adds) done on the host in float, rounded to bf16 where a kernel would write HBM.
// Its logits are compared with the float64 ReferenceModel; greedy tokens must agree.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "workloads/hf_config.h"
#include "workloads/kernel_set.h"
#include "workloads/reference_model.h"
#include "workloads/weights.h"

namespace trnsim::workloads {

struct ValuesReport {
  bool ok = false;  // logits within tolerance and tokens agree
  bool tokens_agree = false;
  double max_err_over_rms = 0;  // max |logit - ref| / rms(ref logits), over all steps
  double rms_err_over_rms = 0;  // rms(logit - ref) / rms(ref logits), worst step
  double tolerance = 0;         // on rms_err_over_rms
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
std::vector<MatD> kernel_model_logits(const ModelConfig& c, const ModelWeights& w,
                                      const KernelSet& set, const std::vector<int64_t>& prompt,
                                      int64_t gen, std::vector<int64_t>* tokens,
                                      int64_t* kernel_runs);

ValuesReport check_values(const ModelConfig& c, const ModelWeights& w, const KernelSet& set,
                          const std::vector<int64_t>& prompt, int64_t gen);

}  // namespace trnsim::workloads
