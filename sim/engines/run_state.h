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

  // Per piece (TimingPlan pieces).
  std::vector<uint8_t> issued;       // start/end known
  std::vector<int64_t> start_ps;
  std::vector<int64_t> end_ps;       // result of the piece visible
  std::vector<int64_t> busy_end_ps;  // end of its queue occupancy (HBM stretch included)
  std::vector<int64_t> idle_ps;      // queue idle before it (deps, sync, ports)
  // Per instruction.
  std::vector<int32_t> pieces_left;  // pieces not issued yet; 0 = instruction end known
  std::vector<int64_t> instr_end_ps;  // latest end of its issued pieces
  // Per queue.
  std::vector<int64_t> engine_free_ps;  // end of the last occupancy
  std::vector<int64_t> last_end_ps;     // last result visible
  std::vector<int32_t> next;            // position in its piece list
  SharedResources shared;
  int64_t waits = 0;  // wait() calls of all queue processes (performance counter)
  bool abort = false;
  std::exception_ptr error;

  void reset(const TimingPlan& p, const isa::Program* program, isa::MachineState* vals);

  bool instruction_done(int32_t i) const { return pieces_left[i] == 0; }
  // Earliest time piece `k` may start as far as its queue and its instruction's dependencies
  // allow; every producer must be done (instruction_done).
  int64_t dependency_ready(int32_t k) const;
  // Issues piece `k` at `now_ps` (>= dependency_ready(k)): books shared ports and HBM, records
  // start and end. Returns when the queue's occupancy ends.
  int64_t issue(int32_t k, int64_t now_ps);
};

}  // namespace trnsim::sim
