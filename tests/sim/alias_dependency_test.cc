// Anti-dependencies created by allocation: when two tiles share bytes (fixed addresses with
// disjoint live ranges, isa/allocator.cc), the dependency analysis works on addresses, so a
// load into reused memory waits for the compute that last read the old tile.
// Times follow trn1.json: dma_trigger 1300 ns.
#include <gtest/gtest.h>

#include "tests/sim/sim_test_util.h"

namespace trnsim::sim {
namespace {

using isa::Memory;
using testing::ProgramBuilder;

constexpr double kEps = 1e-3;
constexpr double kTriggerNs = 1300;

// load a; activation a -> c; load b (b at `b_address`, a at 0); activation b -> c2.
RunResult run(int64_t b_address) {
  const HwConfig cfg = load_target("trn1");
  ProgramBuilder b("alias");
  auto x = b.tensor("x", {128, 512});
  auto x2 = b.tensor("x2", {128, 512});  // its own source: no DMA read-after-read edge
  auto ta = b.tile("a", Memory::kSbuf, 128, {512});
  auto tb = b.tile("b", Memory::kSbuf, 128, {512});
  auto tc = b.tile("c", Memory::kSbuf, 128, {512});
  auto tc2 = b.tile("c2", Memory::kSbuf, 128, {512});
  b.raw().tiles[0].fixed_address = 0;
  b.raw().tiles[1].fixed_address = b_address;
  b.raw().tiles[2].fixed_address = 8192;
  b.raw().tiles[3].fixed_address = 16384;
  b.dma(b.whole(ta), b.whole(x), 0);  // 0
  b.act(b.whole(tc), b.whole(ta));    // 1 last read of a
  b.dma(b.whole(tb), b.whole(x2), 1);  // 2 load into b
  b.act(b.whole(tc2), b.whole(tb));   // 3
  return testing::time_only(b.build(cfg), cfg);
}

TEST(AliasDependency, LoadIntoReusedBytesWaitsForLastReader) {
  const RunResult shared = run(0);
  EXPECT_NEAR(shared.records[2].start_ns, shared.records[1].end_ns + kTriggerNs, kEps);
  const RunResult apart = run(4096);
  // In its own bytes the load waits for nothing.
  EXPECT_NEAR(apart.records[2].start_ns, 0, kEps);
  EXPECT_GT(shared.total_ns, apart.total_ns);
}

}  // namespace
}  // namespace trnsim::sim
