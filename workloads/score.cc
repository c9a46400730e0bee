#include "workloads/score.h"

#include <cstdio>

#include "isa/error.h"

namespace trnsim::workloads {

Score contest_score(const ScoreInputs& in) {
  if (!(in.ttft_ns > 0) || !(in.ref_ttft_ns > 0))
    throw Error("score: TTFT must be positive (run with --gen >= 1 and a prompt)");
  if (!(in.tokens_per_s > 0) || !(in.ref_tokens_per_s > 0))
    throw Error("score: tokens/s must be positive (needs --gen >= 1)");
  Score s;
  s.accuracy = (!in.values_checked || in.values_ok) ? 1.0 : 0.0;
  s.ttft_factor = in.ref_ttft_ns / in.ttft_ns;
  s.throughput_factor = in.tokens_per_s / in.ref_tokens_per_s;
  if (in.nki_macs < 0 || in.nki_macs > in.macs * (1 + 1e-12))
    throw Error("score: NKI MACs must lie between 0 and the model's MACs");
  s.nki_mac_factor = 1.0 + (in.macs > 0 ? in.nki_macs / in.macs : 0.0);
  s.total = s.accuracy * s.ttft_factor * s.throughput_factor * s.nki_mac_factor;
  return s;
}

std::string Score::text() const {
  char buf[512];
  std::snprintf(buf, sizeof buf,
                "  accuracy                   %8.4f\n"
                "  reference TTFT / TTFT      %8.4f\n"
                "  tokens/s / reference       %8.4f\n"
                "  1 + NKI MAC fraction       %8.4f\n"
                "  score                      %8.4f\n",
                accuracy, ttft_factor, throughput_factor, nki_mac_factor, total);
  return buf;
}

}  // namespace trnsim::workloads
