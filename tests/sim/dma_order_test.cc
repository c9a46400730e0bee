// DMA queues under DmaIssue::kAsap serve transfers in ready order (sim/core/neuron_core.h): a
// store waiting for its compute producer does not hold up a later, independent load on the
// same queue; a transfer with a dependency still waits for it; program-order double buffering
// overlaps DMA with compute. (The other issue orders: dma_issue_test.cc.) Expected times follow trn1.json: queue 17 B/ns, fixed 64 ns, completion 300 ns,
// efficiency 0.7 at >= 4 KiB per row, dma_trigger 1300 ns.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>

#include "isa/error.h"
#include "isa/access_pattern.h"  // before machine_state.h, which uses AccessPattern
#include "isa/semantics/machine_state.h"
#include "tests/sim/sim_test_util.h"

namespace trnsim::sim {
namespace {

using isa::DType;
using isa::Memory;
using testing::inject_two_instruction_cycle;
using testing::ProgramBuilder;

constexpr double kEps = 1e-3;
constexpr double kTriggerNs = 1300;

class DmaOrderTest : public ::testing::Test {
 protected:
  HwConfig cfg_ = load_target("trn1");
};

// Load A, compute on it, store the result, then an independent load C; all on DMA queue 0.
TEST_F(DmaOrderTest, WaitingStoreDoesNotBlockLaterIndependentLoad) {
  ProgramBuilder b("pass");
  auto h = b.tensor("h", {128, 1024});
  auto h2 = b.tensor("h2", {128, 1024});
  auto out = b.tensor("out", {128, 1024}, DType::kFp32, isa::TensorRole::kOutput);
  auto sa = b.tile("sa", Memory::kSbuf, 128, {1024});
  auto sb = b.tile("sb", Memory::kSbuf, 128, {1024});
  auto sc = b.tile("sc", Memory::kSbuf, 128, {1024});
  b.dma(b.whole(sa), b.whole(h), 0);    // 0 load A
  b.act(b.whole(sb), b.whole(sa));      // 1 compute (scalar)
  b.dma(b.whole(out), b.whole(sb), 0);  // 2 store: waits for 1
  b.dma(b.whole(sc), b.whole(h2), 0);   // 3 load C: independent of 1 and 2
  b.raw().dma_issue = isa::DmaIssue::kAsap;
  const RunResult r = testing::time_only(b.build(cfg_), cfg_);
  // 512 KiB at 4 KiB per row, 70%: 64 + 524288 / 11.9 = 44121.6 -> 44122 ns occupancy.
  const double load_ns = 44122;
  EXPECT_NEAR(r.records[0].start_ns, 0, kEps);
  EXPECT_NEAR(r.records[1].start_ns, r.records[0].end_ns + 50, kEps);  // cross-engine sync
  // The load takes the queue as soon as load A leaves it, ahead of the store.
  EXPECT_NEAR(r.records[3].start_ns, load_ns, kEps);
  EXPECT_NEAR(r.records[2].start_ns, r.records[3].start_ns + load_ns, kEps);
  EXPECT_LT(r.records[3].start_ns, r.records[2].start_ns);
}

TEST_F(DmaOrderTest, DependentTransfersStillWait) {
  ProgramBuilder b("wait");
  auto h = b.tensor("h", {128, 64});
  auto out = b.tensor("out", {128, 64}, DType::kFp32, isa::TensorRole::kOutput);
  auto sa = b.tile("sa", Memory::kSbuf, 128, {64});
  auto sb = b.tile("sb", Memory::kSbuf, 128, {64});
  auto sc = b.tile("sc", Memory::kSbuf, 128, {64});
  b.dma(b.whole(sa), b.whole(h), 0);    // 0 load
  b.act(b.whole(sb), b.whole(sa));      // 1 reads sa
  b.dma(b.whole(out), b.whole(sb), 0);  // 2 store: RAW on 1
  b.dma(b.whole(sc), b.whole(out), 0);  // 3 reads what 2 writes: RAW on 2, same queue
  b.dma(b.whole(sa), b.whole(h), 1);    // 4 overwrites what 1 reads: WAR on 1
  b.raw().dma_issue = isa::DmaIssue::kAsap;
  const RunResult r = testing::time_only(b.build(cfg_), cfg_);
  EXPECT_NEAR(r.records[2].start_ns, r.records[1].end_ns + kTriggerNs, kEps);
  // Same queue, single pieces: no sync cost, but it cannot pass the store.
  EXPECT_NEAR(r.records[3].start_ns, r.records[2].end_ns, kEps);
  EXPECT_NEAR(r.records[4].start_ns, r.records[1].end_ns + kTriggerNs, kEps);
}

// Tiles of [128, f] fp32: load tile i, activation on it, store it; `buffers` rotating SBUF
// buffers, DMAs spread over all queues (no queue attribute), in program order.
isa::Program tiled(const HwConfig& cfg, ProgramBuilder* b, int buffers, int tiles, int64_t f,
                   isa::DmaIssue issue = isa::DmaIssue::kAsap) {
  b->raw().dma_issue = issue;
  auto in = b->tensor("in", {tiles * 128, f});
  auto out = b->tensor("out", {tiles * 128, f}, DType::kFp32, isa::TensorRole::kOutput);
  std::vector<isa::BufferRef> x, y;
  for (int k = 0; k < buffers; ++k) {
    x.push_back(b->tile("x" + std::to_string(k), Memory::kSbuf, 128, {f}));
    y.push_back(b->tile("y" + std::to_string(k), Memory::kSbuf, 128, {f}));
  }
  for (int i = 0; i < tiles; ++i) {
    const int k = i % buffers;
    b->dma(b->whole(x[k]), testing::slice(b->whole(in), 0, i * 128, (i + 1) * 128));
    b->act(b->whole(y[k]), b->whole(x[k]));
    b->dma(testing::slice(b->whole(out), 0, i * 128, (i + 1) * 128), b->whole(y[k]));
  }
  return b->build(cfg);
}

TEST_F(DmaOrderTest, ProgramOrderDoubleBufferingBeatsSingleBuffering) {
  constexpr int kTiles = 8;
  constexpr int64_t kF = 2048;
  ProgramBuilder b1("single"), b2("double");
  const isa::Program single = tiled(cfg_, &b1, 1, kTiles, kF);
  const isa::Program dbl = tiled(cfg_, &b2, 2, kTiles, kF);
  const RunResult r1 = testing::time_only(single, cfg_);
  const RunResult r2 = testing::time_only(dbl, cfg_);
  std::printf("[dma order] %d tiles [128, %lld] fp32: single buffering %.1f us, double %.1f us\n",
              kTiles, static_cast<long long>(kF), r1.total_ns / 1e3, r2.total_ns / 1e3);
  EXPECT_LT(r2.total_ns, 0.85 * r1.total_ns);
  // With two buffers, load i + 1 runs while tile i computes: it starts before compute i ends.
  EXPECT_LT(r2.records[3].start_ns, r2.records[1].end_ns);
  // With one buffer it must wait for compute i (WAR on x) plus the trigger.
  EXPECT_GE(r1.records[3].start_ns, r1.records[1].end_ns + kTriggerNs - kEps);
}

// The same program-order kernel under the other issue orders: with prefetch the load of tile
// i + 1 passes the store of tile i (waiting for compute i), so double buffering still pays; in
// strict program order it queues behind that store, and the second buffer buys nothing.
TEST_F(DmaOrderTest, DoubleBufferingPaysOnlyWhenLoadsMayPassWaitingStores) {
  constexpr int kTiles = 8;
  constexpr int64_t kF = 2048;
  double single_ns[2], double_ns[2];
  int k = 0;
  for (isa::DmaIssue issue : {isa::DmaIssue::kPrefetch, isa::DmaIssue::kProgramOrder}) {
    ProgramBuilder b1("single"), b2("double");
    single_ns[k] = testing::time_only(tiled(cfg_, &b1, 1, kTiles, kF, issue), cfg_).total_ns;
    double_ns[k] = testing::time_only(tiled(cfg_, &b2, 2, kTiles, kF, issue), cfg_).total_ns;
    ++k;
  }
  EXPECT_LT(double_ns[0], 0.85 * single_ns[0]);
  EXPECT_GT(double_ns[1], 0.97 * single_ns[1]);
  EXPECT_LT(double_ns[0], double_ns[1]);
}

void fill(isa::MachineState& st) {
  std::vector<uint8_t>& in = st.hbm(0);
  for (size_t i = 0; i < in.size() / 4; ++i) {
    const float v = static_cast<float>(i % 1000) * 0.25f - 3.0f;
    std::memcpy(in.data() + 4 * i, &v, 4);
  }
}

TEST_F(DmaOrderTest, ReorderedRunsAreDeterministicAndValuesStayCorrect) {
  ProgramBuilder b("double");
  const isa::Program p = tiled(cfg_, &b, 2, 6, 512);
  const RunResult first = testing::time_only(p, cfg_);
  for (int run = 0; run < 3; ++run) {
    const RunResult again = testing::time_only(p, cfg_);
    ASSERT_EQ(again.dma_pieces.size(), first.dma_pieces.size());
    for (size_t k = 0; k < first.dma_pieces.size(); ++k) {
      EXPECT_EQ(again.dma_pieces[k].queue, first.dma_pieces[k].queue);
      EXPECT_EQ(again.dma_pieces[k].start_ns, first.dma_pieces[k].start_ns) << k;
      EXPECT_EQ(again.dma_pieces[k].end_ns, first.dma_pieces[k].end_ns) << k;
    }
    EXPECT_EQ(again.total_ns, first.total_ns);
  }
  isa::MachineState both(p, cfg_.memory.limits), values(p, cfg_.memory.limits);
  fill(both);
  fill(values);
  const RunResult timed = simulate(p, cfg_, Mode::kValuesAndTiming, &both);
  simulate(p, cfg_, Mode::kValuesOnly, &values);
  EXPECT_EQ(timed.total_ns, first.total_ns);
  EXPECT_EQ(both.hbm(1), values.hbm(1));
  EXPECT_EQ(both.hbm(1), both.hbm(0));  // activation copy: out == in
}

TEST_F(DmaOrderTest, DmaWhoseProducerNeverCompletesIsADeadlock) {
  ProgramBuilder b("cycle");
  auto h = b.tensor("h", {128, 64}, DType::kFp32, isa::TensorRole::kOutput);
  auto a = b.tile("a", Memory::kSbuf, 128, {64});
  auto t = b.tile("t", Memory::kSbuf, 128, {64});
  b.copy(b.whole(t), b.whole(a), isa::Engine::kVector);  // 0
  b.dma(b.whole(h), b.whole(t), 3);                      // 1 depends on 0
  const isa::Program& p = b.build(cfg_);
  TimingPlan plan = build_plan(p, cfg_);
  ASSERT_EQ(plan.dep_producer.size(), 1u);
  inject_two_instruction_cycle(plan, 1300000);
  try {
    run_plan(plan, p, nullptr);
    FAIL() << "deadlock not reported";
  } catch (const Error& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("deadlock"), std::string::npos) << msg;
    EXPECT_NE(msg.find("instruction 1 (dma_copy, queue dma3) waits for instruction 0"),
              std::string::npos)
        << msg;
  }
  const RunResult r = testing::time_only(p, cfg_);  // the model still runs programs
  EXPECT_NEAR(r.records[1].start_ns, r.records[0].end_ns + kTriggerNs, kEps);
}

}  // namespace
}  // namespace trnsim::sim
