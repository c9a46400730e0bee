// Per-run bookkeeping shared by the compute queue and DMA processes: what each queue has
// issued, when results become visible, and the booking of shared resources. Pure data and
// arithmetic in ps relative to the start of the run; the SystemC processes (sim/core/) decide
// when to call it.
// Models: a compute engine queue issues in program order (DMA queues: below); an
// instruction starts when the engine is free, its dependencies' results are visible (+ sync
// cost across queues) and its shared ports are free; it occupies the engine for its occupancy
// and its result is visible after its latency.
// APPROX: results of one queue become visible in the order the queue started them (like
// in-order semaphore increments), so a short instruction behind a long-latency one waits for it.
// APPROX: a dependency waits for the producer's whole latency (no partial forwarding), plus a
// constant sync cost when producer and consumer are on different queues.
// DMA queues: a DMA instruction is resolved when its last producer is done; its ready time is
// then max(producer end + sync). Pieces of instructions in program order
// (TimingPlan::in_program_order) may start only when they are the queue's first unissued
// in-order piece (ordered_next) and resolved; the others join the queue's ready set when
// resolved and may start whenever the queue is free, first the one of least (ready_ps, piece
// index). pick_ready chooses, of the two candidates, the one that can start first (ties: lower
// piece index = program order).
// The ready set is a FIFO of pieces that arrived in rising (ready_ps, index) order, as those
// resolved at the start and most released later do, and a heap of the rest: its least piece is
// the least of the FIFO's head and the heap's top. Both live in preallocated arrays (a queue's
// is its slice [queue_begin[q], ...)), so the run loop allocates nothing.
#pragma once

#include <cstdint>
#include <climits>
#include <exception>
#include <vector>

#include "isa/program.h"
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
  // A pair run (sim/pair/): instructions from core1_begin on are core 1's (prog1, values1), and
  // partner[i] >= 0 is the instruction matched with i on the other core (pair instructions
  // execute together, once both are done). One-core runs leave these unset.
  const isa::Program* prog1 = nullptr;
  isa::MachineState* values1 = nullptr;
  int32_t core1_begin = INT32_MAX;
  const std::vector<int32_t>* partner = nullptr;

  // Per piece (TimingPlan pieces).
  std::vector<uint8_t> issued;       // start/end known
  std::vector<int64_t> start_ps;
  std::vector<int64_t> end_ps;       // result of the piece visible
  std::vector<int64_t> busy_end_ps;  // end of its queue occupancy (HBM stretch included)
  std::vector<int64_t> idle_ps;      // queue idle before it (deps, sync, ports)
  // The DMA pieces in the order they issued: by start time (the DMA process runs in time order).
  std::vector<int32_t> dma_issue_order;
  // Per instruction.
  std::vector<int32_t> pieces_left;  // pieces not issued yet; 0 = instruction end known
  std::vector<int64_t> instr_end_ps;  // latest end of its issued pieces
  // Per queue.
  std::vector<int64_t> engine_free_ps;  // end of the last occupancy
  std::vector<int64_t> last_end_ps;     // last result visible
  std::vector<int32_t> next;            // position in its piece list (DMA: first not issued)
  // Each queue's pieces in program order (CSR: queue q's are queue_pieces[queue_begin[q] ..
  // queue_begin[q + 1])), from the plan's piece_queue.
  std::vector<int32_t> queue_begin;  // size num_queues + 1
  std::vector<int32_t> queue_pieces;
  // DMA ready order. Reverse dependency edges to DMA consumers (CSR, built by reset so that
  // edited plans work), producers still pending and ready time per DMA instruction, and the
  // per-queue ready sets (FIFO and heap, see above).
  std::vector<int32_t> consumer_begin;  // size n + 1
  std::vector<int32_t> dma_consumer;
  std::vector<int32_t> unresolved;      // per instruction: producers not done (DMA only)
  std::vector<int64_t> ready_ps;        // per instruction: when its dependencies are satisfied
  std::vector<int32_t> ready_fifo;      // per piece slot, sliced by queue
  std::vector<int32_t> fifo_head, fifo_tail;  // per queue: positions in its slice
  std::vector<int32_t> ready_heap;      // per piece slot, sliced by queue
  std::vector<int32_t> heap_size;       // per queue
  std::vector<int32_t> ordered_next;    // per queue: position of its first unissued in-order piece
  SharedResources shared;
  int64_t waits = 0;  // wait() calls of all queue processes (performance counter)
  bool abort = false;
  std::exception_ptr error;

  void reset(const TimingPlan& p, const isa::Program* program, isa::MachineState* vals);
  // Frees what only the run loop needs (queue lists, ready heaps, reverse edges, issue flags),
  // keeping the
  // per-piece and per-instruction times that results are collected from.
  void release_scheduling();

  bool instruction_done(int32_t i) const { return pieces_left[i] == 0; }
  // When the dependencies of piece k's instruction are satisfied (DMA, once resolved).
  int64_t piece_ready_ps(int32_t k) const { return ready_ps[plan->piece_instr[k]]; }
  // Instruction i of the run (of core 1's program from core1_begin on).
  const isa::Instruction& instruction(int32_t i) const {
    return i < core1_begin ? prog->instructions[i] : prog1->instructions[i - core1_begin];
  }
  // Earliest time piece `k` may start as far as its queue and its instruction's dependencies
  // allow; every producer must be done (instruction_done).
  int64_t dependency_ready(int32_t k) const;
  // Issues piece `k` at `now_ps` (>= dependency_ready(k)): books shared ports and HBM, records
  // start and end. Returns when the queue's occupancy ends.
  int64_t issue(int32_t k, int64_t now_ps);

  // DMA queue q: the resolved piece that may start first (see above), or -1 if none may.
  int32_t pick_ready(int q);
  // Removes `piece`, the result of pick_ready(q), from its queue's ready set (an in-order piece
  // is in none).
  void pop_ready(int q, int32_t piece);
  // Called once instruction i is done: counts it off its DMA consumers; each consumer whose
  // producers are now all done is resolved (its pieces join their queues' ready sets), and
  // on_ready(ready_ps) is called for it.
  template <class OnReady>
  void release(int32_t i, OnReady&& on_ready) {
    for (int32_t c = consumer_begin[i]; c < consumer_begin[i + 1]; ++c) {
      const int32_t consumer = dma_consumer[c];
      if (--unresolved[consumer] == 0) {
        const int64_t ready = ready_ps[consumer] = resolved_ready_ps(consumer);
        for (int32_t k = plan->piece_begin[consumer]; k < plan->piece_begin[consumer + 1]; ++k)
          push_ready(k);
        on_ready(ready);
      }
    }
  }

 private:
  // max(producer end + sync) over the dependencies of instruction i (all done).
  int64_t resolved_ready_ps(int32_t i) const;
  // Adds piece k of a resolved instruction (ready_ps set) to its queue's ready set, unless it
  // is an in-order piece.
  void push_ready(int32_t k);
  // Queue q's least piece of its ready set, or -1 if it is empty.
  int32_t first_ready(int q) const;
  // Ready-set order: true if piece a comes after piece b.
  bool after(int32_t a, int32_t b) const {
    const int64_t ra = piece_ready_ps(a), rb = piece_ready_ps(b);
    return ra != rb ? ra > rb : a > b;
  }
  bool ordered(int32_t k) const { return plan->in_program_order[plan->piece_instr[k]] != 0; }
};

}  // namespace trnsim::sim
