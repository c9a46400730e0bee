#include "sim/engines/run_state.h"

#include <algorithm>

namespace trnsim::sim {

void RunState::reset(const TimingPlan& p, const isa::Program* program, isa::MachineState* vals) {
  plan = &p;
  prog = program;
  values = vals;
  const size_t pieces = p.piece_instr.size();
  issued.assign(pieces, 0);
  start_ps.assign(pieces, 0);
  end_ps.assign(pieces, 0);
  busy_end_ps.assign(pieces, 0);
  idle_ps.assign(pieces, 0);
  const size_t n = p.queue_of.size();
  pieces_left.resize(n);
  for (size_t i = 0; i < n; ++i) pieces_left[i] = p.piece_begin[i + 1] - p.piece_begin[i];
  instr_end_ps.assign(n, 0);
  engine_free_ps.assign(p.num_queues, 0);
  last_end_ps.assign(p.num_queues, 0);
  queue_begin.assign(p.num_queues + 1, 0);
  for (const int q : p.piece_queue) ++queue_begin[q + 1];
  for (int q = 0; q < p.num_queues; ++q) queue_begin[q + 1] += queue_begin[q];
  queue_pieces.assign(pieces, 0);
  next.assign(queue_begin.begin(), queue_begin.end() - 1);
  {
    std::vector<int32_t> fill = next;
    for (int32_t k = 0; k < static_cast<int32_t>(pieces); ++k) {
      queue_pieces[fill[p.piece_queue[k]]++] = k;
    }
  }
  // Reverse edges to DMA consumers; DMA instructions without producers are ready at 0.
  consumer_begin.assign(n + 1, 0);
  unresolved.assign(n, 0);
  size_t dma_pieces = 0;
  for (size_t i = 0; i < n; ++i) {
    if (p.engine[i] != isa::Engine::kDma) continue;
    dma_pieces += size_t(p.pieces_of(int32_t(i)));
    unresolved[i] = p.dep_begin[i + 1] - p.dep_begin[i];
    for (int32_t d = p.dep_begin[i]; d < p.dep_begin[i + 1]; ++d) {
      ++consumer_begin[p.dep_producer[d] + 1];
    }
  }
  for (size_t i = 0; i < n; ++i) consumer_begin[i + 1] += consumer_begin[i];
  dma_issue_order.clear();
  dma_issue_order.reserve(dma_pieces);  // every DMA piece issues once
  dma_consumer.assign(consumer_begin[n], 0);
  std::vector<int32_t> fill(consumer_begin.begin(), consumer_begin.end() - 1);
  for (size_t i = 0; i < n; ++i) {
    if (p.engine[i] != isa::Engine::kDma) continue;
    for (int32_t d = p.dep_begin[i]; d < p.dep_begin[i + 1]; ++d) {
      dma_consumer[fill[p.dep_producer[d]]++] = static_cast<int32_t>(i);
    }
  }
  ready_ps.assign(n, 0);
  ready_fifo.assign(pieces, 0);
  fifo_head.assign(p.num_queues, 0);
  fifo_tail.assign(p.num_queues, 0);
  ready_heap.assign(pieces, 0);
  heap_size.assign(p.num_queues, 0);
  ordered_next.assign(queue_begin.begin(), queue_begin.end() - 1);
  for (size_t i = 0; i < n; ++i) {
    if (p.engine[i] != isa::Engine::kDma || unresolved[i] != 0) continue;
    for (int32_t k = p.piece_begin[i]; k < p.piece_begin[i + 1]; ++k) push_ready(k);
  }
  shared.reset();
  waits = 0;
  abort = false;
  error = nullptr;
}

namespace {

template <class T>
void free_vector(std::vector<T>* v) {
  std::vector<T>().swap(*v);
}

}  // namespace

void RunState::release_scheduling() {
  free_vector(&issued);
  free_vector(&queue_begin);
  free_vector(&queue_pieces);
  free_vector(&consumer_begin);
  free_vector(&dma_consumer);
  free_vector(&unresolved);
  free_vector(&ready_ps);
  free_vector(&ready_fifo);
  free_vector(&fifo_head);
  free_vector(&fifo_tail);
  free_vector(&ready_heap);
  free_vector(&heap_size);
  free_vector(&ordered_next);
}

int64_t RunState::dependency_ready(int32_t k) const {
  const int32_t i = plan->piece_instr[k];
  int64_t t = engine_free_ps[plan->piece_queue[k]];
  for (int32_t d = plan->dep_begin[i]; d < plan->dep_begin[i + 1]; ++d) {
    t = std::max(t, instr_end_ps[plan->dep_producer[d]] + plan->dep_sync_ps[d]);
  }
  return t;
}

int64_t RunState::resolved_ready_ps(int32_t i) const {
  int64_t t = 0;
  for (int32_t d = plan->dep_begin[i]; d < plan->dep_begin[i + 1]; ++d) {
    t = std::max(t, instr_end_ps[plan->dep_producer[d]] + plan->dep_sync_ps[d]);
  }
  return t;
}

void RunState::push_ready(int32_t k) {
  if (ordered(k)) return;  // found by pick_ready at its queue position once resolved
  const int q = plan->piece_queue[k];
  int32_t* fifo = ready_fifo.data() + queue_begin[q];
  if (fifo_head[q] == fifo_tail[q] || after(k, fifo[fifo_tail[q] - 1])) {
    fifo[fifo_tail[q]++] = k;
    return;
  }
  int32_t* heap = ready_heap.data() + queue_begin[q];
  heap[heap_size[q]++] = k;
  std::push_heap(heap, heap + heap_size[q], [this](int32_t a, int32_t b) { return after(a, b); });
}

int32_t RunState::first_ready(int q) const {
  const bool in_fifo = fifo_head[q] < fifo_tail[q], in_heap = heap_size[q] > 0;
  const int32_t from_fifo = in_fifo ? ready_fifo[queue_begin[q] + fifo_head[q]] : -1;
  const int32_t from_heap = in_heap ? ready_heap[queue_begin[q]] : -1;
  if (!in_heap) return from_fifo;
  if (!in_fifo) return from_heap;
  return after(from_fifo, from_heap) ? from_heap : from_fifo;
}

int32_t RunState::pick_ready(int q) {
  int32_t& pos = ordered_next[q];
  while (pos < queue_begin[q + 1] &&
         (issued[queue_pieces[pos]] || !ordered(queue_pieces[pos]))) {
    ++pos;
  }
  int32_t in_order = -1;
  if (pos < queue_begin[q + 1] && unresolved[plan->piece_instr[queue_pieces[pos]]] == 0)
    in_order = queue_pieces[pos];
  const int32_t any_order = first_ready(q);
  if (in_order < 0) return any_order;
  if (any_order < 0) return in_order;
  const int64_t free = engine_free_ps[q];
  const int64_t t_in = std::max(piece_ready_ps(in_order), free);
  const int64_t t_any = std::max(piece_ready_ps(any_order), free);
  if (t_in != t_any) return t_in < t_any ? in_order : any_order;
  return std::min(in_order, any_order);
}

void RunState::pop_ready(int q, int32_t piece) {
  if (ordered(piece)) return;  // in neither
  if (fifo_head[q] < fifo_tail[q] && ready_fifo[queue_begin[q] + fifo_head[q]] == piece) {
    ++fifo_head[q];
    return;
  }
  int32_t* heap = ready_heap.data() + queue_begin[q];
  std::pop_heap(heap, heap + heap_size[q]--, [this](int32_t a, int32_t b) { return after(a, b); });
}

int64_t RunState::issue(int32_t k, int64_t now_ps) {
  const TimingPlan& p = *plan;
  const int32_t i = p.piece_instr[k];
  const int q = p.piece_queue[k];
  const uint8_t ports = p.ports[i];
  const TimingPlan::PieceCost& c = p.cost_of(k);
  const int64_t start = shared.earliest_start(ports, now_ps);
  int64_t busy_end = start + c.occupancy_ps;
  if (c.hbm_ps > 0) busy_end = std::max(busy_end, shared.reserve_hbm(start, c.hbm_ps));
  shared.hold(ports, busy_end);
  const int64_t stretch = busy_end - start - c.occupancy_ps;
  const int64_t end = std::max(start + c.latency_ps + stretch, last_end_ps[q]);
  start_ps[k] = start;
  idle_ps[k] = start - engine_free_ps[q];
  end_ps[k] = end;
  busy_end_ps[k] = busy_end;
  last_end_ps[q] = end;
  engine_free_ps[q] = busy_end;
  issued[k] = 1;
  instr_end_ps[i] = std::max(instr_end_ps[i], end);
  --pieces_left[i];
  return busy_end;
}

}  // namespace trnsim::sim
