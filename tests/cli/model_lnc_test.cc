// `trnsim model` with --lnc (default per target, 1, 2, refused on trn1) and the collective link
// options (from sim/configs/links.json, overridden by --link-gbps / --link-latency-us).
#include <gtest/gtest.h>

#include "tests/cli/cli_util.h"

namespace trnsim::cli::testing {
namespace {

void expect_has(const CommandResult& r, const std::string& text) {
  EXPECT_NE(r.output.find(text), std::string::npos) << "expected '" << text << "' in:\n"
                                                    << r.output;
}

const char* kSmallQwen = " --prompt-len 8 --gen 1 --tp 4 --summary";

TEST(CliModelLnc, Trn2DefaultsToLnc2WithItsLinks) {
  TempDir d;
  const CommandResult r = trnsim_in(d, std::string("model qwen3-30b-a3b -t trn2") + kSmallQwen);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  expect_has(r, "TP 4 on trn2, LNC 2");
  // 1.28 TB/s per device / 2 directions / 4 ranks of 2 cores.
  expect_has(r, "collectives: 160.0 GB/s per rank, 2.00 us per ring step");
  expect_has(r, "tokens/s");
}

TEST(CliModelLnc, LncOneAndTwoOnTrn3) {
  TempDir d;
  const CommandResult one =
      trnsim_in(d, std::string("model qwen3-30b-a3b -t trn3 --lnc 1") + kSmallQwen);
  ASSERT_EQ(one.exit_code, 0) << one.output;
  expect_has(one, "LNC 1");
  expect_has(one, "collectives: 160.0 GB/s per rank");  // 2.56 TB/s / 2 / 8 ranks
  const CommandResult two =
      trnsim_in(d, std::string("model qwen3-30b-a3b -t trn3 --lnc 2") + kSmallQwen);
  ASSERT_EQ(two.exit_code, 0) << two.output;
  expect_has(two, "LNC 2");
  expect_has(two, "collectives: 320.0 GB/s per rank");
}

TEST(CliModelLnc, Trn1IsLnc1AndRefusesLnc2) {
  TempDir d;
  const CommandResult def = trnsim_in(d, "model llama-3.2-1b -t trn1 --prompt-len 8 --gen 1 "
                                         "--summary");
  ASSERT_EQ(def.exit_code, 0) << def.output;
  expect_has(def, "LNC 1");
  const CommandResult two = trnsim_in(d, "model llama-3.2-1b -t trn1 --lnc 2 --summary");
  EXPECT_NE(two.exit_code, 0);
  expect_has(two, "--lnc 2: target trn1 supports LNC 1 only");
}

TEST(CliModelLnc, LinkOverridesAndBadValues) {
  TempDir d;
  const CommandResult r = trnsim_in(d, std::string("model qwen3-30b-a3b -t trn2 --link-gbps 50 "
                                                   "--link-latency-us 0.5") +
                                           kSmallQwen);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  expect_has(r, "collectives: 50.0 GB/s per rank, 0.50 us per ring step");
  const CommandResult bad = trnsim_in(d, "model llama-3.2-1b --link-gbps -3 --summary");
  EXPECT_NE(bad.exit_code, 0);
  expect_has(bad, "--link-gbps must be positive");
}

}  // namespace
}  // namespace trnsim::cli::testing
