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

// The DMA pieces of a run, with times in ps (the simulation's resolution); they are most of a
// run's results (16 per transfer by default). Reading piece k gives a DmaPieceRecord by value,
// with times converted to ns as ps / 1000; a record pushed in has its times rounded to the
// nearest ps.
// Runs: consecutive pieces of one instruction on consecutive queues (q, q + 1, ...) with the
// same times and bytes, as a spread transfer's pieces usually are, are held once, as a run.
// Passes over many pieces should walk the runs; piece k is found by a binary search.
// Start order: the pieces by start time, ties in program order (position). A timing run
// supplies its issue order as a hint (its DMA process issues pieces in time order,
// set_run_order); otherwise it is sorted when asked for.
class DmaPieces {
 public:
  class Iterator {  // over pieces, run by run
   public:
    Iterator(const DmaPieces* p, size_t run, size_t offset) : p_(p), run_(run), offset_(offset) {}
    DmaPieceRecord operator*() const { return p_->piece_of_run(run_, offset_); }
    Iterator& operator++() {
      if (++offset_ == p_->run_size(run_)) {
        ++run_;
        offset_ = 0;
      }
      return *this;
    }
    bool operator!=(const Iterator& o) const { return run_ != o.run_ || offset_ != o.offset_; }
   private:
    const DmaPieces* p_;
    size_t run_, offset_;
  };

  DmaPieces() = default;
  DmaPieces(std::initializer_list<DmaPieceRecord> pieces);
  // Columns of equal length, one entry per piece; busy_end_ps[k] is when piece k's queue
  // occupancy ends. `start_order`, if not empty, holds every position once (checked), in any
  // order (a timing run passes its issue order, nearly the start order).
  DmaPieces(std::vector<int32_t> index, std::vector<int16_t> queue, std::vector<int64_t> start_ps,
            std::vector<int64_t> end_ps, std::vector<int64_t> busy_end_ps,
            std::vector<int64_t> idle_ps, std::vector<int64_t> bytes,
            std::vector<int32_t> start_order = {});

  size_t size() const { return first_.empty() ? 0 : size_t(first_.back()); }
  bool empty() const { return size() == 0; }
  DmaPieceRecord operator[](size_t k) const {
    const size_t r = run_of(k);
    return piece_of_run(r, k - size_t(first_[r]));
  }
  // Single columns of piece k.
  int32_t index(size_t k) const { return index_[run_of(k)]; }
  int16_t queue(size_t k) const {
    const size_t r = run_of(k);
    return static_cast<int16_t>(queue_[r] + (k - size_t(first_[r])));
  }
  Iterator begin() const { return {this, 0, 0}; }
  Iterator end() const { return {this, runs(), 0}; }
  void push_back(const DmaPieceRecord& p);
  // push_back with times in ps; busy_end_ps is when the piece's queue occupancy ends.
  void append_ps(int32_t index, int16_t queue, int64_t start_ps, int64_t end_ps,
                 int64_t busy_end_ps, int64_t idle_ps, int64_t bytes);
  // The start order as a hint: `runs` lists every run at least once (checked; the first time a
  // run is listed counts), in any order; it is put in start order here. Pieces appended later
  // drop it.
  void set_run_order(std::vector<int32_t> runs);
  void clear() { *this = DmaPieces(); }

  // Runs r in [0, runs()): pieces [run_begin(r), run_begin(r) + run_size(r)), on queues
  // run_queue(r) + 0, 1, ...
  size_t runs() const { return index_.size(); }
  size_t run_begin(size_t r) const { return size_t(first_[r]); }
  size_t run_size(size_t r) const { return size_t(first_[r + 1] - first_[r]); }
  // Piece `offset` of run r.
  DmaPieceRecord piece_of_run(size_t r, size_t offset) const {
    return {index_[r], static_cast<int16_t>(queue_[r] + offset), ns(start_ps_[r]), ns(end_ps_[r]),
            ns(busy_end_ps_[r] - start_ps_[r]), ns(idle_ps_[r]), bytes_[r]};
  }
  int32_t run_index(size_t r) const { return index_[r]; }
  int16_t run_queue(size_t r) const { return queue_[r]; }
  int64_t run_start_ps(size_t r) const { return start_ps_[r]; }
  int64_t run_busy_end_ps(size_t r) const { return busy_end_ps_[r]; }
  int64_t run_bytes(size_t r) const { return bytes_[r]; }  // of each of its pieces

  // Calls visit(r) for every run r in start order (a run's pieces start together and are
  // consecutive positions, so this is the pieces' start order run by run).
  template <class Visit>
  void for_each_run_by_start(Visit&& visit) const {
    if (run_order_.size() == runs()) {
      for (const int32_t r : run_order_) visit(static_cast<size_t>(r));
      return;
    }
    for (const int32_t r : sorted_run_order()) visit(static_cast<size_t>(r));
  }
  // Calls visit(k) for every piece k in start order.
  template <class Visit>
  void for_each_by_start(Visit&& visit) const {
    for_each_run_by_start([&](size_t r) {
      for (size_t k = run_begin(r); k < run_begin(r) + run_size(r); ++k) visit(k);
    });
  }

 private:
  static double ns(int64_t ps) { return static_cast<double>(ps) / 1000.0; }
  size_t run_of(size_t k) const;  // the run holding piece k (< size())
  std::vector<int32_t> sorted_run_order() const;  // computed from the runs' starts
  bool starts_before(int32_t a, int32_t b) const;  // runs in (start, position) order
  // Per run.
  std::vector<int32_t> index_;
  std::vector<int16_t> queue_;  // of its first piece
  std::vector<int64_t> start_ps_, end_ps_, busy_end_ps_, idle_ps_, bytes_;
  std::vector<int32_t> first_;      // position of its first piece; first_[runs()] = size()
  std::vector<int32_t> run_order_;  // the runs in start order; empty for pieces pushed in
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
