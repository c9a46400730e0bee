// `trnsim run` in each mode, on every shipped trace, and `--version`.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "isa/npy.h"
#include "tests/cli/cli_util.h"

namespace trnsim::cli::testing {
namespace {

// The shipped traces small enough for a quick test (the LayerNorm ones take seconds each).
std::vector<std::string> small_traces() {
  return {source_path("traces/matmul_256x384x512_bf16.json"),
          source_path("traces/rmsnorm_128x2048_bf16.json"), source_path("traces/tour/scale.json")};
}

std::vector<float> npy_floats(const std::string& path) {
  const isa::NpyArray a = isa::read_npy(path);
  EXPECT_EQ(a.descr, "<f4") << path;
  std::vector<float> v(a.elements());
  std::memcpy(v.data(), a.data.data(), v.size() * sizeof(float));
  return v;
}

TEST(CliRun, DefaultRunsTheShippedSampleWithValuesAndTiming) {
  TempDir d;
  const CommandResult r = trnsim_in(d, "run --out res");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("results: res"), std::string::npos) << r.output;
  const nlohmann::json s = read_json(d / "res/stats.json");
  EXPECT_TRUE(s.at("timed").get<bool>());
  EXPECT_GT(s.at("total_ns").get<double>(), 0);
  EXPECT_TRUE(exists(d / "res/outputs/y.npy"));
  EXPECT_TRUE(exists(d / "res/timeline.json"));
  EXPECT_TRUE(exists(d / "res/config.json"));
}

TEST(CliRun, PrintsTheTimelineFileAndItsSize) {
  TempDir d;
  const CommandResult gz = trnsim_in(d, "run --timing-only --out r --timeline json.gz");
  ASSERT_EQ(gz.exit_code, 0) << gz.output;
  const auto bytes = std::filesystem::file_size(d / "r/timeline.json.gz");
  char expected[64];
  std::snprintf(expected, sizeof expected, "timeline: r/timeline.json.gz (%.1f kB)\n",
                double(bytes) / 1e3);
  EXPECT_NE(gz.output.find(expected), std::string::npos) << gz.output;
  const CommandResult none = trnsim_in(d, "run --timing-only --out r --timeline none");
  ASSERT_EQ(none.exit_code, 0) << none.output;
  EXPECT_EQ(none.output.find("timeline:"), std::string::npos) << none.output;
}

TEST(CliRun, TimelineShowsOperandTypesTheDmaFixedCostAndBandwidth) {
  TempDir d;
  ASSERT_EQ(trnsim_in(d, "run --timing-only --out r --set dma.fixed_ns=100 -q").exit_code, 0);
  const nlohmann::json t = read_json(d / "r/timeline.json");
  int fixed = 0, dma = 0, bandwidth = 0, typed = 0;
  for (const nlohmann::json& e : t.at("traceEvents")) {
    if (e["ph"] == "C" && e["name"] == "DMA bandwidth") ++bandwidth;
    if (e["ph"] != "X") continue;
    if (e["cat"] == "dma") ++dma;
    if (e["cat"] == "dma_fixed") {
      ++fixed;
      EXPECT_LE(e["dur"].get<double>(), 0.1) << e.dump();  // 100 ns, clipped to the transfer
    }
    if (e["args"].contains("dst_dtype") && e["args"].contains("dst_shape") &&
        e["args"].contains("dst_bytes"))
      ++typed;
  }
  EXPECT_GT(dma, 0);
  EXPECT_EQ(fixed, dma);  // one fixed-cost slice in each transfer slice
  EXPECT_GT(typed, dma);  // every slice with a destination view, compute and DMA
  EXPECT_GE(bandwidth, 2);
}

TEST(CliRun, TimingOnlyGivesTheSameTimeAndNoOutputs) {
  TempDir d;
  const std::string trace = source_path("traces/matmul_256x384x512_bf16.json");
  ASSERT_EQ(trnsim_in(d, "run " + trace + " --out both -q").exit_code, 0);
  const CommandResult r = trnsim_in(d, "run " + trace + " --timing-only --out timing -q");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(r.output, "");  // --quiet
  const nlohmann::json both = read_json(d / "both/stats.json");
  const nlohmann::json timing = read_json(d / "timing/stats.json");
  EXPECT_TRUE(timing.at("timed").get<bool>());
  EXPECT_EQ(timing.at("total_ns").get<double>(), both.at("total_ns").get<double>());
  EXPECT_FALSE(exists(d / "timing/outputs"));
}

// --json prints the stats.json the run writes, byte for byte (both are streamed, the tiles one
// at a time), on every small shipped trace.
TEST(CliRun, JsonPrintsTheStatsFileItWrote) {
  for (const std::string& trace : small_traces()) {
    TempDir d;
    const CommandResult r = trnsim_in(d, "run " + trace + " --timing-only --out r --json");
    ASSERT_EQ(r.exit_code, 0) << r.output;
    std::ifstream file(d / "r/stats.json", std::ios::binary);
    const std::string written((std::istreambuf_iterator<char>(file)),
                              std::istreambuf_iterator<char>());
    EXPECT_EQ(r.output, written) << trace;
    const nlohmann::json s = nlohmann::json::parse(r.output);
    EXPECT_TRUE(s.at("timed").get<bool>()) << trace;
    EXPECT_FALSE(s.at("memory").at("tiles").empty()) << trace;
  }
}

TEST(CliRun, TimingOnlyRejectsInputs) {
  TempDir d;
  const CommandResult r = trnsim_in(
      d, "run " + source_path("traces/tour/scale.json") + " --timing-only --input x=" +
             source_path("traces/tour/x.npy"));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.output.find("timing-only"), std::string::npos) << r.output;
}

