// The SystemC top of the timing plane: one SC_THREAD per compute engine queue (tensor, vector,
// scalar, gpsimd) and one for all DMA queues. No sc_clock, no sc_signal: producers publish
// their result time in a RunState.
// A compute process issues its pieces (sim/core/timing_plan.h: a compute instruction) as soon
// as their producers are done: start and end follow from the producers' end times and its
// engine's free time, so it need not wait out its own occupancy. It waits only for a producer
// not done yet, and until a piece's start when the piece needs a shared port, so that shared
// ports are granted in simulated-time order.
// The DMA process wakes at each time one of its queues can act (a queue frees, a picked piece
// becomes ready, or a producer readies a piece sooner), starts there every piece that may
// start, in program order (so simultaneous pieces book HBM in program order), and sleeps until
// the next such time: the pieces of a spread transfer (one per queue, sim/dma/dma_queues.h)
// start and end together, so this is one wake-up where a process per queue would need sixteen.
// Compute queues walk their pieces in program order. A compute process waits while a producer
// on another queue is not done (for a spread producer: on the queue of its first piece not
// issued yet); that queue wakes exactly the processes waiting for it (no spurious wake-ups).
// DMA queues (contract): a DMA piece becomes ready when every producer of its instruction is
// done, at max(producer end + sync cost). Which ready piece a free queue starts follows the
// program's isa::DmaIssue, the order the compiler gives the transfers (NKI "Deep dive: NKI
// compile configuration", CompileConfig prefetch_auto / scheduling, SchedulingHeuristic):
// - program_order (default): each queue starts its pieces in program order, so a transfer
//   waiting for compute (a RAW producer, or the last reader of the memory it overwrites: the
//   allocation's anti-dependencies) holds up the later transfers of its queue;
// - prefetch: loads (HBM -> SBUF/PSUM) start in ready order, ahead of waiting transfers; the
//   other transfers keep program order among themselves;
// - asap: every piece in ready order (earliest ready time first, ties: lowest index).
// The process sleeps until the chosen piece is ready and is woken early by a piece that
// becomes ready sooner. Reordering is safe: every overlapping pair of accesses that involves a
// DMA has a direct dependency edge (DMA instructions are their own order keys, see build_plan),
// so a transfer only overtakes transfers it has no dependency path with; semantics (values
// mode) execute when an instruction's last piece starts, after all its producers executed.
// Program order cannot deadlock: the lowest unissued instruction is at the head of each of its
// queues and its producers are all earlier.
// APPROX (trigger model): the issuing engine reaches each trigger at once (no instruction
// stream of the trigger engine is modelled); the trigger cost is the constant
// sync.dma_trigger_ns of each edge. Compute queues keep program order in every mode, although
// NKI scheduling would also reorder compute (see the deep dive above).
//
// Pair runs (sim/pair/): one plan holds both cores' queues (core 1's from kQueuesPerCore on);
// the processes do not tell the cores apart except for running the right core's semantics (the
// DMA process serves both cores' DMA queues).
//
// Reuse (SystemC 2.3.4 cannot restart its kernel or elaborate new modules after the first
// sc_start, and sc_stop is final): the model is created once per process, on first use, with
// a persistent process per compute queue of each core and the DMA process. Every run re-arms
// them: run() resets the RunState, notifies a start event and calls sc_start(), which returns
// when no events are left (starvation), i.e. when every process is back waiting for the next
// start. Simulated time keeps growing across runs; each run measures time from its own start.
// Runs must be made from one thread, one at a time (never two simulations on two threads);
// sweeps that want parallelism fork processes. Queues beyond a config's queue count stay idle.
//
// Deadlock: if sc_start() returns with instructions not issued, some dependency can never be
// satisfied. run() then reports the stuck queues, sets RunState::abort, wakes the stuck
// processes so they return to their start wait, and throws trnsim::Error. Exceptions from the
// functional plane are caught inside the processes, the run is aborted the same way and the
// exception is rethrown from run().
#pragma once

#include <cstdint>
#include <vector>
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
  // Queues of both cores of a pair plan (sim/pair/); one-core plans use core 0's only.
  static constexpr int kMaxQueues = kMaxCores * kQueuesPerCore;
  static_assert((kMaxCores - 1) * kQueuesPerCore + kNumComputeQueues <= 64,
                "waiter sets are 64-bit masks over the compute queues");

  // The one model of this process (created on first call).
  static NeuronCoreModel& instance();

  // Runs `st` (already reset with its plan) to completion.
  void run(RunState& st);

 private:
  explicit NeuronCoreModel(const sc_core::sc_module_name& name);
  void queue_process(int q);
  // Walks queue q of the current run; returns early if the run is aborted.
  void run_queue(int q);
  // Serves every DMA queue of the current run in one process: the pieces of a spread transfer
  // start and end together on their queues, so one wake-up serves them all. Returns when every
  // DMA piece issued, or early if the run is aborted.
  void run_dma_queues();
  // DMA queue q at `now`: the time it next needs serving (INT64_MAX: it waits for a piece to be
  // readied, or has none left); appends its piece to dma_startable_ if one may start now, and
  // sets *unfinished while it has pieces left.
  int64_t dma_queue_next(int q, int64_t now, bool* unfinished);
  // Issues DMA piece `piece` (picked by dma_queue_next) at `now`; false if the run aborted.
  bool issue_dma_piece(int32_t piece, int64_t now);
  // Runs the semantics of instruction i (done); a pair instruction runs with its partner,
  // when the later of the two is done.
  void execute_values(int32_t i);
  // After a piece of instruction i issued on queue q: runs i's semantics once i is done,
  // readies its DMA consumers and wakes waiters. Returns false if the run aborted.
  bool after_issue(int32_t i, int q);
  void wake_all();
  int64_t now_ps() const;

  // Wakes the waiters of queue q whose producer has now issued.
  void wake_waiters(int q);

  sc_core::sc_event start_event_;
  // queue_process's argument for the DMA process (compute processes get their queue).
  static constexpr int kDmaProcess = -1;

  sc_core::sc_event wake_event_[kMaxQueues];     // one per waiting compute queue process
  sc_core::sc_event dma_wake_event_;
  uint64_t waiters_[kMaxQueues] = {};            // per producer queue: bit w = queue w waits
  int32_t waiting_for_[kMaxQueues] = {};         // per waiting queue: the piece it waits for
  // The DMA process sleeps until this time (INT64_MAX: nothing ready; -1: running). A newly
  // ready piece wakes it only if it is ready sooner.
  int64_t dma_sleep_until_ps_ = -1;
  std::vector<int32_t> dma_startable_;  // pieces that may start at the current time
  RunState* state_ = nullptr;
  uint64_t run_origin_ps_ = 0;
  bool initialized_ = false;
};

}  // namespace trnsim::sim
