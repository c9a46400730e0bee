// The "why is it slow" analysis on the hand-made run of results_fixture.h (derivations inline)
// and on a real engine-bound run.
#include <gtest/gtest.h>

#include "isa/error.h"
#include "sim/stats/slowness.h"
#include "sim/stats/stats.h"
#include "sim/stats/summary.h"
#include "isa/trace_json.h"
#include "isa/validate.h"
#include "sim/simulate.h"
#include "tests/sim/results_fixture.h"

namespace trnsim::sim {
namespace {

using isa::Engine;

class Slow : public ::testing::Test {
 protected:
  isa::Program prog = testing::results_test_program();
  HwConfig cfg = testing::results_test_config();
  RunResult run = testing::results_test_run();
};

// Records (start, busy, end): 0 dma q0 (0,200,250), 1 dma q1 (100,200,320), 2 tensor
// (320,256,600), 3 scalar (650,100,760), 4 vector (760,40,800), 5 dma q0 (800,150,1000); edges
// 0,1->2->3->4->5. Gates: 2 by 1 (end 320 > 250), 3 by 2 (600), 4 by 3 (760), 5 by 4 (800; its
// queue predecessor 0 hands off at 200). Path 1,2,3,4,5: execution 220 + 280 + 110 + 40 + 200
// = 850 ns, waits 100 (before 1) + 50 (600..650) = 150 ns.
TEST_F(Slow, CriticalPathOfTheHandMadeRun) {
  const Stats s = compute_stats(prog, run, cfg);
  const CriticalPath& p = s.why.path;
  EXPECT_DOUBLE_EQ(p.length_ns, 1000);
  EXPECT_EQ(p.instructions, 5);
  EXPECT_DOUBLE_EQ(p.exec_ns, 850);
  EXPECT_DOUBLE_EQ(p.wait_ns, 150);
  EXPECT_DOUBLE_EQ(p.engine_ns[int(Engine::kDma)], 420);
  EXPECT_DOUBLE_EQ(p.engine_ns[int(Engine::kTensor)], 280);
  EXPECT_DOUBLE_EQ(p.engine_ns[int(Engine::kScalar)], 110);
  EXPECT_DOUBLE_EQ(p.engine_ns[int(Engine::kVector)], 40);
  ASSERT_EQ(p.chain.size(), 5u);
  EXPECT_EQ(p.chain[0].line, "load w");
  EXPECT_EQ(p.chain[1].line, "(nc_matmul)");
  EXPECT_EQ(p.chain[4].line, "store y");
  EXPECT_DOUBLE_EQ(p.chain[4].ns, 200);
}

TEST_F(Slow, VerdictIsLatencyBoundBelowSeventyPercent) {
  const Stats s = compute_stats(prog, run, cfg);
  EXPECT_FALSE(s.why.engine_bound);
  EXPECT_EQ(s.why.busiest, Engine::kTensor);
  EXPECT_DOUBLE_EQ(s.why.busiest_utilisation, 0.256);
  const std::string text = format_summary(s);
  EXPECT_NE(text.find("latency-bound"), std::string::npos) << text;
  EXPECT_NE(text.find("chain       dma_copy load w [dma, 0.220 us] -> nc_matmul (nc_matmul)"),
            std::string::npos) << text;
  EXPECT_EQ(text.find("bottleneck"), std::string::npos) << text;
}

TEST_F(Slow, VerdictIsEngineBoundAtSeventyPercent) {
  run.records[2].busy_ns = 700;  // tensor 700 of 1000 ns
  const Stats s = compute_stats(prog, run, cfg);
  EXPECT_TRUE(s.why.engine_bound);
  EXPECT_EQ(verdict_text(s.why), "engine-bound: tensor busy 70.0% of the total");
  run.records[2].busy_ns = 699;
  EXPECT_FALSE(compute_stats(prog, run, cfg).why.engine_bound);
}

// Lines: busy and waits per label; the DMA wait is per instruction, not summed over queues.
TEST_F(Slow, TimeByLine) {
  const Stats s = compute_stats(prog, run, cfg);
  std::map<std::string, LineTime> by;
  for (const LineTime& l : s.why.lines) by[l.line] = l;
  ASSERT_EQ(by.size(), 6u);
  EXPECT_DOUBLE_EQ(by["store y"].busy_ns, 150);
  EXPECT_DOUBLE_EQ(by["store y"].wait_ns, 600);
  EXPECT_DOUBLE_EQ(by["store y"].critical_ns, 200);
  EXPECT_DOUBLE_EQ(by["load x"].critical_ns, 0);  // gated out by load w
  EXPECT_DOUBLE_EQ(by["exp"].busy_ns, 100);
  EXPECT_EQ(s.why.lines.front().line, "(nc_matmul)");  // most path time: 280 ns
  const nlohmann::json j = stats_to_json(s)["why_slow"];
  EXPECT_EQ(j["verdict"], "latency-bound");
  EXPECT_DOUBLE_EQ(j["critical_path"]["exec_share"].get<double>(), 0.85);
  EXPECT_EQ(j["lines"].size(), 6u);
}

TEST_F(Slow, DmaWaitIsTheLongestPieceWaitNotTheSum) {
  run.dma_pieces = {{0, 0, 0, 250, 200, 0, 131072},   {1, 1, 100, 320, 200, 100, 16384},
                    {1, 2, 100, 320, 200, 100, 16384}, {5, 0, 800, 1000, 150, 600, 131072},
                    {5, 1, 800, 1000, 150, 480, 131072}};
  const Stats s = compute_stats(prog, run, cfg);
  for (const LineTime& l : s.why.lines)
    if (l.line == "store y") {
      EXPECT_DOUBLE_EQ(l.wait_ns, 600);
    }
  // The DMA row: queue waits 0 + 600 (q0) + 100 + 480 (q1) + 100 (q2) over 4 queues.
  EXPECT_DOUBLE_EQ(s.engine(Engine::kDma).dep_wait_ns, 1280.0 / 4);
}

// On a real run the path ends at the total, execution and waits tile it, and the per-line
// path times add up to the execution.
TEST(SlowRealRun, PathTilesTheRunOfAShippedTrace) {
  const HwConfig cfg = load_target("trn2");
  isa::Program p = isa::read_trace_file(std::string(TRNSIM_SOURCE_DIR) +
                                        "/traces/matmul_256x384x512_bf16.json");
  isa::validate(p, cfg.memory.limits);
  const RunResult r = simulate(p, cfg, Mode::kTimingOnly, nullptr);
  const Stats s = compute_stats(p, r, cfg);
  EXPECT_DOUBLE_EQ(s.why.path.length_ns, r.total_ns);
  EXPECT_NEAR(s.why.path.exec_ns + s.why.path.wait_ns, r.total_ns, 1e-6);
  double by_lines = 0, by_engines = 0;
  for (const LineTime& l : s.why.lines) by_lines += l.critical_ns;
  for (double e : s.why.path.engine_ns) by_engines += e;
  EXPECT_NEAR(by_lines, s.why.path.exec_ns, 1e-6);
  EXPECT_NEAR(by_engines, s.why.path.exec_ns, 1e-6);
  EXPECT_GT(s.why.path.instructions, 1);
  EXPECT_LT(s.why.path.instructions, int64_t(p.instructions.size()));
}

TEST_F(Slow, UntimedRunHasNoVerdict) {
  const Stats s = compute_stats(prog, RunResult{}, cfg);
  EXPECT_FALSE(s.why.timed);
  EXPECT_EQ(stats_to_json(s)["why_slow"]["verdict"], "untimed");
}

TEST_F(Slow, EdgeOutsideTheProgramIsAnError) {
  run.cross_engine_edges.push_back({9, 2});
  EXPECT_THROW(compute_stats(prog, run, cfg), Error);
}

}  // namespace
}  // namespace trnsim::sim
