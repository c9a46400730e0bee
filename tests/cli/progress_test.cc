// The progress bar: its line, and that rank draws it only when asked (not on a pipe).
#include <gtest/gtest.h>

#include "sim/cli/progress.h"
#include "tests/cli/cli_util.h"

namespace trnsim::cli::testing {
namespace {

TEST(ProgressLine, FillsInProportion) {
  EXPECT_EQ(ProgressBar::line("rank mm", 1, 3, 2.4),
            "rank mm [##########....................] 1/3 2s");
  EXPECT_EQ(ProgressBar::line("x", 3, 3, 0), "x [" + std::string(30, '#') + "] 3/3 0s");
  EXPECT_EQ(ProgressBar::line("x", 0, 0, 0), "x [" + std::string(30, '.') + "] 0/0 0s");
}

TEST(ProgressLine, DisabledOnAPipeUnlessForced) {
  unsetenv("TRNSIM_PROGRESS");
  EXPECT_FALSE(progress_enabled(true));
  setenv("TRNSIM_PROGRESS", "1", 1);
  EXPECT_TRUE(progress_enabled(true));
  setenv("TRNSIM_PROGRESS", "0", 1);
  EXPECT_FALSE(progress_enabled(false));
  unsetenv("TRNSIM_PROGRESS");
}

TEST(CliProgress, RankDrawsTheBarWhenForcedAndIsSilentOnAPipe) {
  TempDir d;
  const std::string rank = "rank rmsnorm --shape rows=128,cols=512 --out r";
  const CommandResult piped = trnsim_in(d, rank + " 2>err.txt");
  ASSERT_EQ(piped.exit_code, 0) << piped.output;
  EXPECT_EQ(run_shell("cat '" + (d / "err.txt") + "'").output, "");
  const CommandResult forced = trnsim_in(d, rank + " -q 2>&1 >/dev/null | cat");
  ASSERT_EQ(forced.exit_code, 0);
  EXPECT_EQ(forced.output, "");  // --quiet and not a terminal
  const CommandResult bar =
      run_shell("cd '" + d.path() + "' && TRNSIM_PROGRESS=1 '" + TRNSIM_BINARY + "' " + rank +
                " -q 2>&1 >/dev/null");
  ASSERT_EQ(bar.exit_code, 0);
  EXPECT_NE(bar.output.find("rank rmsnorm ["), std::string::npos) << bar.output;
  EXPECT_NE(bar.output.find("2/2"), std::string::npos) << bar.output;
  EXPECT_NE(bar.output.find("\033[K"), std::string::npos);  // erased at the end
}

TEST(CliProgress, RunShowsItsStagesWhenForced) {
  TempDir d;
  const CommandResult r = run_shell("cd '" + d.path() + "' && TRNSIM_PROGRESS=1 '" +
                                    TRNSIM_BINARY + "' run --out r 2>&1 >/dev/null");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("run: simulating 13 instructions ["), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("run: writing r ["), std::string::npos) << r.output;
  const CommandResult piped = trnsim_in(d, "run --out r 2>&1 >/dev/null");
  EXPECT_EQ(piped.output, "");
}

// `command` run on a pseudo-terminal (util-linux `script`), as a user at a terminal runs it;
// stdout and stderr both land in the output.
CommandResult on_a_terminal(const TempDir& d, const std::string& args) {
  return run_shell("cd '" + d.path() + "' && env -u TRNSIM_PROGRESS script -qec \"'" +
                   TRNSIM_BINARY + "' " + args + "\" /dev/null");
}

TEST(CliProgress, ModelValuesDrawsLayersDoneOnATerminalAndQuietSilencesIt) {
  TempDir d;
  const std::string model =
      "model llama-3.2-1b --prompt-len 4 --gen 2 --decode-bucket 64 --values --values-layers 1 "
      "--values-vocab 64 --summary";
  const CommandResult bar = on_a_terminal(d, model);
  ASSERT_EQ(bar.exit_code, 0) << bar.output;
  EXPECT_NE(bar.output.find("decode baseline ["), std::string::npos) << bar.output;
  // One unit per layer of each forward pass: 1 layer x (prefill + 1 decode).
  EXPECT_NE(bar.output.find("values baseline ["), std::string::npos) << bar.output;
  EXPECT_NE(bar.output.find("2/2"), std::string::npos) << bar.output;
  // --quiet silences the bar on a terminal (the timing-only run shares the flag, and is fast).
  const CommandResult quiet =
      on_a_terminal(d, "model llama-3.2-1b --prompt-len 4 --gen 2 --summary --quiet");
  ASSERT_EQ(quiet.exit_code, 0) << quiet.output;
  EXPECT_NE(quiet.output.find("TTFT"), std::string::npos) << quiet.output;
  EXPECT_EQ(quiet.output.find("decode baseline ["), std::string::npos) << quiet.output;
  const CommandResult drawn = on_a_terminal(d, "model llama-3.2-1b --prompt-len 4 --gen 2 --summary");
  EXPECT_NE(drawn.output.find("decode baseline ["), std::string::npos) << drawn.output;
}

}  // namespace
}  // namespace trnsim::cli::testing
