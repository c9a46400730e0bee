// The timing plan: everything the SystemC run needs, precomputed into flat arrays before
// sc_start so that simulating an instruction allocates nothing and touches no strings:
// queue assignment, per-queue instruction lists, costs in ps, shared ports, HBM reservations
// and dependency edges with their synchronisation cost.
// Queues: 0 tensor, 1 vector, 2 scalar, 3 gpsimd, 4.. DMA queues.
#pragma once

#include <cstdint>
#include <vector>

#include "isa/program.h"
#include "sim/config/hw_config.h"

namespace trnsim::sim {

inline constexpr int kNumComputeQueues = 4;

struct TimingPlan {
  int num_queues = 0;
  std::vector<int32_t> queue_of;      // per instruction
  std::vector<int32_t> queue_begin;   // size num_queues + 1, CSR into queue_instrs
  std::vector<int32_t> queue_instrs;  // instructions of each queue, in program order
  std::vector<int64_t> occupancy_ps;  // per instruction
  std::vector<int64_t> latency_ps;    // per instruction, >= occupancy_ps
  std::vector<int64_t> hbm_ps;        // HBM bandwidth reservation (DMA), else 0
  std::vector<uint8_t> ports;         // shared ports used (sim/memory/shared_resources.h)
  std::vector<int32_t> dep_begin;     // size n + 1, CSR into dep_producer / dep_sync_ps
  std::vector<int32_t> dep_producer;
  // Extra wait after the producer's end: 0 on the same queue, sync.cross_engine_ns for a
  // compute consumer on another queue, sync.dma_trigger_ns for a DMA consumer on another
  // queue. Same-queue edges of the tensor engine are dropped (program order suffices).
  std::vector<int64_t> dep_sync_ps;
  // Record data.
  std::vector<isa::Engine> engine;
  std::vector<int64_t> cycles;        // occupancy in engine cycles (DMA: ns)
  std::vector<int64_t> bytes;         // DMA bytes
  std::vector<double> flops;

  int32_t size() const { return static_cast<int32_t>(queue_of.size()); }
  // Queue numbering helpers.
  static int compute_queue(isa::Engine e) { return static_cast<int>(e); }
  static int dma_queue(int q) { return kNumComputeQueues + q; }
};

// Builds the plan of a validated program. Throws trnsim::Error for a bad DMA queue.
TimingPlan build_plan(const isa::Program& prog, const HwConfig& cfg);

// Rebuilds queue_begin/queue_instrs from queue_of (for tests that edit a plan).
void index_queues(TimingPlan* plan);

// Converts engine cycles at `ghz` to ps, rounded to nearest.
int64_t cycles_to_ps(int64_t cycles, double ghz);

}  // namespace trnsim::sim
