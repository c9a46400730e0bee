// `trnsim run MANIFEST`: a pair manifest (isa/PAIR_TRACE.md) runs both cores of an LNC=2 pair in
// one simulation, in each mode, and bad manifests are named errors.
#include <gtest/gtest.h>

#include <cstring>
#include <fstream>

#include "isa/npy.h"
#include "tests/cli/cli_util.h"

namespace trnsim::cli::testing {
namespace {

// Core c stores (c + 1) * x into its half of `mid`, waits at the barrier on mid, and copies the
// other core's half into its half of y: y = [2 x_1 | x_0] by columns.
std::string core_trace(int c, bool barrier = true) {
  const std::string mine = c == 0 ? "0:64" : "64:128", theirs = c == 0 ? "64:128" : "0:64";
  return R"({"format": "trnsim-trace", "version": 1, "name": "core)" + std::to_string(c) + R"(",
 "tensors": [{"name": "x", "shape": [128, 64], "dtype": "float32", "role": "input"},
             {"name": "mid", "shape": [128, 128], "dtype": "float32", "role": "scratch"},
             {"name": "y", "shape": [128, 128], "dtype": "float32", "role": "output"}],
 "tiles": [{"name": "t", "memory": "sbuf", "partitions": 128, "shape": [64], "dtype": "float32"}],
 "instructions": [
   {"op": "dma_copy", "dst": "t", "src": "x"},
   {"op": "activation", "dst": "t", "src": "t", "func": "copy", "scale": )" +
         std::to_string(c + 1) + R"(},
   {"op": "dma_copy", "dst": "mid[0:128, )" + mine + R"(]", "src": "t"},
   )" + std::string(barrier ? R"({"op": "core_barrier", "data": "mid"},)" : "") + R"(
   {"op": "dma_copy", "dst": "t", "src": "mid[0:128, )" + theirs + R"(]"},
   {"op": "dma_copy", "dst": "y[0:128, )" + mine + R"(]", "src": "t"}]})";
}

void write(const std::filesystem::path& p, const std::string& text) {
  std::ofstream(p) << text;
}

void write_pair(const TempDir& d, const std::string& manifest) {
  write(d / "core0.json", core_trace(0));
  write(d / "core1.json", core_trace(1));
  write(d / "pair.json", manifest);
}

const char* kManifest = R"({"trnsim_pair": 1, "cores": ["core0.json", "core1.json"]})";

TEST(CliRunPair, ValuesAndTimingWriteBothCoresAndThePair) {
  TempDir d;
  write_pair(d, kManifest);
  const CommandResult r = trnsim_in(d, "run pair.json --out res --seed 3");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("pair total:"), std::string::npos) << r.output;
  const nlohmann::json s = read_json(d / "res/stats.json");
  const nlohmann::json& lnc = s.at("lnc");
  EXPECT_TRUE(lnc.at("two_core_run").get<bool>());
  const double t0 = lnc.at("core_total_ns")[0], t1 = lnc.at("core_total_ns")[1];
  EXPECT_DOUBLE_EQ(s.at("total_ns").get<double>(),
                   std::max(t0, t1) + lnc.at("barrier_ns").get<double>());
  EXPECT_EQ(lnc.at("per_core").size(), 2u);
  for (const char* f : {"res/core0/stats.json", "res/core1/timeline.json", "res/timeline.json"})
    EXPECT_TRUE(exists(d / f)) << f;
  // The barrier's cross-core dependencies are flow arrows between the two processes.
  int starts = 0, finishes = 0;
  const nlohmann::json timeline = read_json(d / "res/timeline.json");
  for (const nlohmann::json& e : timeline.at("traceEvents")) {
    if (e.value("name", "") != "core sync") continue;
    (e.at("ph") == "s" ? starts : finishes) += 1;
  }
  EXPECT_GT(starts, 0);
  EXPECT_EQ(starts, finishes);
  // y = [2 * x | x] (core 0 copies core 1's doubled x, core 1 copies core 0's x).
  const isa::NpyArray y = isa::read_npy(d / "res/outputs/y.npy");
  const CommandResult x = trnsim_in(d, "run pair.json --out res2 --seed 3 --all-tensors -q");
  ASSERT_EQ(x.exit_code, 0) << x.output;
  const isa::NpyArray xin = isa::read_npy(d / "res2/outputs/x.npy");
  std::vector<float> yv(y.elements()), xv(xin.elements());
  std::memcpy(yv.data(), y.data.data(), yv.size() * 4);
  std::memcpy(xv.data(), xin.data.data(), xv.size() * 4);
  for (size_t p = 0; p < 128; ++p)
    for (size_t j = 0; j < 64; ++j) {
      ASSERT_EQ(yv[p * 128 + j], 2 * xv[p * 64 + j]) << p << "," << j;
      ASSERT_EQ(yv[p * 128 + 64 + j], xv[p * 64 + j]) << p << "," << j;
    }
}

TEST(CliRunPair, TimingOnlyValuesOnlyAndJson) {
  TempDir d;
  write_pair(d, kManifest);
  const CommandResult t = trnsim_in(d, "run pair.json --timing-only --out t -q");
  ASSERT_EQ(t.exit_code, 0) << t.output;
  EXPECT_FALSE(exists(d / "t/outputs/y.npy"));
  EXPECT_GT(read_json(d / "t/stats.json").at("total_ns").get<double>(), 0);
  const CommandResult v = trnsim_in(d, "run pair.json --values-only --out v -q");
  ASSERT_EQ(v.exit_code, 0) << v.output;
  EXPECT_TRUE(exists(d / "v/outputs/y.npy"));
  EXPECT_EQ(read_json(d / "v/stats.json").at("total_ns").get<double>(), 0);
  const CommandResult j = trnsim_in(d, "run pair.json --timing-only --out j --json");
  ASSERT_EQ(j.exit_code, 0) << j.output;
  EXPECT_EQ(nlohmann::json::parse(j.output).at("lnc").at("cores"), 2);
}

TEST(CliRunPair, BadManifestsAndTargetsAreNamed) {
  TempDir d;
  write_pair(d, R"({"trnsim_pair": 1, "cores": ["core0.json"]})");
  CommandResult r = trnsim_in(d, "run pair.json --out r");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.output.find("pair.json: pair manifest: cores must list two trace files"),
            std::string::npos)
      << r.output;
  write(d / "pair.json", R"({"trnsim_pair": 1, "cores": ["core0.json", "core1.json"], "x": 1})");
  r = trnsim_in(d, "run pair.json --out r");
  EXPECT_NE(r.output.find("unknown key 'x'"), std::string::npos) << r.output;
  write(d / "pair.json", kManifest);
  r = trnsim_in(d, "run pair.json --out r --target trn1");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.output.find("no LNC=2 core pair"), std::string::npos) << r.output;
  write(d / "core1.json", core_trace(1, false));
  r = trnsim_in(d, "run pair.json --out r");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.output.find("has no partner"), std::string::npos) << r.output;
}

}  // namespace
}  // namespace trnsim::cli::testing
