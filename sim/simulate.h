// The public entry of the simulator: runs a validated program on a hardware config.
//   kValuesAndTiming  SystemC timing run; each instruction's semantics execute on `values` when
//                     it issues (dependencies order them exactly as in program order).
//   kTimingOnly       SystemC timing run, no values (`values` may be null).
//   kValuesOnly       functional plane alone, in program order; the result is empty (no
//                     records, total 0), which stats and the timeline treat as an untimed run.
// SystemC reuse: the timing model is one persistent SystemC model per process, re-armed for
// every run (see sim/core/neuron_core.h), so any number of simulate() calls may be made in one
// process, one after the other, from one thread. Never call it from two threads at once.
// Throws trnsim::Error on a bad DMA queue, a deadlock (named instructions) or a functional
// error.
#pragma once

#include "isa/program.h"
#include "sim/config/hw_config.h"
#include "sim/core/timing_plan.h"
#include "sim/run_result.h"

namespace trnsim::isa {
class MachineState;
}  // namespace trnsim::isa

namespace trnsim::sim {

enum class Mode { kValuesAndTiming, kTimingOnly, kValuesOnly };

RunResult simulate(const isa::Program& prog, const HwConfig& cfg, Mode mode,
                   isa::MachineState* values);

// Lower-level entry for tests and benchmarks: runs a prebuilt (possibly edited) plan.
// `values` may be null (timing only).
RunResult run_plan(const TimingPlan& plan, const isa::Program& prog, isa::MachineState* values);

struct RunState;
// The records of instructions [begin, end) of a finished run, indexed from `begin`, with queue
// numbers relative to `queue_base` (one core of a pair plan, sim/pair/; the whole plan: 0, n, 0).
RunResult collect_core(const TimingPlan& plan, const RunState& st, int32_t begin, int32_t end,
                       int queue_base);

}  // namespace trnsim::sim
