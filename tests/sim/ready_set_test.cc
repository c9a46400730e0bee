// RunState's DMA ready set (sim/engines/run_state.h) on a hand-made plan: a queue starts, of its
// resolved ready-order pieces, the one of least (ready time, piece index), whatever order they
// were resolved in (some go to its FIFO, the others to its heap).
#include <gtest/gtest.h>

#include <vector>

#include "sim/engines/run_state.h"

namespace trnsim::sim {
namespace {

constexpr int kQueue = kNumComputeQueues;  // DMA queue 0

// Instructions [0, producers) run on the vector queue; DMA instruction producers + j (one piece
// on DMA queue 0, in ready order) depends on producer j only.
TimingPlan fan_out_plan(int producers) {
  TimingPlan p;
  p.num_queues = kQueue + 1;
  p.costs = {{1000, 1000, 0, 0}};
  for (int i = 0; i < 2 * producers; ++i) {
    const bool dma = i >= producers;
    p.queue_of.push_back(dma ? kQueue : TimingPlan::compute_queue(isa::Engine::kVector));
    p.piece_begin.push_back(i);
    p.ports.push_back(0);
    p.in_program_order.push_back(dma ? 0 : 1);
    p.dep_begin.push_back(int32_t(p.dep_producer.size()));
    if (dma) {
      p.dep_producer.push_back(i - producers);
      p.dep_sync_ps.push_back(0);
      p.dep_raw.push_back(1);
    }
    p.piece_instr.push_back(i);
    p.piece_queue.push_back(uint8_t(p.queue_of.back()));
    p.piece_cost.push_back(0);
    p.engine.push_back(dma ? isa::Engine::kDma : isa::Engine::kVector);
    p.cycles.push_back(1);
    p.bytes.push_back(0);
    p.flops.push_back(0);
  }
  p.piece_begin.push_back(2 * producers);
  p.dep_begin.push_back(int32_t(p.dep_producer.size()));
  return p;
}

// Resolves the DMA consumers by finishing their producers in `finish_order` at `end_ps`
// (per producer), then returns the order queue 0 starts them in.
std::vector<int32_t> start_order(const std::vector<int>& finish_order,
                                 const std::vector<int64_t>& end_ps) {
  const int n = static_cast<int>(end_ps.size());
  const TimingPlan plan = fan_out_plan(n);
  RunState st;
  st.reset(plan, nullptr, nullptr);
  for (const int j : finish_order) {
    st.instr_end_ps[j] = end_ps[j];
    st.pieces_left[j] = 0;
    st.release(j, [](int64_t) {});
  }
  std::vector<int32_t> order;
  for (int32_t k; (k = st.pick_ready(kQueue)) >= 0;) {
    st.pop_ready(kQueue, k);
    st.issue(k, st.dependency_ready(k));
    order.push_back(plan.piece_instr[k] - n);
  }
  return order;
}

TEST(ReadySet, ResolvedInTimeOrderStartInThatOrder) {
  EXPECT_EQ(start_order({0, 1, 2, 3}, {100, 200, 300, 400}), (std::vector<int32_t>{0, 1, 2, 3}));
}

TEST(ReadySet, ResolvedOutOfTimeOrderStartByReadyTime) {
  // Consumer 0 is ready last but resolved first; 1 and 3 are ready together (index order).
  EXPECT_EQ(start_order({0, 3, 1, 2}, {900, 200, 500, 200}), (std::vector<int32_t>{1, 3, 2, 0}));
  EXPECT_EQ(start_order({3, 2, 1, 0}, {100, 100, 100, 100}), (std::vector<int32_t>{0, 1, 2, 3}));
}

TEST(ReadySet, PiecesResolvedWhileOthersWaitJoinInTheirPlace) {
  // 0 and 1 resolve; the queue starts 0; then 2 (ready before 1) and 3 (after) resolve.
  const TimingPlan plan = fan_out_plan(4);
  RunState st;
  st.reset(plan, nullptr, nullptr);
  const auto finish = [&](int j, int64_t end) {
    st.instr_end_ps[j] = end;
    st.pieces_left[j] = 0;
    st.release(j, [](int64_t) {});
  };
  finish(0, 100);
  finish(1, 700);
  const int32_t first = st.pick_ready(kQueue);
  ASSERT_EQ(first, 4);
  st.pop_ready(kQueue, first);
  st.issue(first, st.dependency_ready(first));
  finish(2, 300);
  finish(3, 800);
  std::vector<int32_t> order;
  for (int32_t k; (k = st.pick_ready(kQueue)) >= 0;) {
    st.pop_ready(kQueue, k);
    st.issue(k, st.dependency_ready(k));
    order.push_back(k - 4);
  }
  EXPECT_EQ(order, (std::vector<int32_t>{2, 1, 3}));
}

}  // namespace
}  // namespace trnsim::sim
