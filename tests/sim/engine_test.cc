// Engine contracts of the timing plane: dependencies (RAW, WAR, WAW) hold, independent work on
// different engines overlaps, cross-engine sync is charged, shared ports serialise, deadlocks
// are reported, runs are deterministic and the SystemC model is reusable across runs.
#include <gtest/gtest.h>

#include <string>

#include "isa/error.h"
#include "sim/core/timing_plan.h"
#include "sim/cost/cost_model.h"
#include "tests/sim/sim_test_util.h"

namespace trnsim::sim {
namespace {

using isa::DType;
using isa::Engine;
using isa::Memory;
using testing::inject_two_instruction_cycle;
using testing::ProgramBuilder;

constexpr double kEps = 1e-3;

class EngineTest : public ::testing::Test {
 protected:
  HwConfig cfg_ = load_target("trn1");
  // trn1 vector copy of 512 fp32 elements: 512 occupancy + 60 + 100 = 672 cycles at 1.12 GHz.
  const double vec512_latency_ns = 672 / 1.12;
  const double vec512_busy_ns = 512 / 1.12;
};

TEST_F(EngineTest, ConsumerOnAnotherEnginePaysSync) {
  ProgramBuilder b("raw");
  auto a = b.tile("a", Memory::kSbuf, 128, {512});
  auto t = b.tile("t", Memory::kSbuf, 128, {512});
  auto u = b.tile("u", Memory::kSbuf, 128, {512});
  b.copy(b.whole(t), b.whole(a), Engine::kVector);
  b.act(b.whole(u), b.whole(t));  // scalar reads what vector wrote
  const RunResult r = testing::time_only(b.build(cfg_), cfg_);
  EXPECT_NEAR(r.records[0].end_ns, vec512_latency_ns, kEps);
  // cross_engine_ns = 50 after the producer's result.
  EXPECT_NEAR(r.records[1].start_ns, vec512_latency_ns + 50, kEps);
  ASSERT_EQ(r.cross_engine_edges.size(), 1u);
  EXPECT_EQ(r.cross_engine_edges[0].producer, 0);
  EXPECT_EQ(r.cross_engine_edges[0].consumer, 1);
}

TEST_F(EngineTest, ConsumerOnSameEngineWaitsForResultWithoutSync) {
  ProgramBuilder b("raw");
  auto a = b.tile("a", Memory::kSbuf, 128, {512});
  auto t = b.tile("t", Memory::kSbuf, 128, {512});
  auto u = b.tile("u", Memory::kSbuf, 128, {512});
  b.copy(b.whole(t), b.whole(a));
  b.copy(b.whole(u), b.whole(t));
  const RunResult r = testing::time_only(b.build(cfg_), cfg_);
  EXPECT_NEAR(r.records[1].start_ns, vec512_latency_ns, kEps);
  EXPECT_TRUE(r.cross_engine_edges.empty());
}

TEST_F(EngineTest, IndependentSameEngineInstructionsPipelineAtOccupancy) {
  ProgramBuilder b("pipe");
  auto a = b.tile("a", Memory::kSbuf, 128, {512});
  auto t = b.tile("t", Memory::kSbuf, 128, {512});
  auto u = b.tile("u", Memory::kSbuf, 128, {512});
  b.copy(b.whole(t), b.whole(a));
  b.copy(b.whole(u), b.whole(a));  // reads a again: no dependency
  const RunResult r = testing::time_only(b.build(cfg_), cfg_);
  EXPECT_NEAR(r.records[1].start_ns, vec512_busy_ns, kEps);
}

TEST_F(EngineTest, IndependentWorkOnDifferentEnginesOverlaps) {
  ProgramBuilder b("overlap");
  auto a = b.tile("a", Memory::kSbuf, 128, {512});
  auto t = b.tile("t", Memory::kSbuf, 128, {512});
  auto u = b.tile("u", Memory::kSbuf, 128, {512});
  auto st = b.tile("st", Memory::kSbuf, 128, {128}, DType::kBf16);
  auto mv = b.tile("mv", Memory::kSbuf, 128, {512}, DType::kBf16);
  auto ps = b.tile("ps", Memory::kPsum, 128, {512});
  auto h = b.tensor("h", {128, 512});
  auto v = b.tile("v", Memory::kSbuf, 128, {512});
  b.copy(b.whole(t), b.whole(a));
  b.act(b.whole(u), b.whole(a));
  b.matmul(b.whole(ps), b.whole(st), b.whole(mv));
  b.dma(b.whole(v), b.whole(h));
  const RunResult r = testing::time_only(b.build(cfg_), cfg_);
  double longest = 0;
  for (const InstrRecord& rec : r.records) {
    EXPECT_DOUBLE_EQ(rec.start_ns, 0) << rec.index;
    longest = std::max(longest, rec.end_ns);
  }
  EXPECT_NEAR(r.total_ns, longest, kEps);
  EXPECT_TRUE(r.cross_engine_edges.empty());
}

// Two independent instructions that share a port: one gets it at 0 (ties are broken by
// SystemC process order), the other starts when the first one's occupancy ends.
void expect_serialised(const RunResult& r) {
  ASSERT_EQ(r.records.size(), 2u);
  const bool zero_first = r.records[0].start_ns <= r.records[1].start_ns;
  const InstrRecord& first = r.records[zero_first ? 0 : 1];
  const InstrRecord& second = r.records[zero_first ? 1 : 0];
  EXPECT_DOUBLE_EQ(first.start_ns, 0);
  EXPECT_GT(first.busy_ns, 0);
  EXPECT_NEAR(second.start_ns, first.busy_ns, kEps);
}

TEST_F(EngineTest, VectorAndGpsimdShareTheSbufPort) {
  ProgramBuilder b("port");
  auto a = b.tile("a", Memory::kSbuf, 128, {512});
  auto t = b.tile("t", Memory::kSbuf, 128, {512});
  auto u = b.tile("u", Memory::kSbuf, 128, {512});
  b.copy(b.whole(t), b.whole(a), Engine::kVector);
  b.copy(b.whole(u), b.whole(a), Engine::kGpsimd);
  expect_serialised(testing::time_only(b.build(cfg_), cfg_));
}

TEST_F(EngineTest, VectorAndScalarSharePsumAccess) {
  ProgramBuilder b("psum");
  auto p = b.tile("p", Memory::kPsum, 128, {512});
  auto t = b.tile("t", Memory::kSbuf, 128, {512});
  auto u = b.tile("u", Memory::kSbuf, 128, {512});
  b.copy(b.whole(t), b.whole(p), Engine::kVector);
  b.act(b.whole(u), b.whole(p));
  expect_serialised(testing::time_only(b.build(cfg_), cfg_));
}

TEST_F(EngineTest, RawWarWawThroughDma) {
  ProgramBuilder b("dma deps");
  auto h = b.tensor("h", {128, 512});
  auto o = b.tensor("o", {128, 512}, DType::kFp32, isa::TensorRole::kOutput);
  auto s = b.tile("s", Memory::kSbuf, 128, {512});
  auto t = b.tile("t", Memory::kSbuf, 128, {512});
  b.dma(b.whole(s), b.whole(h), 0);  // 0: load s
  b.copy(b.whole(t), b.whole(s));    // 1: RAW on s (compute after DMA: +50 ns)
  b.dma(b.whole(o), b.whole(t), 1);  // 2: RAW on t (DMA after compute: +1300 ns)
  b.dma(b.whole(s), b.whole(h), 2);  // 3: WAR on s (after 1) and WAW on s (after 0)
  b.dma(b.whole(t), b.whole(h), 3);  // 4: WAR on t (after 2), WAW on t (after 1)
  const RunResult r = testing::time_only(b.build(cfg_), cfg_);
  const auto& rec = r.records;
  EXPECT_NEAR(rec[1].start_ns, rec[0].end_ns + 50, kEps);
  EXPECT_NEAR(rec[2].start_ns, rec[1].end_ns + 1300, kEps);
  EXPECT_GE(rec[3].start_ns, rec[1].end_ns + 1300 - kEps);
  EXPECT_GE(rec[3].start_ns, rec[0].end_ns + 1300 - kEps);
  EXPECT_NEAR(rec[4].start_ns, rec[2].end_ns + 1300, kEps);
  EXPECT_EQ(rec[0].bytes, 128 * 512 * 4);
  EXPECT_EQ(rec[2].queue, 1);
}

TEST_F(EngineTest, PartialOverlapIsADependencyDisjointIsNot) {
  ProgramBuilder b("overlap");
  auto a = b.tile("a", Memory::kSbuf, 128, {512});
  auto t = b.tile("t", Memory::kSbuf, 128, {512});
  auto u = b.tile("u", Memory::kSbuf, 128, {256});
  auto w = b.tile("w", Memory::kSbuf, 128, {256});
  b.copy(testing::slice(b.whole(t), 1, 0, 256), testing::slice(b.whole(a), 1, 0, 256));
  b.act(b.whole(u), testing::slice(b.whole(t), 1, 256, 512));  // disjoint half: independent
  b.act(b.whole(w), testing::slice(b.whole(t), 1, 255, 511));  // overlaps one element
  const RunResult r = testing::time_only(b.build(cfg_), cfg_);
  EXPECT_DOUBLE_EQ(r.records[1].start_ns, 0);
  EXPECT_GE(r.records[2].start_ns, r.records[0].end_ns + 50 - kEps);
}

TEST_F(EngineTest, AccumulatingMatmulsPipelineOnTheTensorEngine) {
  ProgramBuilder b("acc");
  auto st = b.tile("st", Memory::kSbuf, 128, {128}, DType::kBf16);
  auto mv = b.tile("mv", Memory::kSbuf, 128, {512}, DType::kBf16);
  auto ps = b.tile("ps", Memory::kPsum, 128, {512});
  b.matmul(b.whole(ps), b.whole(st), b.whole(mv));
  b.matmul(b.whole(ps), b.whole(st), b.whole(mv), true);
  const RunResult r = testing::time_only(b.build(cfg_), cfg_);
  EXPECT_NEAR(r.records[1].start_ns, 512 / 2.8, kEps);
  EXPECT_NEAR(r.total_ns, (1024 + 64) / 2.8, kEps);
}

isa::Program double_buffer_program(const HwConfig& cfg, int buffers, int iterations,
                                   ProgramBuilder* b) {
  auto in = b->tensor("in", {128 * iterations, 2048});
  auto out = b->tensor("out", {128 * iterations, 2048}, DType::kFp32, isa::TensorRole::kOutput);
  std::vector<isa::BufferRef> x, y;
  for (int k = 0; k < buffers; ++k) {
    x.push_back(b->tile("x" + std::to_string(k), Memory::kSbuf, 128, {2048}));
    y.push_back(b->tile("y" + std::to_string(k), Memory::kSbuf, 128, {2048}));
  }
  // Loads are issued `buffers - 1` iterations ahead of their use: DMAs spread over every queue
  // run in program order, so a prefetch must precede the store of the previous tile.
  const auto load = [&](int i) {
    b->dma(b->whole(x[i % buffers]), testing::slice(b->whole(in), 0, 128 * i, 128 * (i + 1)));
  };
  for (int i = 0; i < buffers - 1 && i < iterations; ++i) load(i);
  for (int i = 0; i < iterations; ++i) {
    const int k = i % buffers;
    if (i + buffers - 1 < iterations) load(i + buffers - 1);
    b->act(b->whole(y[k]), b->whole(x[k]));
    b->dma(testing::slice(b->whole(out), 0, 128 * i, 128 * (i + 1)), b->whole(y[k]));
  }
  return b->build(cfg);
}

TEST_F(EngineTest, DoubleBufferingOverlapsDmaWithCompute) {
  ProgramBuilder single("single"), twice("double");
  const RunResult r1 = testing::time_only(double_buffer_program(cfg_, 1, 8, &single), cfg_);
  const RunResult r2 = testing::time_only(double_buffer_program(cfg_, 2, 8, &twice), cfg_);
  EXPECT_LT(r2.total_ns, 0.8 * r1.total_ns) << r1.total_ns << " vs " << r2.total_ns;
  // Every dependency held in both runs: no record starts before time 0 or ends before start.
  for (const RunResult* r : {&r1, &r2}) {
    for (const InstrRecord& rec : r->records) EXPECT_GE(rec.end_ns, rec.start_ns);
  }
}

TEST_F(EngineTest, RunsAreDeterministicAndReusable) {
  ProgramBuilder b1("det"), b2("det");
  const isa::Program p = double_buffer_program(cfg_, 2, 6, &b1);
  const RunResult a = testing::time_only(p, cfg_);
  const RunResult c = testing::time_only(double_buffer_program(cfg_, 1, 3, &b2), cfg_);
  const RunResult d = testing::time_only(p, cfg_);
  ASSERT_EQ(a.records.size(), d.records.size());
  for (size_t i = 0; i < a.records.size(); ++i) {
    EXPECT_EQ(a.records[i].start_ns, d.records[i].start_ns) << i;
    EXPECT_EQ(a.records[i].end_ns, d.records[i].end_ns) << i;
  }
  EXPECT_EQ(a.total_ns, d.total_ns);
  EXPECT_GT(c.total_ns, 0);
}

TEST_F(EngineTest, DeadlockIsReportedAndTheModelStaysUsable) {
  ProgramBuilder b("cycle");
  auto a = b.tile("a", Memory::kSbuf, 128, {64});
  auto t = b.tile("t", Memory::kSbuf, 128, {64});
  auto u = b.tile("u", Memory::kSbuf, 128, {64});
  b.copy(b.whole(t), b.whole(a), Engine::kVector);  // 0
  b.act(b.whole(u), b.whole(t));                   // 1 depends on 0
  const isa::Program& p = b.build(cfg_);
  TimingPlan plan = build_plan(p, cfg_);
  ASSERT_EQ(plan.dep_producer.size(), 1u);
  inject_two_instruction_cycle(plan, 0);
  try {
    run_plan(plan, p, nullptr);
    FAIL() << "deadlock not reported";
  } catch (const Error& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("deadlock"), std::string::npos) << msg;
    EXPECT_NE(msg.find("instruction 0 (tensor_copy"), std::string::npos) << msg;
    EXPECT_NE(msg.find("instruction 1 (activation"), std::string::npos) << msg;
  }
  const RunResult r = testing::time_only(p, cfg_);  // the model still runs programs
  EXPECT_NEAR(r.records[1].start_ns, r.records[0].end_ns + 50, kEps);
}

TEST_F(EngineTest, BadDmaQueueIsAnError) {
  ProgramBuilder b("q");
  auto h = b.tensor("h", {128, 64});
  auto s = b.tile("s", Memory::kSbuf, 128, {64});
  b.dma(b.whole(s), b.whole(h), 16);
  try {  // the validator refuses it (in every mode), before the timing plane sees it
    testing::time_only(b.build(cfg_), cfg_);
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("instruction 0 (dma_copy)"), std::string::npos)
        << e.what();
    EXPECT_NE(std::string(e.what()).find("16 is not a queue: the target has 16 DMA queues"),
              std::string::npos)
        << e.what();
  }
}

