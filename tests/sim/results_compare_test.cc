// compare_results / format_compare / compare_dirs on two hand-made runs.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "isa/error.h"
#include "sim/stats/compare.h"
#include "sim/stats/stats.h"
#include "tests/sim/results_fixture.h"
#include "tests/temp_dir.h"

namespace trnsim::sim {
namespace {

using nlohmann::json;

class ResultsCompare : public ::testing::Test {
 protected:
  void SetUp() override {
    const isa::Program prog = testing::results_test_program();
    const HwConfig cfg = testing::results_test_config();
    RunResult run = testing::results_test_run();
    a = stats_to_json(compute_stats(prog, run, cfg));
    // B: the matmul takes 100 ns instead of 256 and everything after it moves 200 ns earlier.
    run.records[2].busy_ns = 100;
    for (int i = 3; i < 6; ++i) {
      run.records[i].start_ns -= 200;
      run.records[i].end_ns -= 200;
    }
    run.total_ns = 800;
    b = stats_to_json(compute_stats(prog, run, cfg));
  }
  json a, b;
};

TEST_F(ResultsCompare, DeltasAndSpeedup) {
  const json c = compare_results(a, b);
  EXPECT_DOUBLE_EQ(c["total_ns"]["a"].get<double>(), 1000);
  EXPECT_DOUBLE_EQ(c["total_ns"]["b"].get<double>(), 800);
  EXPECT_DOUBLE_EQ(c["total_ns"]["delta"].get<double>(), -200);
  EXPECT_DOUBLE_EQ(c["total_ns"]["speedup"].get<double>(), 1.25);
  EXPECT_DOUBLE_EQ(c["engines"]["tensor"]["busy_ns"]["delta"].get<double>(), -156);
  EXPECT_DOUBLE_EQ(c["engines"]["tensor"]["utilisation"]["b"].get<double>(), 0.125);
  // DMA: 550 ns of queue time over 4 queues in both runs, utilisation 0.1375 -> 0.171875.
  EXPECT_DOUBLE_EQ(c["engines"]["dma"]["utilisation"]["delta"].get<double>(), 0.034375);
  EXPECT_DOUBLE_EQ(c["dma_bytes_per_ns"]["b"].get<double>(), 532.48);
  EXPECT_DOUBLE_EQ(c["tensor_peak_fraction"]["b"].get<double>(), 0.32);
  EXPECT_EQ(c["bottleneck"]["a"], "tensor");
  EXPECT_EQ(c["bottleneck"]["b"], "dma");  // tensor 100 ns < DMA 137.5 ns
  EXPECT_EQ(c["engines"].size(), 5u);
}

TEST_F(ResultsCompare, TableShowsBothRunsAndTheSpeedup) {
  const std::string text = format_compare(compare_results(a, b, "base/", "fast/"));
  for (const char* expected :
       {"A: base/ (mm_exp on testhw)", "B: fast/", "total_us", "1.000", "0.800", "-0.200",
        "-20.0%", "tensor busy_us", "0.256", "0.100", "-0.156", "dma util", "17.2%", "+3.4 pt",
        "tensor util", "-13.1 pt", "speedup: B is 1.250x faster than A"}) {
    EXPECT_NE(text.find(expected), std::string::npos) << "missing '" << expected << "' in\n"
                                                      << text;
  }
  // Engine rows follow the hardware order, not alphabetical order.
  EXPECT_LT(text.find("tensor busy_us"), text.find("vector busy_us"));
  EXPECT_LT(text.find("gpsimd busy_us"), text.find("dma busy_us"));
  const std::string reverse = format_compare(compare_results(b, a));
  EXPECT_NE(reverse.find("B is 1.250x slower than A"), std::string::npos) << reverse;
}

TEST_F(ResultsCompare, MissingOrWrongFieldsNameTheDocumentAndKey) {
  json broken = b;
  broken["engines"]["scalar"].erase("busy_ns");
  try {
    compare_results(a, broken, "A/", "B/");
    FAIL() << "expected trnsim::Error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("B/"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("engines.scalar.busy_ns"), std::string::npos)
        << e.what();
  }
  broken = a;
  broken["total_ns"] = "fast";
  EXPECT_THROW(compare_results(broken, b), Error);
  EXPECT_THROW(compare_results(json::array(), b), Error);
}

TEST_F(ResultsCompare, DirsReadStatsFilesAndReportBadOnes) {
  namespace fs = std::filesystem;
  const trnsim::testing::TempDir tmp;
  const fs::path root = tmp.path();
  fs::create_directories(root / "a");
  fs::create_directories(root / "b");
  fs::create_directories(root / "bad");
  std::ofstream(root / "a" / "stats.json") << a.dump(2);
  std::ofstream(root / "b" / "stats.json") << b.dump(2);
  std::ofstream(root / "bad" / "stats.json") << "{\"total_ns\": ";
  const std::string text = compare_dirs((root / "a").string(), (root / "b").string());
  EXPECT_NE(text.find("1.250x faster"), std::string::npos) << text;
  try {
    compare_dirs((root / "a").string(), (root / "missing").string());
    FAIL() << "expected trnsim::Error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("missing/stats.json"), std::string::npos) << e.what();
  }
  try {
    compare_dirs((root / "bad").string(), (root / "b").string());
    FAIL() << "expected trnsim::Error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("bad/stats.json"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("not valid JSON"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace trnsim::sim
