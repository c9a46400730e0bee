// The DMA issue orders of isa::DmaIssue (sim/core/neuron_core.h) on one queue:
// program_order: a transfer waiting for compute holds up every later transfer of its queue;
// prefetch: a load passes it, but a store does not pass an earlier store; asap: any ready
// transfer passes a waiting one. Times follow trn1.json (queue 17 B/ns, fixed 64 ns,
// efficiency 0.7 at >= 4 KiB per row, dma_trigger 1300 ns, cross-engine sync 50 ns).
#include <gtest/gtest.h>

#include "tests/sim/sim_test_util.h"

namespace trnsim::sim {
namespace {

using isa::DmaIssue;
using isa::DType;
using isa::Memory;
using testing::ProgramBuilder;

constexpr double kEps = 1e-3;
// 512 KiB at 4 KiB per row, 70%: 64 + 524288 / 11.9 = 44121.6 -> 44122 ns occupancy.
constexpr double kLoadNs = 44122;

// 0 load A; 1 activation on A; 2 store of 1's result (waits for 1); 3 independent load C;
// 4 store of a tile nothing writes (ready at once). All on DMA queue 0.
RunResult run(DmaIssue issue) {
  const HwConfig cfg = load_target("trn1");
  ProgramBuilder b("issue");
  auto h = b.tensor("h", {128, 1024});
  auto h2 = b.tensor("h2", {128, 1024});
  auto out = b.tensor("out", {128, 1024}, DType::kFp32, isa::TensorRole::kOutput);
  auto out2 = b.tensor("out2", {128, 1024}, DType::kFp32, isa::TensorRole::kOutput);
  auto sa = b.tile("sa", Memory::kSbuf, 128, {1024});
  auto sb = b.tile("sb", Memory::kSbuf, 128, {1024});
  auto sc = b.tile("sc", Memory::kSbuf, 128, {1024});
  auto sd = b.tile("sd", Memory::kSbuf, 128, {1024});
  b.dma(b.whole(sa), b.whole(h), 0);
  b.act(b.whole(sb), b.whole(sa));
  b.dma(b.whole(out), b.whole(sb), 0);
  b.dma(b.whole(sc), b.whole(h2), 0);
  b.dma(b.whole(out2), b.whole(sd), 0);
  b.raw().dma_issue = issue;
  return testing::time_only(b.build(cfg), cfg);
}

TEST(DmaIssue, ProgramOrderHoldsLaterTransfersBehindAWaitingOne) {
  const RunResult r = run(DmaIssue::kProgramOrder);
  EXPECT_NEAR(r.records[2].start_ns, r.records[1].end_ns + 1300, kEps);
  EXPECT_NEAR(r.records[3].start_ns, r.records[2].start_ns + kLoadNs, kEps);
  EXPECT_NEAR(r.records[4].start_ns, r.records[3].start_ns + kLoadNs, kEps);
}

TEST(DmaIssue, PrefetchLetsLoadsPassButKeepsStoresInOrder) {
  const RunResult r = run(DmaIssue::kPrefetch);
  EXPECT_NEAR(r.records[3].start_ns, kLoadNs, kEps);  // right after load A, ahead of store 2
  EXPECT_NEAR(r.records[2].start_ns, 2 * kLoadNs, kEps);
  // Store 4, ready at 0, still waits for store 2.
  EXPECT_NEAR(r.records[4].start_ns, 3 * kLoadNs, kEps);
}

TEST(DmaIssue, AsapStartsEveryReadyTransfer) {
  const RunResult r = run(DmaIssue::kAsap);
  EXPECT_NEAR(r.records[3].start_ns, kLoadNs, kEps);
  // Store 4 (ready at 0) passes store 2 (ready after the activation).
  EXPECT_NEAR(r.records[4].start_ns, 2 * kLoadNs, kEps);
  EXPECT_NEAR(r.records[2].start_ns, 3 * kLoadNs, kEps);
}

TEST(DmaIssue, OrdersRankAsDocumented) {
  const double program = run(DmaIssue::kProgramOrder).total_ns;
  const double prefetch = run(DmaIssue::kPrefetch).total_ns;
  const double asap = run(DmaIssue::kAsap).total_ns;
  EXPECT_GT(program, prefetch);
  EXPECT_GE(prefetch, asap);
}

}  // namespace
}  // namespace trnsim::sim
