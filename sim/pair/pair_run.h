// A two-core run: the programs of the two NeuronCores of an LNC=2 pair simulated together in
// one SystemC run (sim/pair/pair_plan.h). Each core has its own SBUF/PSUM image; both share one
// HBM image (core 1's MachineState shares core 0's, so both programs must declare the same HBM
// tensors, as two traces of one kernel do). Inputs are loaded once, into the shared HBM.
// Modes as for one core (sim/simulate.h), except that kValuesOnly also runs the timing plane:
// the order in which the two cores' instructions execute comes from it. Its records are then
// dropped, so stats report an untimed run, as for one core.
// The kernel's time: the later core's end plus the pair's end-of-kernel semaphore hand-off
// (PairLinks::semaphore_ns), as both cores wait for each other before the kernel returns.
#pragma once

#include <array>
#include <memory>
#include <vector>

#include "isa/program.h"
#include "isa/semantics/machine_state.h"
#include "sim/config/hw_config.h"
#include "sim/pair/pair_links.h"
#include "sim/run_result.h"
#include "sim/session.h"
#include "sim/simulate.h"
#include "sim/stats/stats.h"

namespace trnsim::sim {

// A dependency edge between the two cores (a pair instruction's synchronisation), as indices
// into each core's records.
struct CrossCoreEdge {
  int producer_core = 0, consumer_core = 0;
  int32_t producer = 0, consumer = 0;
};

struct PairSession {
  HwConfig config;
  PairLinks links;
  std::array<RunResult, 2> results;  // per core, indexed like its program
  std::array<Stats, 2> stats;
  std::unique_ptr<isa::MachineState> values[2];  // null in timing-only mode
  double total_ns = 0;                           // the pair's time (0 when untimed)
  std::vector<CrossCoreEdge> cross_core_edges;   // for the timeline's flow arrows
};

// Runs a built pair plan; values are null in timing-only runs.
std::array<RunResult, 2> run_pair(const isa::Program& core0, const isa::Program& core1,
                                  const HwConfig& cfg, const PairLinks& links,
                                  isa::MachineState* values0, isa::MachineState* values1,
                                  std::vector<CrossCoreEdge>* cross_core_edges = nullptr);

// Validates both programs against `cfg`, loads inputs, runs them as a pair. Validation errors
// are prefixed "core N: ".
PairSession run_pair_session(isa::Program& core0, isa::Program& core1, const HwConfig& cfg,
                             const SessionOptions& opts);

}  // namespace trnsim::sim
