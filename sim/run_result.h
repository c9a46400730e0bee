// What one timing simulation produces: one record per executed instruction (engine, queue,
// start and end times, cost) plus totals. Consumers: stats, timeline, terminal summary,
// compare, rank. Times are in ns of simulated time.
#pragma once

#include <cstdint>
#include <initializer_list>
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

// The DMA pieces of a run, column by column, with times in ps (the simulation's resolution):
// a timing run moves its per-piece time arrays in here instead of copying them (the pieces are
// most of a run's results: 16 per transfer by default). Reading piece k gives a DmaPieceRecord
// by value, with times converted to ns as ps / 1000; a record pushed in has its times rounded
// to the nearest ps.
// Start order: the pieces by start time, ties in program order. A timing run supplies it (its
// DMA process issues pieces in time order); for pieces pushed in it is sorted when asked for.
class DmaPieces {
 public:
  class Iterator {
   public:
    Iterator(const DmaPieces* p, size_t k) : p_(p), k_(k) {}
    DmaPieceRecord operator*() const { return (*p_)[k_]; }
    Iterator& operator++() { ++k_; return *this; }
    bool operator!=(const Iterator& o) const { return k_ != o.k_; }
   private:
    const DmaPieces* p_;
    size_t k_;
  };

  DmaPieces() = default;
  DmaPieces(std::initializer_list<DmaPieceRecord> pieces);
  // Columns of equal length; busy_end_ps[k] is when piece k's queue occupancy ends.
  // `start_order`, if not empty, holds every position once (checked), in any order: it is put in
  // start order here (a timing run passes its issue order, already nearly so).
  DmaPieces(std::vector<int32_t> index, std::vector<int16_t> queue, std::vector<int64_t> start_ps,
            std::vector<int64_t> end_ps, std::vector<int64_t> busy_end_ps,
            std::vector<int64_t> idle_ps, std::vector<int64_t> bytes,
            std::vector<int32_t> start_order = {});

  size_t size() const { return index_.size(); }
  bool empty() const { return index_.empty(); }
  DmaPieceRecord operator[](size_t k) const {
    return {index_[k], queue_[k], ns(start_ps_[k]), ns(end_ps_[k]),
            ns(busy_end_ps_[k] - start_ps_[k]), ns(idle_ps_[k]), bytes_[k]};
  }
  // Single columns of piece k, for passes that need a few of them.
  int32_t index(size_t k) const { return index_[k]; }
  int16_t queue(size_t k) const { return queue_[k]; }
  int64_t start_ps(size_t k) const { return start_ps_[k]; }
  int64_t busy_end_ps(size_t k) const { return busy_end_ps_[k]; }
  int64_t bytes(size_t k) const { return bytes_[k]; }
  Iterator begin() const { return {this, 0}; }
  Iterator end() const { return {this, size()}; }
  void push_back(const DmaPieceRecord& p);
  void clear() { *this = DmaPieces(); }
  // Calls visit(k) for every position k in start order.
  template <class Visit>
  void for_each_by_start(Visit&& visit) const {
    if (start_order_.size() == size()) {
      for (const int32_t k : start_order_) visit(static_cast<size_t>(k));
      return;
    }
    for (const int32_t k : sorted_start_order()) visit(static_cast<size_t>(k));
  }

 private:
  static double ns(int64_t ps) { return static_cast<double>(ps) / 1000.0; }
  // The start order computed from start_ps_ (pieces pushed in).
  std::vector<int32_t> sorted_start_order() const;
  bool starts_before(int32_t a, int32_t b) const;  // (start, position) order
  std::vector<int32_t> index_;
  std::vector<int16_t> queue_;
  std::vector<int64_t> start_ps_, end_ps_, busy_end_ps_, idle_ps_, bytes_;
  std::vector<int32_t> start_order_;  // empty for pieces pushed in
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
  DmaPieces dma_pieces;
  double total_ns = 0;
  // wait() calls the timing processes made (a performance counter of the simulator itself,
  // printed by `trnsim bench`; a pair run's two results both hold the whole run's; 0 for
  // hand-made results).
  int64_t systemc_waits = 0;
};

}  // namespace trnsim::sim
