// The timing plan: everything the SystemC run needs, precomputed into flat arrays before
// sc_start so that simulating an instruction allocates nothing and touches no strings:
// queue assignment, costs in ps, shared ports, HBM reservations
// and dependency edges with their synchronisation cost.
// Queues: 0 tensor, 1 vector, 2 scalar, 3 gpsimd, 4.. DMA queues.
// Pieces: the unit of queue work. A compute instruction is one piece; a DMA transfer spread
// over k DMA queues (sim/dma/dma_queues.h) is k pieces, one per queue, that run in parallel;
// the instruction completes when its last piece completes. Dependencies are between
// instructions: every piece of a consumer waits for every piece of its producers.
#pragma once

#include <cstdint>
#include <vector>

#include "isa/program.h"
#include "sim/config/hw_config.h"

namespace trnsim::sim {

inline constexpr int kNumComputeQueues = 4;
// Queues of one core; core c of a pair plan (sim/pair/) owns queues [c * kQueuesPerCore, ...).
inline constexpr int kQueuesPerCore = kNumComputeQueues + kMaxDmaQueues;
inline constexpr int kMaxCores = 2;
static_assert(kMaxCores * kQueuesPerCore <= 256, "a queue number is one byte (piece_queue)");
inline bool is_compute_queue(int q) { return q % kQueuesPerCore < kNumComputeQueues; }

struct TimingPlan {
  int num_queues = 0;
  // Per instruction.
  std::vector<int32_t> queue_of;      // queue of its first piece
  std::vector<int32_t> piece_begin;   // size n + 1, CSR: pieces of i are [begin[i], begin[i+1])
  std::vector<uint8_t> ports;         // shared ports used (sim/memory/shared_resources.h)
  // DMA instructions: 1 if its queues start it in program order, 0 if in ready order (from
  // the program's isa::DmaIssue, see in_program_order). Compute instructions: 1.
  std::vector<uint8_t> in_program_order;
  std::vector<int32_t> dep_begin;     // size n + 1, CSR into dep_producer / dep_sync_ps
  std::vector<int32_t> dep_producer;
  // Extra wait after the producer's end: 0 when producer and consumer are single pieces on the
  // same queue, else sync.dma_trigger_ns for a DMA consumer and sync.cross_engine_ns for a
  // compute consumer. Same-queue edges of the tensor engine are dropped (program order
  // suffices).
  std::vector<int64_t> dep_sync_ps;
  std::vector<uint8_t> dep_raw;  // per edge: Dependencies::raw (1 RAW, 0 anti/ordering)
  // Per piece. Costs live in a table that pieces index, each distinct cost once (the pieces of
  // one transfer share at most two: row counts differ by at most one; and a program repeats a
  // few instruction shapes).
  struct PieceCost {
    int64_t occupancy_ps = 0;
    int64_t latency_ps = 0;  // >= occupancy_ps
    int64_t hbm_ps = 0;      // HBM bandwidth reservation (DMA), else 0
    int64_t bytes = 0;       // DMA bytes of the piece, else 0
  };
  std::vector<int32_t> piece_instr;   // the instruction it belongs to
  std::vector<uint8_t> piece_queue;   // the queue it runs on
  std::vector<int32_t> piece_cost;    // index into costs
  std::vector<PieceCost> costs;
  // Record data, per instruction.
  std::vector<isa::Engine> engine;
  std::vector<int64_t> cycles;        // occupancy in engine cycles (DMA: ns, summed over pieces)
  std::vector<int64_t> bytes;         // DMA bytes
  std::vector<double> flops;

  int32_t size() const { return static_cast<int32_t>(queue_of.size()); }
  int32_t num_pieces() const { return static_cast<int32_t>(piece_instr.size()); }
  int32_t pieces_of(int32_t i) const { return piece_begin[i + 1] - piece_begin[i]; }
  const PieceCost& cost_of(int32_t piece) const { return costs[piece_cost[piece]]; }
  // Whether the edge producer -> consumer needs no synchronisation: both are single pieces on
  // the same queue.
  bool same_queue(int32_t producer, int32_t consumer) const {
    return pieces_of(producer) == 1 && pieces_of(consumer) == 1 &&
           queue_of[producer] == queue_of[consumer];
  }
  // Queue numbering helpers.
  static int compute_queue(isa::Engine e) { return static_cast<int>(e); }
  static int dma_queue(int q) { return kNumComputeQueues + q; }
};

// Whether DMA instruction `ins` keeps program order on its queues under the program's
// isa::DmaIssue (kPrefetch: every transfer but a load from HBM into SBUF/PSUM).
bool in_program_order(const isa::Program& prog, const isa::Instruction& ins);

// Builds the plan of a validated program. Throws trnsim::Error for a bad DMA queue.
TimingPlan build_plan(const isa::Program& prog, const HwConfig& cfg);

// Converts engine cycles at `ghz` to ps, rounded to nearest.
int64_t cycles_to_ps(int64_t cycles, double ghz);

}  // namespace trnsim::sim
