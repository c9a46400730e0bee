#include "sim/trace/dma_bandwidth.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <queue>
#include <utility>

namespace trnsim::sim {
namespace {

// When a piece moves data and at what rate.
struct Span {
  double begin = 0, end = 0, rate = 0;
};

// The piece's span; false if it moves no data.
bool span_of(double start_ns, double busy_ns, int64_t bytes, double fixed_ns, Span* s) {
  if (bytes <= 0 || !(busy_ns > 0)) return false;
  s->begin = busy_ns > fixed_ns ? start_ns + fixed_ns : start_ns;
  s->end = start_ns + busy_ns;
  s->rate = double(bytes) / (s->end - s->begin);
  return true;
}

// The pieces of a run (or its DMA records, when it has no pieces) that move data, by queue.
class PieceSpans {
 public:
  PieceSpans(const RunResult& result, double fixed_ns)
      : result_(result), fixed_ns_(fixed_ns), by_piece_(!result.dma_pieces.empty()) {
    const size_t n = by_piece_ ? result.dma_pieces.size() : result.records.size();
    Span s;
    for (size_t k = 0; k < n; ++k) {
      if (!span(k, &s)) continue;
      const size_t queue = size_t(std::max(
          0, by_piece_ ? int(result.dma_pieces[k].queue) : int(result.records[k].queue)));
      if (queue >= by_queue_.size()) by_queue_.resize(queue + 1);
      by_queue_[queue].push_back(int32_t(k));
    }
  }
  bool span(size_t k, Span* s) const {
    if (by_piece_) {
      const DmaPieceRecord p = result_.dma_pieces[k];
      return span_of(p.start_ns, p.busy_ns, p.bytes, fixed_ns_, s);
    }
    const InstrRecord& r = result_.records[k];
    return r.engine == isa::Engine::kDma && span_of(r.start_ns, r.busy_ns, r.bytes, fixed_ns_, s);
  }
  Span operator[](int32_t k) const {
    Span s;
    span(size_t(k), &s);
    return s;
  }
  const std::vector<std::vector<int32_t>>& by_queue() const { return by_queue_; }

 private:
  const RunResult& result_;
  double fixed_ns_;
  bool by_piece_;
  std::vector<std::vector<int32_t>> by_queue_;  // indices of pieces that move data
};

}  // namespace

// A queue serves one piece at a time, so its pieces' begins, taken in order, are already sorted
// and so are their ends (checked, sorted when not: hand-made results may overlap). The track
// merges these two sorted streams per queue, instead of sorting every rate step of the run.
std::vector<BandwidthPoint> dma_bandwidth_track(const RunResult& result, double fixed_ns) {
  const PieceSpans spans(result, fixed_ns);
  struct Stream {
    const std::vector<int32_t>* order;  // piece indices by time
    std::vector<int32_t> sorted;        // the queue's pieces sorted, when they were not
    bool ends;                          // begins (+rate) or ends (-rate)
    size_t next;
  };
  std::vector<Stream> streams;
  const auto time_of = [&](bool ends, int32_t k) {
    const Span s = spans[k];
    return ends ? s.end : s.begin;
  };
  for (const std::vector<int32_t>& pieces : spans.by_queue()) {
    if (pieces.empty()) continue;
    for (const bool ends : {false, true}) {
      const auto earlier = [&](int32_t a, int32_t b) {
        return time_of(ends, a) < time_of(ends, b);
      };
      Stream st{&pieces, {}, ends, 0};
      if (!std::is_sorted(pieces.begin(), pieces.end(), earlier)) {
        st.sorted = pieces;
        std::stable_sort(st.sorted.begin(), st.sorted.end(), earlier);
      }
      streams.push_back(std::move(st));
    }
  }
  for (Stream& st : streams)
    if (!st.sorted.empty()) st.order = &st.sorted;  // after the moves: points into its own
  // Min-heap of (next time, stream).
  using Head = std::pair<double, size_t>;
  std::priority_queue<Head, std::vector<Head>, std::greater<Head>> heads;
  for (size_t i = 0; i < streams.size(); ++i)
    heads.push({time_of(streams[i].ends, (*streams[i].order)[0]), i});
  std::vector<BandwidthPoint> track;
  double rate = 0;
  while (!heads.empty()) {
    const double t = heads.top().first;
    while (!heads.empty() && heads.top().first == t) {
      const size_t i = heads.top().second;
      Stream& st = streams[i];
      heads.pop();
      const Span s = spans[(*st.order)[st.next]];
      rate += st.ends ? -s.rate : s.rate;
      if (++st.next < st.order->size())
        heads.push({time_of(st.ends, (*st.order)[st.next]), i});
    }
    // Sums of +r and -r leave rounding residue; below a byte per second it is zero.
    if (std::abs(rate) < 1e-9) rate = 0;
    if (!track.empty() && track.back().bytes_per_ns == rate) continue;
    track.push_back({t, rate});
  }
  return track;
}

}  // namespace trnsim::sim
