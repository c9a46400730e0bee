// `trnsim convert` in every mode, `trnsim run` on binary traces and `trnsim bench
// --write-trace NAME.trnb`: every checked-in trace goes JSON -> binary -> JSON to the same
// canonical text and runs to a byte-identical stats.json from either format.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "isa/trace_binary.h"
#include "tests/cli/cli_util.h"

namespace trnsim::cli::testing {
namespace {

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

bool is_binary_file(const std::string& path) { return isa::is_binary_trace(slurp(path)); }

std::vector<std::string> checked_in_traces() {
  std::vector<std::string> out;
  for (const auto& e : std::filesystem::recursive_directory_iterator(source_path("traces")))
    if (e.is_regular_file() && e.path().extension() == ".json" &&
        e.path().string().find("/golden/") == std::string::npos)
      out.push_back(e.path().string());
  std::sort(out.begin(), out.end());
  return out;
}

TEST(ConvertCli, EveryTraceRoundTripsAndRunsTheSameFromBinary) {
  const std::vector<std::string> traces = checked_in_traces();
  ASSERT_GE(traces.size(), 5u);
  for (const std::string& trace : traces) {
    SCOPED_TRACE(trace);
    TempDir dir;
    ASSERT_EQ(trnsim_in(dir, "convert '" + trace + "' canonical.json").exit_code, 0);
    const CommandResult to_binary = trnsim_in(dir, "convert '" + trace + "' t.trnb");
    ASSERT_EQ(to_binary.exit_code, 0) << to_binary.output;
    EXPECT_TRUE(to_binary.output.empty()) << to_binary.output;
    EXPECT_TRUE(is_binary_file(dir / "t.trnb"));
    ASSERT_EQ(trnsim_in(dir, "convert t.trnb back.json").exit_code, 0);
    EXPECT_FALSE(is_binary_file(dir / "back.json"));
    EXPECT_EQ(slurp(dir / "back.json"), slurp(dir / "canonical.json"));
    EXPECT_LT(slurp(dir / "t.trnb").size(), slurp(dir / "canonical.json").size());

    // Inputs that traces/tour/scale.json takes from a file come from the same seed here.
    const std::string opts = " --timing-only --timeline none -q";
    const CommandResult a = trnsim_in(dir, "run '" + trace + "' -o from_json" + opts);
    const CommandResult b = trnsim_in(dir, "run t.trnb -o from_binary" + opts);
    ASSERT_EQ(a.exit_code, 0) << a.output;
    ASSERT_EQ(b.exit_code, 0) << b.output;
    const std::string stats = slurp(dir / "from_json/stats.json");
    EXPECT_FALSE(stats.empty());
    EXPECT_EQ(slurp(dir / "from_binary/stats.json"), stats);
  }
}

TEST(ConvertCli, ValuesAndTimingRunIsIdenticalFromBinary) {
  TempDir dir;
  const std::string trace = source_path("traces/rmsnorm_128x2048_bf16.json");
  ASSERT_EQ(trnsim_in(dir, "convert '" + trace + "' r.trnb").exit_code, 0);
  ASSERT_EQ(trnsim_in(dir, "run '" + trace + "' -o a --timeline none -q --seed 3").exit_code, 0);
  ASSERT_EQ(trnsim_in(dir, "run r.trnb -o b --timeline none -q --seed 3").exit_code, 0);
  EXPECT_EQ(slurp(dir / "b/stats.json"), slurp(dir / "a/stats.json"));
  bool any_output = false;
  for (const auto& e : std::filesystem::directory_iterator(dir / "a/outputs")) {
    any_output = true;
    const std::string name = e.path().filename().string();
    EXPECT_EQ(slurp(dir / ("b/outputs/" + name)), slurp(e.path().string())) << name;
  }
  EXPECT_TRUE(any_output);
}

TEST(ConvertCli, ToOptionOverridesTheExtension) {
  TempDir dir;
  const std::string trace = source_path("traces/matmul_256x384x512_bf16.json");
  ASSERT_EQ(trnsim_in(dir, "convert '" + trace + "' bin.json --to binary").exit_code, 0);
  EXPECT_TRUE(is_binary_file(dir / "bin.json"));
  ASSERT_EQ(trnsim_in(dir, "convert bin.json text.trnb --to json").exit_code, 0);
  EXPECT_FALSE(is_binary_file(dir / "text.trnb"));
  EXPECT_TRUE(read_json(dir / "text.trnb").is_object());
  ASSERT_EQ(trnsim_in(dir, "convert text.trnb auto.trnb --to auto").exit_code, 0);
  EXPECT_TRUE(is_binary_file(dir / "auto.trnb"));
  // A binary file named .json and a JSON file named .trnb both run: the first bytes decide.
  EXPECT_EQ(trnsim_in(dir, "run bin.json -o r1 --timing-only -q").exit_code, 0);
  EXPECT_EQ(trnsim_in(dir, "run text.trnb -o r2 --timing-only -q").exit_code, 0);
  EXPECT_EQ(slurp(dir / "r1/stats.json"), slurp(dir / "r2/stats.json"));
}

TEST(ConvertCli, BadInputIsAClearError) {
  TempDir dir;
  const CommandResult missing = trnsim_in(dir, "convert nope.trnb out.json");
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_NE(missing.output.find("nope.trnb: cannot open trace file"), std::string::npos)
      << missing.output;
  const CommandResult bad_to = trnsim_in(dir, "convert a.json b.json --to yaml");
  EXPECT_NE(bad_to.exit_code, 0);
  EXPECT_NE(bad_to.output.find("--to"), std::string::npos) << bad_to.output;
  const CommandResult usage = trnsim_in(dir, "convert only_one.json");
  EXPECT_NE(usage.exit_code, 0);

  const std::string trace = source_path("traces/rmsnorm_128x2048_bf16.json");
  ASSERT_EQ(trnsim_in(dir, "convert '" + trace + "' good.trnb").exit_code, 0);
  const std::string good = slurp(dir / "good.trnb");
  std::ofstream(dir / "cut.trnb", std::ios::binary) << good.substr(0, good.size() - 3);
  for (const std::string cmd : {"convert cut.trnb x.json", "run cut.trnb -q"}) {
    const CommandResult r = trnsim_in(dir, cmd);
    EXPECT_EQ(r.exit_code, 2) << cmd;
    EXPECT_NE(r.output.find("trnsim: error: cut.trnb: byte "), std::string::npos) << r.output;
    EXPECT_NE(r.output.find("the file ends"), std::string::npos) << r.output;
  }
}

TEST(ConvertCli, BenchWritesBinaryForTrnbNames) {
  TempDir dir;
  ASSERT_EQ(trnsim_in(dir, "bench -n 500 --write-trace b.trnb").exit_code, 0);
  ASSERT_EQ(trnsim_in(dir, "bench -n 500 --write-trace b.json").exit_code, 0);
  EXPECT_TRUE(is_binary_file(dir / "b.trnb"));
  EXPECT_FALSE(is_binary_file(dir / "b.json"));
  ASSERT_EQ(trnsim_in(dir, "convert b.trnb from_binary.json").exit_code, 0);
  EXPECT_EQ(slurp(dir / "from_binary.json"), slurp(dir / "b.json"));
}

}  // namespace
}  // namespace trnsim::cli::testing
