// The contest score of a kernel set against the reference (baseline) kernel set:
//   score = accuracy x (reference TTFT / TTFT) x (tokens/s / reference tokens/s)
//           x (1 + fraction of the model's MACs done inside NKI kernels)
// The MAC fraction is measured: the tensor-engine MACs of the instructions that ran inside the
// set's NKI kernels (op_timer.h) over the model's total MACs (the contest's definition).
// accuracy is 1 when the values check (the contest's logit check, values_check.h) passed (or
// was not requested: "unchecked" counts as 1 and is reported as such), 0 when it failed.
#pragma once

#include <string>

namespace trnsim::workloads {

struct ScoreInputs {
  bool values_checked = false;
  bool values_ok = true;
  double ttft_ns = 0, ref_ttft_ns = 0;
  double tokens_per_s = 0, ref_tokens_per_s = 0;
  double macs = 0, nki_macs = 0;
};

struct Score {
  double accuracy = 0, ttft_factor = 0, throughput_factor = 0, nki_mac_factor = 0;
  double total = 0;
  std::string text() const;  // one line per factor and the product
};

// Throws trnsim::Error on non-positive times or throughputs.
Score contest_score(const ScoreInputs& in);

}  // namespace trnsim::workloads
