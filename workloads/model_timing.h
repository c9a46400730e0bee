// Timing of a whole model run on one tensor-parallel rank: embedding, num_layers decoder layers,
// final norm and lm_head; a prefill of B x P tokens, then G decode steps (one token per
// sequence each, KV cache growing from P+1 to P+G).
// Exact by construction: all layers share one shape, so one layer is timed and multiplied by
// the layer count. Each op is simulated once per distinct shape (OpTimer cache).
// APPROX: ops run back to back with no overlap between kernels (each kernel loads its inputs
// from and stores its outputs to HBM; the runtime starts a kernel when the previous one has
// finished); collectives are added serially (collectives.h);
// the embedding gather costs bytes / HBM bandwidth; decode steps whose cache length falls in
// the same bucket of `decode_bucket` positions are timed at the bucket's upper end.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "workloads/hf_config.h"
#include "workloads/op_timer.h"
#include "workloads/tensor_parallel.h"

namespace trnsim::workloads {

struct RunShape {
  int64_t prompt_len = 128;
  int64_t gen = 16;
  int64_t batch = 1;
  int64_t tp = 1;
  int64_t decode_bucket = 128;  // 0 or 1: every cache length timed exactly
  LinkSpec link;
  // Physical cores per rank (lnc_split.h). With 2, an op's time is the slower core's work
  // plus, per kernel launch, the pair barrier and the partial-sum exchange (at one core's
  // DMA peak).
  int64_t lnc = 1;
  double lnc_barrier_ns = 0;
};

struct OpSummary {
  std::string name, kernel, variant;
  std::string nki;   // the NKI kernel that ran (NkiKernelRef::name()), empty for library kernels
  double count = 0;  // invocations per layer (or per model for head ops)
  double ns_each = 0;
  double macs_each = 0;
  double nki_macs_each = 0;  // MACs counted from the NKI kernel's instructions (op_timer.h)
  int64_t instructions = 0;  // of one invocation's program (summed over the LNC cores)
  std::string lnc_split;     // LNC=2: the dimension split over the two cores ("" if none)
  // The slowest core's program and run, kept with OpTimer::keep_runs (timelines).
  std::shared_ptr<const isa::Program> program;
  std::shared_ptr<const sim::RunResult> run;
  double ns() const { return count * ns_each; }
};

struct PhaseTiming {
  std::vector<OpSummary> layer_ops;  // one layer
  std::vector<OpSummary> head_ops;   // final norm, lm_head
  double layer_compute_ns = 0;
  double layer_collective_ns = 0;
  double embed_ns = 0, head_ns = 0, logits_gather_ns = 0;
  double total_ns = 0;               // whole model, this phase (one step)
  double macs = 0, nki_macs = 0;  // whole model, this phase (one step)
  double layer_ns() const { return layer_compute_ns + layer_collective_ns; }
};

struct ModelTiming {
  PhaseTiming prefill;
  PhaseTiming decode_last;  // breakdown of the last decode step (longest cache)
  std::vector<double> decode_step_ns;
  double ttft_ns = 0;
  double decode_ns_per_step = 0;     // mean over steps
  double tokens_per_s = 0;           // batch / decode_ns_per_step
  double macs = 0, nki_macs = 0;  // prefill + all decode steps
  int64_t simulations = 0;
};

// One phase step (prefill, or one decode step at cache length kv_len).
PhaseTiming time_phase(const ModelConfig& c, const RunShape& rs, Phase phase, int64_t kv_len,
                       OpTimer& timer);

// `progress(done, total)` is called after each decode step (may be empty).
ModelTiming time_model(const ModelConfig& c, const RunShape& rs, OpTimer& timer,
                       const std::function<void(int64_t, int64_t)>& progress = {});

}  // namespace trnsim::workloads
