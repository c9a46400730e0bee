// What one timing simulation produces: one record per executed instruction (engine, queue,
// start and end times, cost) plus totals. Consumers: stats, timeline, terminal summary,
// compare, rank. Times are in ns of simulated time.
#pragma once

#include <cstdint>
#include <vector>

#include "isa/opcodes.h"

namespace trnsim::sim {

struct InstrRecord {
  int32_t index = 0;             // instruction index in the program
  isa::Engine engine{};
  int16_t queue = -1;            // DMA queue (DMA instructions only)
  double start_ns = 0;           // when the engine/queue began the instruction
  double end_ns = 0;             // when its result became visible to consumers
  double busy_ns = 0;            // occupancy of the engine/queue (<= end - start)
  double dep_wait_ns = 0;        // time the queue sat idle waiting on dependencies/sync
  int64_t cycles = 0;            // occupancy in the engine's cycles (DMA: ns)
  int64_t bytes = 0;             // DMA bytes moved (0 for compute)
  double flops = 0;              // tensor-engine FLOPs (2*M*N*K for nc_matmul)
};

// A cross-engine dependency edge the timing model honoured (for timeline flow arrows).
struct DepEdge {
  int32_t producer = 0, consumer = 0;
};

struct RunResult {
  std::vector<InstrRecord> records;  // in program order (records[i].index == i)
  std::vector<DepEdge> cross_engine_edges;
  double total_ns = 0;
};

}  // namespace trnsim::sim
