// `trnsim rank FILE.py::F1,F2`: the C++ command hands NKI sweeps to trnsim_nki.rank with the
// options it parsed, and keeps the NKI-only and library-only options apart. The NKI sweep
// itself is tested in tests/nki/test_rank.py.
#include <gtest/gtest.h>

#include "tests/cli/cli_util.h"

namespace trnsim::cli::testing {
namespace {

void expect_has(const CommandResult& r, const std::string& text) {
  EXPECT_NE(r.output.find(text), std::string::npos) << r.output;
}

const std::string kExample = source_path("kernels/nki/examples/rank/");

TEST(CliRankNki, RanksAnNkiKernelFileFromOneCommand) {
  TempDir d;
  const CommandResult r = trnsim_in(
      d, "rank " + kExample + "matmul_variants.py::matmul_tiled,matmul_blocked --ref " +
             kExample + "reference.py::forward --shape lhsT=128x128:bfloat16 " +
             "--shape rhs=128x512:bfloat16 --grid TILES_IN_BLOCK_M=1,2 --target trn1 --out r");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  expect_has(r, "reference reference.py::forward");
  const nlohmann::json report = read_json(d / "r/rank.json");
  ASSERT_EQ(report.at("points").size(), 3u) << report.dump(1);
  EXPECT_EQ(report.at("inputs").at("rhs"), "128x512:bfloat16");
  EXPECT_EQ(report.at("baseline"), "matmul_tiled");
  EXPECT_TRUE(exists(d / "r/rank.csv"));
}

TEST(CliRankNki, LibraryOnlyOptionsAreRejectedForNkiKernels) {
  TempDir d;
  const CommandResult r =
      trnsim_in(d, "rank " + kExample + "matmul_variants.py::matmul_tiled --dtype bfloat16");
  EXPECT_EQ(r.exit_code, 2) << r.output;
  expect_has(r, "--dtype and --variants are for library kernels");
}

TEST(CliRankNki, NkiOnlyOptionsAreRejectedForLibraryKernels) {
  TempDir d;
  const CommandResult r =
      trnsim_in(d, "rank rmsnorm --shape rows=128,cols=512 --ref r.py::f --out r");
  EXPECT_EQ(r.exit_code, 2) << r.output;
  expect_has(r, "are for NKI kernels");
}

TEST(CliRankNki, RepeatedShapeOptionsJoinForLibraryKernels) {
  TempDir d;
  const CommandResult r =
      trnsim_in(d, "rank rmsnorm --shape rows=128 --shape cols=512 --quiet --out r");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(read_json(d / "r/rank.json").at("shape").at("cols"), 512);
}

TEST(CliRankNki, MergeQuietPrintsNoTable) {
  TempDir d;
  ASSERT_EQ(trnsim_in(d, "rank rmsnorm --shape rows=128,cols=512 --quiet --out r").exit_code, 0);
  const CommandResult m = trnsim_in(d, "rank merge r/rank.json --quiet --out m");
  ASSERT_EQ(m.exit_code, 0) << m.output;
  EXPECT_EQ(m.output, "");
  EXPECT_TRUE(exists(d / "m/rank.csv"));
}

}  // namespace
}  // namespace trnsim::cli::testing