TEST(CliRun, ValuesOnlyWorksOnShippedTracesAndMatchesTheTimedValues) {
  for (const std::string& trace : small_traces()) {
    SCOPED_TRACE(trace);
    TempDir d;
    const CommandResult v = trnsim_in(d, "run " + trace + " --values-only --out v");
    ASSERT_EQ(v.exit_code, 0) << v.output;
    EXPECT_NE(v.output.find("no timing"), std::string::npos) << v.output;
    EXPECT_FALSE(read_json(d / "v/stats.json").at("timed").get<bool>());
    EXPECT_FALSE(exists(d / "v/timeline.json"));  // an untimed run has nothing to draw
    ASSERT_EQ(trnsim_in(d, "run " + trace + " --out t -q").exit_code, 0);
    int outputs = 0;
    for (const auto& e : std::filesystem::directory_iterator(d / "t/outputs")) {
      const std::string name = e.path().filename().string();
      EXPECT_EQ(isa::read_npy(d / ("v/outputs/" + name)).data, isa::read_npy(e.path()).data)
          << name;
      ++outputs;
    }
    EXPECT_GT(outputs, 0);
  }
}

TEST(CliRun, ModesExcludeEachOther) {
  TempDir d;
  const CommandResult r = trnsim_in(d, "run --timing-only --values-only");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.output.find("exclude each other"), std::string::npos) << r.output;
}

TEST(CliRun, TourTraceWithShippedInputMatchesFloat64Reference) {
  TempDir d;
  const CommandResult r =
      trnsim_in(d, "run " + source_path("traces/tour/scale.json") + " --input x=" +
                       source_path("traces/tour/x.npy") + " --out s --target trn1 -q");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const isa::NpyArray x = isa::read_npy(source_path("traces/tour/x.npy"));
  const std::vector<float> x_f32 = npy_floats(d / "s/outputs/y.npy");  // shape check below
  ASSERT_EQ(x.descr, "<f2");
  ASSERT_EQ(x_f32.size(), size_t(x.elements()));
  const std::vector<uint8_t> x_bf16 = isa::npy_to_storage(x, isa::DType::kBf16);
  const isa::NpyArray x_back = isa::storage_to_npy(x_bf16.data(), x.elements(), isa::DType::kBf16,
                                                   x.shape);
  std::vector<float> xin(x.elements());
  std::memcpy(xin.data(), x_back.data.data(), xin.size() * sizeof(float));
  for (size_t i = 0; i < xin.size(); i += 97) {
    const double ref = std::exp(0.5 * double(xin[i]));
    EXPECT_NEAR(x_f32[i], ref, ref * 0x1p-8) << i;  // y is bf16 (8 significant bits)
  }
}

TEST(CliRun, Bf16InputAsRawBitsEqualsTheSameValuesAsFloats) {
  TempDir d;
  const isa::NpyArray x = isa::read_npy(source_path("traces/tour/x.npy"));
  isa::NpyArray bits;
  bits.descr = "<u2";
  bits.shape = x.shape;
  bits.data = isa::npy_to_storage(x, isa::DType::kBf16);
  isa::write_npy(d / "x_bits.npy", bits);
  const std::string trace = source_path("traces/tour/scale.json");
  ASSERT_EQ(trnsim_in(d, "run " + trace + " --input x=" + source_path("traces/tour/x.npy") +
                             " --out f -q").exit_code, 0);
  const CommandResult r = trnsim_in(d, "run " + trace + " --input x=x_bits.npy:bfloat16 --out b");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(isa::read_npy(d / "b/outputs/y.npy").data, isa::read_npy(d / "f/outputs/y.npy").data);
}

TEST(CliRun, DeclaredInputDtypeMustMatchTheTensor) {
  TempDir d;
  const std::string trace = source_path("traces/tour/scale.json");
  const std::string x = source_path("traces/tour/x.npy");
  const CommandResult wrong = trnsim_in(d, "run " + trace + " --input x=" + x + ":float32");
  EXPECT_EQ(wrong.exit_code, 2);
  EXPECT_NE(wrong.output.find("declared dtype float32 but tensor 'x' is bfloat16"),
            std::string::npos) << wrong.output;
  const CommandResult unknown = trnsim_in(d, "run " + trace + " --input x=" + x + ":bf17");
  EXPECT_EQ(unknown.exit_code, 2);
  EXPECT_NE(unknown.output.find("unknown dtype 'bf17'"), std::string::npos) << unknown.output;
}

TEST(CliRun, BadTraceNamesTheFile) {
  TempDir d;
  const CommandResult r = trnsim_in(d, "run no_such_trace.json");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.output.find("no_such_trace.json"), std::string::npos) << r.output;
}

TEST(CliVersion, PrintsTheProjectVersion) {
  TempDir d;
  const CommandResult r = trnsim_in(d, "--version");
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.output.rfind("trnsim ", 0), 0u) << r.output;
  EXPECT_NE(r.output.find('.'), std::string::npos) << r.output;
}

}  // namespace
}  // namespace trnsim::cli::testing
