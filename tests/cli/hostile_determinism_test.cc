// Determinism: the same inputs give byte-identical results, run after run and whatever the
// parallelism (--jobs of rank), so results can be compared and cached by content.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "tests/cli/cli_util.h"

namespace trnsim::cli::testing {
namespace {

namespace fs = std::filesystem;

std::string bytes_of(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// Every file under `a` exists under `b` with the same bytes, and both hold the same files.
void expect_identical_folders(const fs::path& a, const fs::path& b) {
  size_t files = 0;
  for (const auto& e : fs::recursive_directory_iterator(a)) {
    if (!e.is_regular_file()) continue;
    const fs::path rel = fs::relative(e.path(), a);
    ASSERT_TRUE(fs::exists(b / rel)) << rel << " missing in the second run";
    EXPECT_EQ(bytes_of(e.path()), bytes_of(b / rel)) << rel << " differs between runs";
    ++files;
  }
  size_t other = 0;
  for (const auto& e : fs::recursive_directory_iterator(b)) other += e.is_regular_file();
  EXPECT_EQ(files, other);
  EXPECT_GT(files, 0u);
}

TEST(Determinism, RunGivesByteIdenticalStatsTimelineAndOutputs) {
  TempDir d;
  const std::string trace = source_path("traces/matmul_256x384x512_bf16.json");
  for (const char* out : {"a", "b"}) {
    const CommandResult r = trnsim_in(d, "run '" + trace + "' --seed 7 -q --out " + out);
    ASSERT_EQ(r.exit_code, 0) << r.output;
  }
  EXPECT_TRUE(exists(d / "a/stats.json"));
  EXPECT_FALSE(fs::is_empty(d / "a/outputs"));
  expect_identical_folders(d / "a", d / "b");
}

TEST(Determinism, RankIsByteIdenticalAcrossJobs) {
  TempDir d;
  const std::string common = "rank rmsnorm --shape rows=128,cols=512 --grid bufs=1,2 -q ";
  for (const char* jobs : {"1", "2"}) {
    const CommandResult r = trnsim_in(d, common + "--jobs " + jobs + " --out j" + jobs);
    ASSERT_EQ(r.exit_code, 0) << r.output;
  }
  expect_identical_folders(d / "j1", d / "j2");
}

}  // namespace
}  // namespace trnsim::cli::testing
