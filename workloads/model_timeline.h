// The per-op timeline of a model run (`trnsim model --out DIR` writes DIR/timeline.json): the
// prefill, then the last decode step, each drawn op by op over the whole model (embedding,
// every layer's ops, collectives, final norm, lm_head, logits gather), in the Chrome / Perfetto
// trace event format (ui.perfetto.dev). One process per op instance ("prefill L3 qkv_proj"),
// one track per engine and DMA queue inside it (tids of sim/trace/timeline.h), one slice per
// instruction of the op's simulated program, shifted to where the op starts; ops run back to
// back as model_timing.h times them. An op invoked `count` times per layer (per KV head, per
// expert) is drawn that many times in its process. Needs the op runs kept (OpTimer::keep_runs).
// APPROX: with LNC = 2 an op's process shows the slowest core's program only (the pair
// barrier and partial-sum exchange are in the op's duration, not drawn); a fractional count (MoE expected active experts) is drawn rounded to whole
// invocations, while the time axis advances by the exact count x duration.
#pragma once

#include <ostream>
#include <string>

#include "workloads/hf_config.h"
#include "workloads/model_timing.h"

namespace trnsim::workloads {

// Throws trnsim::Error when an op of `mt` has no kept run.
void write_model_timeline(std::ostream& os, const ModelConfig& c, const ModelTiming& mt);
// Same, to a file; throws trnsim::Error naming the path if it cannot be written.
void write_model_timeline_file(const std::string& path, const ModelConfig& c,
                               const ModelTiming& mt);

}  // namespace trnsim::workloads
