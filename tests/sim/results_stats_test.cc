// Statistics and terminal summary on the hand-made run of results_fixture.h.
#include <gtest/gtest.h>

#include <algorithm>
#include <utility>
#include <vector>

#include "isa/error.h"
#include "sim/stats/stats.h"
#include "sim/stats/summary.h"
#include "tests/sim/results_fixture.h"

namespace trnsim::sim {
namespace {

using isa::Engine;

class ResultsStats : public ::testing::Test {
 protected:
  isa::Program prog = testing::results_test_program();
  HwConfig cfg = testing::results_test_config();
  RunResult run = testing::results_test_run();
};

TEST_F(ResultsStats, TotalsAndCyclesOfEachClock) {
  const Stats s = compute_stats(prog, run, cfg);
  EXPECT_EQ(s.program, "mm_exp");
  EXPECT_EQ(s.config, "testhw");
  EXPECT_TRUE(s.timed);
  EXPECT_DOUBLE_EQ(s.total_ns, 1000);
  EXPECT_EQ(s.instructions, 6);
  EXPECT_EQ(s.total_cycles(Engine::kTensor), 2000);  // 1000 ns * 2 GHz
  EXPECT_EQ(s.total_cycles(Engine::kVector), 1000);
  EXPECT_EQ(s.total_cycles(Engine::kScalar), 1250);
  EXPECT_EQ(s.total_cycles(Engine::kGpsimd), 1000);
}

TEST_F(ResultsStats, EngineBusyUtilisationCountsAndDependencyWait) {
  const Stats s = compute_stats(prog, run, cfg);
  const EngineStats& pe = s.engine(Engine::kTensor);
  EXPECT_DOUBLE_EQ(pe.busy_ns, 256);
  EXPECT_DOUBLE_EQ(pe.utilisation, 0.256);
  EXPECT_EQ(pe.busy_cycles, 512);
  EXPECT_EQ(pe.instructions, 1);
  EXPECT_DOUBLE_EQ(pe.dep_wait_ns, 320);
  EXPECT_DOUBLE_EQ(s.engine(Engine::kScalar).utilisation, 0.1);
  EXPECT_DOUBLE_EQ(s.engine(Engine::kScalar).dep_wait_ns, 650);
  EXPECT_DOUBLE_EQ(s.engine(Engine::kVector).utilisation, 0.04);
  EXPECT_DOUBLE_EQ(s.engine(Engine::kGpsimd).busy_ns, 0);
  EXPECT_EQ(s.engine(Engine::kGpsimd).instructions, 0);
  // DMA: queue busy 200 + 150 + 200 = 550 ns over 4 queues = 137.5 ns; the time some queue
  // was active is the union of [0,200), [100,300), [800,950) = 300 + 150 = 450 ns.
  const EngineStats& dma = s.engine(Engine::kDma);
  EXPECT_DOUBLE_EQ(dma.busy_ns, 137.5);
  EXPECT_DOUBLE_EQ(dma.utilisation, 0.1375);
  EXPECT_DOUBLE_EQ(s.dma_active_ns, 450);
  EXPECT_EQ(dma.instructions, 3);
  EXPECT_DOUBLE_EQ(dma.dep_wait_ns, 175);  // (100 + 600) over 4 queues
  EXPECT_EQ(s.opcode_counts.at("dma_copy"), 3);
  EXPECT_EQ(s.opcode_counts.at("nc_matmul"), 1);
  EXPECT_EQ(s.opcode_counts.at("activation"), 1);
  EXPECT_EQ(s.opcode_counts.at("tensor_copy"), 1);
  EXPECT_EQ(s.opcode_counts.size(), 4u);
}

TEST_F(ResultsStats, DmaQueues) {
  const Stats s = compute_stats(prog, run, cfg);
  ASSERT_EQ(s.dma_queues.size(), 4u);
  EXPECT_DOUBLE_EQ(s.dma_queues[0].busy_ns, 350);
  EXPECT_DOUBLE_EQ(s.dma_queues[0].utilisation, 0.35);
  EXPECT_EQ(s.dma_queues[0].transfers, 2);
  EXPECT_EQ(s.dma_queues[0].bytes, 131072 + 262144);
  EXPECT_DOUBLE_EQ(s.dma_queues[0].dep_wait_ns, 600);
  EXPECT_DOUBLE_EQ(s.dma_queues[1].utilisation, 0.2);
  EXPECT_EQ(s.dma_queues[1].bytes, 32768);
  EXPECT_EQ(s.dma_queues[3].transfers, 0);
  EXPECT_EQ(s.dma_queues[3].queue, 3);
}

// The time at least one DMA queue is busy is the union of the piece intervals, whatever order
// the pieces come in: out of start order within a queue, overlapping across queues, equal
// starts with different ends, gaps, zero-length pieces. Reference: all intervals sorted, then
// swept (by hand: [0,60) + [70,130) + [200,260) = 180 ns in the first case).
TEST_F(ResultsStats, DmaActiveTimeIsTheUnionOfThePieceIntervals) {
  const auto piece = [](int16_t queue, double start, double busy) {
    DmaPieceRecord p;
    p.index = 0;
    p.queue = queue;
    p.start_ns = start;
    p.busy_ns = busy;
    p.end_ns = start + busy;
    return p;
  };
  run.dma_pieces = {piece(1, 70, 20),  piece(0, 30, 30),  piece(0, 0, 20),   piece(2, 0, 50),
                    piece(3, 85, 45),  piece(2, 200, 10), piece(3, 200, 60), piece(1, 100, 0),
                    piece(0, 250, 10), piece(1, 90, 20)};
  EXPECT_DOUBLE_EQ(compute_stats(prog, run, cfg).dma_active_ns, 180);

  // Seeded random pieces against the sorted sweep in float64, on 4 queues and on 3 (the
  // per-queue lists are joined pairwise: an odd list is carried to the next round).
  uint64_t state = 12345;
  const auto next = [&state] {
    state = state * 6364136223846793005ull + 1442695040888963407ull;
    return double((state >> 33) % 1000);
  };
  for (const int queues : {4, 3}) {
    run.dma_pieces.clear();
    std::vector<std::pair<double, double>> all;
    for (int k = 0; k < 400; ++k) {
      const double start = next() * 0.37, busy = next() * 0.01;
      run.dma_pieces.push_back(piece(int16_t(k % queues), start, busy));
    }
    // The reference reads the pieces back: a result holds times in whole ps.
    for (const DmaPieceRecord& p : run.dma_pieces)
      all.emplace_back(p.start_ns, p.start_ns + p.busy_ns);
    std::sort(all.begin(), all.end());
    double expect = 0, cs = 0, ce = -1;
    for (const auto& [a, b] : all) {
      if (a > ce) {
        if (ce > cs) expect += ce - cs;
        cs = a;
        ce = b;
      } else {
        ce = std::max(ce, b);
      }
    }
    if (ce > cs) expect += ce - cs;
    EXPECT_EQ(compute_stats(prog, run, cfg).dma_active_ns, expect) << queues << " queues";
  }
}

TEST_F(ResultsStats, DmaBandwidthAndFlopsAgainstPeak) {
  const Stats s = compute_stats(prog, run, cfg);
  EXPECT_EQ(s.dma_bytes, 425984);
  EXPECT_DOUBLE_EQ(s.dma_bytes_per_ns, 425.984);
  EXPECT_DOUBLE_EQ(s.dma_peak_bytes_per_ns, 800);  // 4 queues * 200 B/ns
  EXPECT_DOUBLE_EQ(s.dma_peak_fraction, 425.984 / 800);
  EXPECT_DOUBLE_EQ(s.flops, 16777216);  // 2 * 128 * 128 * 512
  EXPECT_DOUBLE_EQ(s.flops_per_ns, 16777.216);
  EXPECT_DOUBLE_EQ(s.tensor_peak_flops_per_ns, 65536);  // 2 * 128 * 128 * 2 GHz
  EXPECT_DOUBLE_EQ(s.tensor_peak_fraction, 0.256);
}

TEST_F(ResultsStats, ShippedTrn2PeakIsTheDocumented79Tflops) {
  const HwConfig trn2 = load_target("trn2");
  const Stats s = compute_stats(prog, run, trn2);
  EXPECT_NEAR(s.tensor_peak_flops_per_ns, 78643.2, 1e-6);  // 2 * 128 * 128 * 2.4
  EXPECT_DOUBLE_EQ(s.dma_peak_bytes_per_ns, 368);          // 16 * 23
}

TEST_F(ResultsStats, BottleneckComparesDmaQueueCapacityWithEngineBusyTime) {
  // Tensor 256 ns > DMA 550 / 4 = 137.5 ns, though some queue was active for 450 ns.
  EXPECT_EQ(compute_stats(prog, run, cfg).bottleneck, Engine::kTensor);
  // Make queue 1's transfer 1000 ns long: DMA (200 + 150 + 1000) / 4 = 337.5 ns > 256.
  for (InstrRecord& r : run.records) {
    if (r.engine == Engine::kDma && r.queue == 1) {
      r.busy_ns = 1000;
      r.end_ns = r.start_ns + 1000;
    }
  }
  run.total_ns = std::max(run.total_ns, 1100.0);
  const Stats s = compute_stats(prog, run, cfg);
  EXPECT_DOUBLE_EQ(s.engine(Engine::kDma).busy_ns, 337.5);
  EXPECT_EQ(s.bottleneck, Engine::kDma);
}

TEST_F(ResultsStats, ValuesOnlyRunHasNoTimingButCounts) {
  const Stats s = compute_stats(prog, RunResult{}, cfg);
  EXPECT_FALSE(s.timed);
  EXPECT_EQ(s.opcode_counts.at("dma_copy"), 3);
  EXPECT_DOUBLE_EQ(s.engine(Engine::kTensor).utilisation, 0);
  EXPECT_DOUBLE_EQ(s.dma_bytes_per_ns, 0);
  EXPECT_NE(format_summary(s).find("no timing"), std::string::npos);
}

TEST_F(ResultsStats, BadRecordsAreErrors) {
  RunResult bad = run;
  bad.records[1].index = 6;
  EXPECT_THROW(compute_stats(prog, bad, cfg), Error);
  bad = run;
  bad.records[0].queue = -1;
  EXPECT_THROW(compute_stats(prog, bad, cfg), Error);
  bad = run;
  bad.records[0].queue = 4;  // config has 4 queues
  try {
    compute_stats(prog, bad, cfg);
    FAIL() << "expected trnsim::Error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("DMA queue 4"), std::string::npos) << e.what();
  }
  bad = run;
  bad.records[3].busy_ns = -1;
  EXPECT_THROW(compute_stats(prog, bad, cfg), Error);
}

TEST_F(ResultsStats, JsonHasEveryField) {
  const nlohmann::json j = stats_to_json(compute_stats(prog, run, cfg));
  EXPECT_EQ(j["format"], "trnsim-stats");
  EXPECT_EQ(j["version"], kStatsFormatVersion);
  EXPECT_DOUBLE_EQ(j["total_ns"].get<double>(), 1000);
  EXPECT_EQ(j["total_cycles"]["scalar"], 1250);
  EXPECT_DOUBLE_EQ(j["engines"]["tensor"]["utilisation"].get<double>(), 0.256);
  EXPECT_DOUBLE_EQ(j["engines"]["dma"]["busy_ns"].get<double>(), 137.5);
  EXPECT_DOUBLE_EQ(j["dma"]["active_ns"].get<double>(), 450);
  EXPECT_EQ(j["engines"]["vector"]["instructions"], 1);
  EXPECT_DOUBLE_EQ(j["engines"]["scalar"]["dep_wait_ns"].get<double>(), 650);
  EXPECT_EQ(j["dma_queues"].size(), 4u);
  EXPECT_EQ(j["dma_queues"][0]["bytes"], 393216);
  EXPECT_EQ(j["opcodes"]["dma_copy"], 3);
  EXPECT_DOUBLE_EQ(j["dma"]["bytes_per_ns"].get<double>(), 425.984);
  EXPECT_DOUBLE_EQ(j["dma"]["peak_bytes_per_ns"].get<double>(), 800);
  EXPECT_DOUBLE_EQ(j["flops"]["peak_fraction"].get<double>(), 0.256);
  EXPECT_EQ(j["flops"]["peak_basis"], kTensorPeakBasis);
  EXPECT_EQ(j["bottleneck"]["engine"], "tensor");
}

TEST_F(ResultsStats, SummaryShowsTheNumbers) {
  const std::string text = format_summary(compute_stats(prog, run, cfg));
  for (const char* expected :
       {"total time  1.000 us", "2000 tensor", "1250 scalar", "25.6%", "dma/queue", "0.650",
        "416.00 KiB", "426.0 GB/s", "53.2% of 800.0 GB/s",
        "2 of 4 queues", "busiest q0 35.0%", "16.78 TFLOP/s", "25.6% of 65.54 TFLOP/s",
        "verdict     latency-bound: no engine is >= 70% busy (tensor busy 25.6% of the total)"}) {
    EXPECT_NE(text.find(expected), std::string::npos) << "missing '" << expected << "' in\n"
                                                      << text;
  }
  // Aligned: every engine row has the utilisation column at the same offset.
  const size_t tensor_row = text.find("\ntensor");
  const size_t vector_row = text.find("\nvector");
  ASSERT_NE(tensor_row, std::string::npos);
  ASSERT_NE(vector_row, std::string::npos);
  EXPECT_EQ(text.find('%', tensor_row) - tensor_row, text.find('%', vector_row) - vector_row);
}

}  // namespace
}  // namespace trnsim::sim
