// Per-run bookkeeping shared by the engine and DMA queue processes: what each queue has
// issued, when results become visible, and the booking of shared resources. Pure data and
// arithmetic in ps relative to the start of the run; the SystemC processes (sim/core/) decide
// when to call it.
// Models: an engine queue issues in order; an instruction starts when the engine is free, its
// dependencies' results are visible (+ sync cost across queues) and its shared ports are free;
// it occupies the engine for its occupancy and its result is visible after its latency.
// APPROX: results of one queue become visible in order (like in-order semaphore increments),
// so a short instruction behind a long-latency one waits for it.
// APPROX: a dependency waits for the producer's whole latency (no partial forwarding), plus a
// constant sync cost when producer and consumer are on different queues.
#pragma once

#include <cstdint>
#include <exception>
#include <vector>

#include "sim/core/timing_plan.h"
#include "sim/memory/shared_resources.h"

namespace trnsim::isa {
class MachineState;
}  // namespace trnsim::isa

namespace trnsim::sim {

struct RunState {
  const TimingPlan* plan = nullptr;
  const isa::Program* prog = nullptr;
  isa::MachineState* values = nullptr;  // null in timing-only mode

  std::vector<uint8_t> issued;     // per instruction: start/end known
  std::vector<int64_t> start_ps;   // per instruction
  std::vector<int64_t> end_ps;     // per instruction: result visible
  std::vector<int64_t> idle_ps;    // per instruction: engine idle before it (deps, sync, ports)
  std::vector<int64_t> engine_free_ps;  // per queue: end of the last occupancy
  std::vector<int64_t> last_end_ps;     // per queue: last result visible
  std::vector<int32_t> next;            // per queue: position in its instruction list
  SharedResources shared;
  int64_t waits = 0;  // wait() calls of all queue processes (performance counter)
  bool abort = false;
  std::exception_ptr error;

  void reset(const TimingPlan& p, const isa::Program* program, isa::MachineState* vals);

  // Earliest time instruction `i` may start as far as its engine and its dependencies allow;
  // every producer must have been issued.
  int64_t dependency_ready(int32_t i) const;
  // Issues `i` at `now_ps` (>= dependency_ready(i)): books shared ports and HBM, records start
  // and end. Returns when the queue's occupancy ends.
  int64_t issue(int32_t i, int64_t now_ps);
};

}  // namespace trnsim::sim
