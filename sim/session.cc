#include "sim/session.h"

#include "isa/error.h"
#include "isa/validate.h"
#include "sim/inputs.h"

namespace trnsim::sim {

HwConfig resolve_config(const HwSelection& sel) {
  HwConfig base = sel.hw_file.empty() ? load_target(sel.target) : load_config_file(sel.hw_file);
  return sel.sets.empty() ? base : with_overrides(base, sel.sets);
}

Session run_session(isa::Program& prog, const HwConfig& cfg, const SessionOptions& opts) {
  try {
    isa::validate(prog, cfg.memory.limits);
  } catch (const Error& e) {
    if (opts.error_context.empty()) throw;
    throw Error(opts.error_context + ": " + e.what());
  }
  Session s;
  s.config = cfg;
  if (opts.mode != Mode::kTimingOnly) {
    s.values = std::make_unique<isa::MachineState>(prog, cfg.memory.limits);
    load_inputs(*s.values, opts.input_files, opts.seed);
  } else if (!opts.input_files.empty()) {
    throw Error("--input has no effect in timing-only mode (no values are computed)");
  }
  s.result = simulate(prog, cfg, opts.mode, s.values.get());
  s.stats = compute_stats(prog, s.result, cfg);
  return s;
}

}  // namespace trnsim::sim
