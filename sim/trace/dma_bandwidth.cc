#include "sim/trace/dma_bandwidth.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <utility>

namespace trnsim::sim {
namespace {

// When a piece moves data and at what rate.
struct Span {
  double begin = 0, end = 0, rate = 0;
};

// The piece's span; false if it moves no data.
bool span_of(double start_ns, double busy_ns, double bytes, double fixed_ns, Span* s) {
  if (!(bytes > 0) || !(busy_ns > 0)) return false;
  s->begin = busy_ns > fixed_ns ? start_ns + fixed_ns : start_ns;
  s->end = start_ns + busy_ns;
  s->rate = bytes / (s->end - s->begin);
  return true;
}

// The spans of a run's pieces (or of its DMA records, when it has no pieces) that move data,
// grouped by queue in piece order: queue q's are spans[begin[q], end[q]).
struct SpansByQueue {
  std::vector<size_t> begin, end;
  std::vector<Span> spans;
};

// Runs [r, end) with end the return value: the runs from r on of one transfer that start and
// end with run r (a spread transfer's pieces usually form one run; pieces that differ only in
// their bytes or end time of visibility form several). They move data over one span, so they
// become one span, on run r's first queue, at their summed rate: the merge below then takes one
// step per transfer instead of one per piece.
size_t same_span_end(const DmaPieces& pieces, size_t r) {
  size_t end = r + 1;
  while (end < pieces.runs() && pieces.run_index(end) == pieces.run_index(r) &&
         pieces.run_start_ps(end) == pieces.run_start_ps(r) &&
         pieces.run_busy_end_ps(end) == pieces.run_busy_end_ps(r)) {
    ++end;
  }
  return end;
}

// Two sequential passes over the result's columns: queue slots are counted from the queue
// column alone (so a queue's slice may have unused slots at its end), then the spans filled.
// With pieces, each pass steps over groups of runs sharing a span (same_span_end).
SpansByQueue spans_by_queue(const RunResult& result, double fixed_ns) {
  const DmaPieces& pieces = result.dma_pieces;
  const bool by_piece = !pieces.empty();
  const size_t n = by_piece ? pieces.runs() : result.records.size();
  const auto queue_of = [&](size_t k) {
    return size_t(
        std::max(0, by_piece ? int(pieces.run_queue(k)) : int(result.records[k].queue)));
  };
  const auto next = [&](size_t k) { return by_piece ? same_span_end(pieces, k) : k + 1; };
  SpansByQueue out;
  std::vector<size_t>& count = out.end;  // slots per queue, then the fill position
  for (size_t k = 0; k < n; k = next(k)) {
    if (!by_piece && result.records[k].engine != isa::Engine::kDma) continue;
    const size_t q = queue_of(k);
    if (q >= count.size()) count.resize(q + 1, 0);
    ++count[q];
  }
  out.begin.resize(count.size());
  size_t slots = 0;
  for (size_t q = 0; q < count.size(); ++q) {
    out.begin[q] = slots;
    slots += count[q];
    count[q] = out.begin[q];
  }
  out.spans.resize(slots);
  Span s;
  for (size_t k = 0, end = 0; k < n; k = end) {
    end = next(k);
    bool moves = false;
    if (by_piece) {  // the times as DmaPieces::operator[] gives them
      const double start_ns = double(pieces.run_start_ps(k)) / 1000.0;
      const double busy_ns = double(pieces.run_busy_end_ps(k) - pieces.run_start_ps(k)) / 1000.0;
      double bytes = 0;  // piece by piece, in piece order; pieces moving no bytes add nothing
      for (size_t r = k; r < end; ++r)
        for (size_t j = 0; j < pieces.run_size(r); ++j)
          bytes += double(std::max<int64_t>(0, pieces.run_bytes(r)));
      moves = span_of(start_ns, busy_ns, bytes, fixed_ns, &s);
    } else {
      const InstrRecord& r = result.records[k];
      moves = r.engine == isa::Engine::kDma &&
              span_of(r.start_ns, r.busy_ns, double(r.bytes), fixed_ns, &s);
    }
    if (moves) out.spans[out.end[queue_of(k)]++] = s;
  }
  return out;
}

// A tournament tree over streams' next times: which stream has the earliest (lowest index on
// ties), updated in log2(streams) comparisons when one stream advances.
class EarliestOf {
 public:
  explicit EarliestOf(size_t n) {
    while (leaves_ < std::max<size_t>(n, 1)) leaves_ *= 2;
    time_.assign(leaves_, std::numeric_limits<double>::infinity());
    winner_.resize(2 * leaves_);
    for (size_t i = 0; i < leaves_; ++i) winner_[leaves_ + i] = uint32_t(i);
    for (size_t j = leaves_ - 1; j >= 1; --j) replay(j);
  }
  void set(size_t stream, double t) {
    time_[stream] = t;
    for (size_t j = (leaves_ + stream) / 2; j >= 1; j /= 2) replay(j);
  }
  size_t stream() const { return winner_[1]; }
  double time() const { return time_[winner_[1]]; }

