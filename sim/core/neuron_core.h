// The SystemC top of the timing plane: one SC_THREAD per engine queue (tensor, vector, scalar,
// gpsimd) and per DMA queue. Each process walks its queue's pieces (sim/core/timing_plan.h: a
// compute instruction, or one queue's share of a spread DMA) in order and calls wait() once
// per piece (until its occupancy ends); a piece that needs a shared port or HBM
// bandwidth and must first idle for a dependency waits once more, so that shared resources are
// granted in simulated-time order. A process also waits while a producer on another queue has
// not issued yet (for a spread producer: on the queue of its first piece not issued yet); that
// queue wakes exactly the processes waiting for it (no spurious wake-ups). No sc_clock, no
// sc_signal: producers publish their result time in a RunState.
//
// Reuse (SystemC 2.3.4 cannot restart its kernel or elaborate new modules after the first
// sc_start, and sc_stop is final): the model is created once per process, on first use, with
// kNumComputeQueues + kMaxDmaQueues persistent processes. Every run re-arms them: run() resets
// the RunState, notifies a start event and calls sc_start(), which returns when no events are
// left (starvation), i.e. when every process is back waiting for the next start. Simulated time
// keeps growing across runs; each run measures time from its own start. Runs must be made from
// one thread, one at a time (never two simulations on two threads); sweeps that want
// parallelism fork processes. Queues beyond a config's queue count stay idle.
//
// Deadlock: if sc_start() returns with instructions not issued, some dependency can never be
// satisfied. run() then reports the stuck queues, sets RunState::abort, wakes the stuck
// processes so they return to their start wait, and throws trnsim::Error. Exceptions from the
// functional plane are caught inside the processes, the run is aborted the same way and the
// exception is rethrown from run().
#pragma once

#include <cstdint>
#ifndef SC_INCLUDE_DYNAMIC_PROCESSES
#define SC_INCLUDE_DYNAMIC_PROCESSES  // sc_spawn: one process per queue, created in a loop
#endif
#include <systemc>

#include "sim/config/hw_config.h"
#include "sim/core/timing_plan.h"
#include "sim/engines/run_state.h"

namespace trnsim::sim {

class NeuronCoreModel : public sc_core::sc_module {
 public:
  static constexpr int kMaxQueues = kNumComputeQueues + kMaxDmaQueues;
  static_assert(kMaxQueues <= 64, "waiter sets are 64-bit masks");

  // The one model of this process (created on first call).
  static NeuronCoreModel& instance();

  // Runs `st` (already reset with its plan) to completion.
  void run(RunState& st);

 private:
  explicit NeuronCoreModel(const sc_core::sc_module_name& name);
  void queue_process(int q);
  // Walks queue q of the current run; returns early if the run is aborted.
  void run_queue(int q);
  void wake_all();
  int64_t now_ps() const;

  // Wakes the waiters of queue q whose producer has now issued.
  void wake_waiters(int q);

  sc_core::sc_event start_event_;
  sc_core::sc_event wake_event_[kMaxQueues];     // one per waiting queue process
  uint64_t waiters_[kMaxQueues] = {};            // per producer queue: bit w = queue w waits
  int32_t waiting_for_[kMaxQueues] = {};         // per waiting queue: the piece it waits for
  RunState* state_ = nullptr;
  uint64_t run_origin_ps_ = 0;
  bool initialized_ = false;
};

}  // namespace trnsim::sim
