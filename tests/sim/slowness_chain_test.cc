// The critical-path chain of a long path is reported by its most time-carrying groups, and the
// DMA queue order of the path follows piece start times, not program order.
#include <gtest/gtest.h>

#include <string>

#include "isa/trace_json.h"
#include "sim/stats/slowness.h"
#include "tests/sim/results_fixture.h"

namespace trnsim::sim {
namespace {

using isa::Engine;

// A program of `n` tensor_copy instructions labelled "step" (the records decide the engines).
isa::Program copy_chain_program(int n) {
  nlohmann::json j = nlohmann::json::parse(R"({
    "format": "trnsim-trace", "version": 1, "name": "chain",
    "tensors": [],
    "tiles": [{"name": "a", "memory": "sbuf", "partitions": 128, "shape": [64],
               "dtype": "float32"},
              {"name": "b", "memory": "sbuf", "partitions": 128, "shape": [64],
               "dtype": "float32"}],
    "instructions": []})");
  for (int i = 0; i < n; ++i)
    j["instructions"].push_back({{"op", "tensor_copy"}, {"dst", i % 2 ? "a" : "b"},
                                 {"src", i % 2 ? "b" : "a"}, {"label", "step"}});
  return isa::program_from_json(j);
}

// 250 instructions in one serial chain, alternating vector and scalar, so every instruction is
// its own group; instruction i runs 1 + (7 i mod 250) ns (a permutation of 1..250, 7 and 250
// being coprime). The path is the whole chain (each one gated by its producer's end) and the
// kept groups are those of 151..250 ns, in path order, at their positions.
TEST(SlowChain, LongChainKeepsTheGroupsCarryingTheMostTime) {
  constexpr int kN = 250;
  const isa::Program prog = copy_chain_program(kN);
  RunResult run;
  double t = 0;
  for (int i = 0; i < kN; ++i) {
    const double d = 1 + (7 * i) % kN;
    run.records.push_back(testing::record(i, i % 2 ? Engine::kScalar : Engine::kVector, -1, t,
                                          d, t + d, 0, int64_t(d)));
    if (i > 0) run.cross_engine_edges.push_back({i - 1, i});
    t += d;
  }
  run.total_ns = t;
  const Slowness s = analyse_slowness(prog, run, {});
  EXPECT_EQ(s.path.instructions, kN);
  EXPECT_EQ(s.path.groups, kN);
  ASSERT_EQ(s.path.chain.size(), kMaxReportedGroups);
  int64_t last = -1;
  for (const PathGroup& g : s.path.chain) {
    EXPECT_GT(g.position, last);  // path order
    last = g.position;
    EXPECT_DOUBLE_EQ(g.ns, 1 + (7 * g.position) % kN) << g.position;
    EXPECT_GE(g.ns, 151) << g.position;
    EXPECT_EQ(g.count, 1);
    EXPECT_EQ(g.line, "step");
    EXPECT_EQ(g.opcode, "tensor_copy");
    EXPECT_EQ(g.engine, g.position % 2 ? Engine::kScalar : Engine::kVector);
  }
  const nlohmann::json j = slowness_to_json(s);
  EXPECT_EQ(j["critical_path"]["groups"], kN);
  ASSERT_EQ(j["critical_path"]["chain"].size(), kMaxReportedGroups);
  EXPECT_EQ(j["critical_path"]["chain"][0]["position"], s.path.chain[0].position);
  // The terminal chain shows the top six groups (245..250 ns), none adjacent.
  const std::string text = format_slowness(s, 3);
  EXPECT_NE(text.find("[scalar, 0.250 us] -> ... -> "), std::string::npos) << text;
}

// A short chain is kept whole, every group at its own position.
TEST(SlowChain, ShortChainIsKeptWhole) {
  const isa::Program prog = copy_chain_program(3);
  RunResult run;
  run.records = {testing::record(0, Engine::kVector, -1, 0, 10, 10, 0, 10),
                 testing::record(1, Engine::kVector, -1, 10, 10, 20, 0, 10),
                 testing::record(2, Engine::kScalar, -1, 20, 5, 25, 0, 5)};
  run.cross_engine_edges = {{1, 2}};
  run.total_ns = 25;
  const Slowness s = analyse_slowness(prog, run, {});
  EXPECT_EQ(s.path.groups, 2);
  ASSERT_EQ(s.path.chain.size(), 2u);
  EXPECT_EQ(s.path.chain[0].count, 2);
  EXPECT_DOUBLE_EQ(s.path.chain[0].ns, 20);
  EXPECT_EQ(s.path.chain[1].position, 1);
  EXPECT_DOUBLE_EQ(s.path.chain[1].ns, 5);
}

// Queue 0 starts instruction 1's piece before instruction 0's (ready order): the queue
// predecessor of 0 is 1, which hands off at 10 + 20 = 30 when 0 starts, so the path is 1, 0.
TEST(SlowChain, DmaQueueOrderFollowsPieceStarts) {
  isa::Program prog = testing::results_test_program();
  RunResult run;
  run.records = {testing::record(0, Engine::kDma, 0, 30, 40, 80, 0, 40, 1024),
                 testing::record(1, Engine::kDma, 0, 10, 20, 30, 0, 20, 1024)};
  run.dma_pieces = {{0, 0, 30, 80, 40, 0, 1024}, {1, 0, 10, 30, 20, 10, 1024}};
  run.total_ns = 80;
  const Slowness s = analyse_slowness(prog, run, {});
  ASSERT_EQ(s.path.instructions, 2);
  EXPECT_DOUBLE_EQ(s.path.wait_ns, 10);  // before instruction 1
  EXPECT_DOUBLE_EQ(s.path.exec_ns, 70);  // 20 (1) + 50 (0: 30..80)
  ASSERT_EQ(s.path.chain.size(), 2u);
  EXPECT_EQ(s.path.chain[0].line, "load w");
  EXPECT_EQ(s.path.chain[1].line, "load x");
}

}  // namespace
}  // namespace trnsim::sim
