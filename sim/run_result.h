// What one timing simulation produces: one record per executed instruction (engine, queue,
// start and end times, cost) plus totals. Consumers: stats, timeline, terminal summary,
// compare, rank. Times are in ns of simulated time.
#pragma once

#include <cstdint>
#include <vector>

#include "isa/opcodes.h"

namespace trnsim::sim {

// For a DMA spread over several queues (sim/dma/dma_queues.h) the record spans its pieces:
// queue is the first piece's queue, start the earliest piece start, end the latest piece end,
// busy_ns runs from start to the latest end of a piece's queue occupancy, and cycles and
// dep_wait_ns are summed over the pieces (queue time). RunResult::dma_pieces has the pieces.
struct InstrRecord {
  int32_t index = 0;             // instruction index in the program
  isa::Engine engine{};
  int16_t queue = -1;            // DMA queue (DMA instructions only)
  double start_ns = 0;           // when the engine/queue began the instruction
  double end_ns = 0;             // when its result became visible to consumers
  double busy_ns = 0;            // occupancy of the engine/queue (<= end - start)
  double dep_wait_ns = 0;        // time the queue sat idle waiting on dependencies/sync
  // The part of dep_wait_ns spent waiting for an anti-dependency (WAR/WAW: memory the
  // instruction overwrites still being read or written, e.g. reused by the allocation), i.e.
  // the idle time up to a binding producer edge that is not RAW.
  double anti_dep_wait_ns = 0;
  int64_t cycles = 0;            // occupancy in the engine's cycles (DMA: ns)
  int64_t bytes = 0;             // DMA bytes moved (0 for compute)
  double flops = 0;              // tensor-engine FLOPs (2*M*N*K for nc_matmul)
};

// One piece of a DMA transfer: its share of the transfer on one DMA queue.
struct DmaPieceRecord {
  int32_t index = 0;       // instruction index in the program
  int16_t queue = 0;       // DMA queue
  double start_ns = 0;
  double end_ns = 0;       // this piece's data visible
  double busy_ns = 0;      // queue occupancy, including any wait for shared HBM bandwidth
  double dep_wait_ns = 0;  // time the queue sat idle before it
  int64_t bytes = 0;
};

// A cross-engine dependency edge the timing model honoured (for timeline flow arrows).
struct DepEdge {
  int32_t producer = 0, consumer = 0;
};

struct RunResult {
  std::vector<InstrRecord> records;  // in program order (records[i].index == i)
  std::vector<DepEdge> cross_engine_edges;
  // Every DMA piece, in program order (pieces of one instruction by queue rotation). Timing
  // runs fill it; when it is empty (hand-made results), consumers treat each DMA record as one
  // piece on records[i].queue.
  std::vector<DmaPieceRecord> dma_pieces;
  double total_ns = 0;
};

}  // namespace trnsim::sim