TEST_F(EngineTest, DmaRoundRobinOverQueues) {
  // One-row transfers are one descriptor each: one piece, round robin over the queues.
  ProgramBuilder b("rr");
  auto h = b.tensor("h", {1, 64});
  auto s = b.tile("s", Memory::kSbuf, 1, {64});
  for (int i = 0; i < 20; ++i) b.dma(b.whole(h), b.whole(s));
  b.dma(b.whole(h), b.whole(s), 5);
  const RunResult r = testing::time_only(b.build(cfg_), cfg_);
  for (int i = 0; i < 20; ++i) EXPECT_EQ(r.records[i].queue, i % 16);
  EXPECT_EQ(r.records[20].queue, 5);
  EXPECT_EQ(r.dma_pieces.size(), 21u);
}

TEST_F(EngineTest, PlanHoldsEachDistinctCostOnceAndPiecesReadTheirOwn) {
  ProgramBuilder b("costs");
  auto h = b.tensor("h", {128, 512});
  auto a = b.tile("a", Memory::kSbuf, 128, {512});
  auto t = b.tile("t", Memory::kSbuf, 128, {512});
  auto u = b.tile("u", Memory::kSbuf, 128, {256});
  b.copy(b.whole(t), b.whole(a));
  b.act(b.whole(u), b.whole(u));
  b.copy(b.whole(t), b.whole(a));  // same cost as instruction 0
  b.dma(b.whole(a), b.whole(h));   // spread: two piece costs at most
  b.dma(b.whole(t), b.whole(h));   // same shape as the transfer before
  b.copy(b.whole(t), b.whole(a));
  const isa::Program& p = b.build(cfg_);
  const TimingPlan plan = build_plan(p, cfg_);
  for (size_t x = 0; x < plan.costs.size(); ++x) {
    for (size_t y = x + 1; y < plan.costs.size(); ++y) {
      const TimingPlan::PieceCost &cx = plan.costs[x], &cy = plan.costs[y];
      EXPECT_FALSE(cx.occupancy_ps == cy.occupancy_ps && cx.latency_ps == cy.latency_ps &&
                   cx.hbm_ps == cy.hbm_ps && cx.bytes == cy.bytes)
          << "costs " << x << " and " << y << " are the same";
    }
  }
  EXPECT_LE(plan.costs.size(), 4u);  // copy, activation, the transfers' one or two
  for (int32_t i : {0, 1, 2, 5}) {
    const isa::Instruction& ins = p.instructions[i];
    const Cost c = instruction_cost(p, ins, cfg_);
    const int32_t k = plan.piece_begin[i];
    EXPECT_EQ(plan.cost_of(k).occupancy_ps,
              cycles_to_ps(c.occupancy_cycles, cfg_.clocks.ghz(ins.engine)))
        << "instruction " << i;
  }
  int64_t bytes = 0;
  for (int32_t k = plan.piece_begin[3]; k < plan.piece_begin[4]; ++k) {
    bytes += plan.cost_of(k).bytes;
  }
  EXPECT_EQ(bytes, 128 * 512 * 4);
  EXPECT_EQ(plan.pieces_of(3), plan.pieces_of(4));
  for (int32_t k = 0; k < plan.pieces_of(3); ++k) {
    EXPECT_EQ(plan.piece_cost[plan.piece_begin[3] + k], plan.piece_cost[plan.piece_begin[4] + k]);
  }
}

}  // namespace
}  // namespace trnsim::sim
