// CLI modes added for simulator speed: `trnsim run --timeline none|json|json.gz`,
// `--timeline-pieces` and `--timeline-all-deps`, `trnsim bench` (in-process figures,
// --write-trace, --targets smoke run: it prints every target line; nothing about the figures is
// asserted).
#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "isa/trace_json.h"
#include "sim/bench/bench.h"
#include "tests/temp_dir.h"

namespace trnsim {
namespace {

namespace fs = std::filesystem;

struct Output {
  int status = -1;
  std::string text;  // stdout and stderr
};

Output trnsim(const std::string& args) {
  Output o;
  const std::string cmd = std::string(TRNSIM_BINARY) + " " + args + " 2>&1";
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return o;
  std::array<char, 4096> buf;
  for (size_t n; (n = fread(buf.data(), 1, buf.size(), p)) > 0;) o.text.append(buf.data(), n);
  o.status = pclose(p);
  return o;
}

class CliSpeed : public ::testing::Test {
 protected:
  std::string run_dir(const std::string& name) { return (root / name).string(); }
  const std::string trace = std::string(TRNSIM_SOURCE_DIR) + "/traces/matmul_256x384x512_bf16.json";
  trnsim::testing::TempDir tmp;
  fs::path root = tmp.path();
};

int count_slices(const nlohmann::json& t, const std::string& cat) {
  int n = 0;
  for (const auto& e : t["traceEvents"]) n += e["ph"] == "X" && e["cat"] == cat;
  return n;
}

TEST_F(CliSpeed, RunTimelineFormats) {
  for (const char* fmt : {"none", "json", "json.gz"}) {
    const std::string out = run_dir(fmt);
    const Output o = trnsim("run " + trace + " --timing-only -q -o " + out + " --timeline " + fmt);
    ASSERT_EQ(o.status, 0) << o.text;
    EXPECT_TRUE(fs::exists(fs::path(out) / "stats.json"));
    EXPECT_EQ(fs::exists(fs::path(out) / "timeline.json"), std::string(fmt) == "json") << fmt;
    EXPECT_EQ(fs::exists(fs::path(out) / "timeline.json.gz"), std::string(fmt) == "json.gz");
  }
  const Output bad = trnsim("run " + trace + " -q -o " + run_dir("bad") + " --timeline xml");
  EXPECT_NE(bad.status, 0);
  EXPECT_NE(bad.text.find("timeline format 'xml': expected none, json or json.gz"),
            std::string::npos) << bad.text;
}

TEST_F(CliSpeed, RunTimelinePiecesDrawsMoreDmaSlices) {
  ASSERT_EQ(trnsim("run " + trace + " --timing-only -q -o " + run_dir("t")).status, 0);
  ASSERT_EQ(trnsim("run " + trace + " --timing-only -q --timeline-pieces -o " + run_dir("p")).status, 0);
  std::ifstream a(root / "t" / "timeline.json"), b(root / "p" / "timeline.json");
  const int transfers = count_slices(nlohmann::json::parse(a), "dma");
  const int pieces = count_slices(nlohmann::json::parse(b), "dma");
  EXPECT_GT(transfers, 0);
  EXPECT_GT(pieces, transfers);
}

TEST_F(CliSpeed, RunTimelineAllDepsDrawsMoreFlows) {
  ASSERT_EQ(trnsim("run " + trace + " --timing-only -q -o " + run_dir("b")).status, 0);
  const std::string all_deps = " --timing-only -q --timeline-all-deps -o " + run_dir("a");
  ASSERT_EQ(trnsim("run " + trace + all_deps).status, 0);
  std::ifstream a(root / "a" / "timeline.json"), b(root / "b" / "timeline.json");
  const auto flows = [](const nlohmann::json& t) {
    int n = 0;
    for (const nlohmann::json& e : t["traceEvents"]) n += e["ph"] == "s";
    return n;
  };
  const int binding = flows(nlohmann::json::parse(b)), all = flows(nlohmann::json::parse(a));
  EXPECT_GT(binding, 0);
  EXPECT_GT(all, binding);
}

TEST_F(CliSpeed, BenchInProcessAndWriteTrace) {
  const Output o = trnsim("bench -n 600 --values-instructions 60");
  ASSERT_EQ(o.status, 0) << o.text;
  EXPECT_NE(o.text.find("timing-only:"), std::string::npos) << o.text;
  EXPECT_NE(o.text.find("with values:"), std::string::npos) << o.text;
  const std::string path = (root / "bench.json").string();
  ASSERT_EQ(trnsim("bench -n 601 --write-trace " + path).status, 0);
  EXPECT_EQ(isa::read_trace_file(path).instructions.size(), 601u);  // 1 + 100 steps of 6
  for (int64_t n : {7, 601, 606, 10'000})
    EXPECT_EQ(sim::instructions_in_bench_program(n),
              int64_t(sim::make_bench_program(n, 8).instructions.size())) << n;
}

TEST_F(CliSpeed, BenchTargetsSmokeRunPrintsEveryTarget) {
  const Output o = trnsim("bench --targets --sizes 700,1400 --gemm-sizes 128 --repeat 1");
  ASSERT_EQ(o.status, 0) << o.text;
  for (const char* what : {"instr/s at the largest size", "slope", "B/instr", "timeline.json <",
                           "timeline.json.gz", "bf16 GEMM 128^3", "multiply-add peak", "of Eigen alone",
                           "largest size, json trace", "largest size, binary trace",
                           "read trace     1399 instr"})
    EXPECT_NE(o.text.find(what), std::string::npos) << what << "\n" << o.text;
  const Output bad = trnsim("bench --targets --gemm-sizes 100");
  EXPECT_NE(bad.status, 0);
  EXPECT_NE(bad.text.find("--gemm-sizes value 100"), std::string::npos) << bad.text;
}

}  // namespace
}  // namespace trnsim