 private:
  void replay(size_t j) {
    const uint32_t a = winner_[2 * j], b = winner_[2 * j + 1];
    winner_[j] = time_[b] < time_[a] ? b : a;  // a < b: a wins ties
  }
  size_t leaves_ = 1;
  std::vector<double> time_;
  std::vector<uint32_t> winner_;  // node j: the winner of its subtree; leaves at [leaves_, 2x)
};

}  // namespace

// A queue serves one piece at a time, so its pieces' begins, taken in order, are already sorted
// and so are their ends (checked, sorted when not: hand-made results may overlap). The track
// merges these two sorted streams per queue (a tournament tree picks the next), instead of
// sorting every rate step of the run.
std::vector<BandwidthPoint> dma_bandwidth_track(const RunResult& result, double fixed_ns) {
  const SpansByQueue by_queue = spans_by_queue(result, fixed_ns);
  struct Stream {
    const Span* spans;                   // the queue's, in piece order
    size_t size;
    const std::vector<int32_t>* sorted;  // positions in time order, when piece order is not
    bool ends;                           // begins (+rate) or ends (-rate)
    size_t next;
    const Span& at(size_t k) const { return spans[sorted ? size_t((*sorted)[k]) : k]; }
    double time(size_t k) const { return ends ? at(k).end : at(k).begin; }
  };
  const size_t queues = by_queue.begin.size();
  std::vector<std::vector<int32_t>> orders(2 * queues);  // per queue: by begin, by end
  std::vector<Stream> streams;
  for (size_t q = 0; q < queues; ++q) {
    const Span* spans = by_queue.spans.data() + by_queue.begin[q];
    const size_t size = by_queue.end[q] - by_queue.begin[q];
    if (size == 0) continue;
    const auto by_begin = [](const Span& a, const Span& b) { return a.begin < b.begin; };
    const auto by_end = [](const Span& a, const Span& b) { return a.end < b.end; };
    // Positions 0..size-1 stably sorted by `earlier`, into `order`; returns it.
    const auto sorted_by = [&](std::vector<int32_t>* order, auto earlier) {
      order->resize(size);
      for (size_t k = 0; k < size; ++k) (*order)[k] = int32_t(k);
      std::stable_sort(order->begin(), order->end(), [&](int32_t a, int32_t b) {
        return earlier(spans[size_t(a)], spans[size_t(b)]);
      });
      return order;
    };
    const bool begins_in_order = std::is_sorted(spans, spans + size, by_begin);
    const std::vector<int32_t>* begin_order =
        begins_in_order ? nullptr : sorted_by(&orders[2 * q], by_begin);
    // A queue serves one piece at a time, so in begin order the ends usually rise strictly:
    // then that order is also the (unique) end order.
    const bool ends_in_begin_order =
        begins_in_order
            ? std::is_sorted(spans, spans + size, by_end)
            : std::adjacent_find(begin_order->begin(), begin_order->end(),
                                 [&](int32_t a, int32_t b) {
                                   return !by_end(spans[size_t(a)], spans[size_t(b)]);
                                 }) == begin_order->end();
    const std::vector<int32_t>* end_order =
        ends_in_begin_order ? begin_order : sorted_by(&orders[2 * q + 1], by_end);
    streams.push_back({spans, size, begin_order, false, 0});
    streams.push_back({spans, size, end_order, true, 0});
  }
  // Each step takes the stream with the earliest next time (the lowest stream on ties).
  const auto next_time = [&](size_t i) {
    const Stream& st = streams[i];
    return st.next < st.size ? st.time(st.next) : std::numeric_limits<double>::infinity();
  };
  EarliestOf earliest(streams.size());
  for (size_t i = 0; i < streams.size(); ++i) earliest.set(i, next_time(i));
  std::vector<BandwidthPoint> track;
  double rate = 0;
  while (earliest.time() != std::numeric_limits<double>::infinity()) {
    const double t = earliest.time();
    do {  // every stream at time t (at least one, so a NaN time cannot stall the loop)
      const size_t i = earliest.stream();
      Stream& st = streams[i];
      rate += st.ends ? -st.at(st.next).rate : st.at(st.next).rate;
      ++st.next;
      earliest.set(i, next_time(i));
    } while (earliest.time() == t);
    // Sums of +r and -r leave rounding residue; below a byte per second it is zero.
    if (std::abs(rate) < 1e-9) rate = 0;
    if (!track.empty() && track.back().bytes_per_ns == rate) continue;
    track.push_back({t, rate});
  }
  return track;
}

}  // namespace trnsim::sim
