#include "workloads/score.h"

#include <gtest/gtest.h>

#include "isa/error.h"

namespace trnsim::workloads {
namespace {

TEST(Score, FactorsMultiply) {
  ScoreInputs in;
  in.values_checked = true;
  in.values_ok = true;
  in.ref_ttft_ns = 300;
  in.ttft_ns = 100;  // 3x faster prefill
  in.ref_tokens_per_s = 50;
  in.tokens_per_s = 100;  // 2x throughput
  in.macs = 1000;
  in.nki_macs = 250;  // 1.25
  const Score s = contest_score(in);
  EXPECT_DOUBLE_EQ(s.accuracy, 1);
  EXPECT_DOUBLE_EQ(s.ttft_factor, 3);
  EXPECT_DOUBLE_EQ(s.throughput_factor, 2);
  EXPECT_DOUBLE_EQ(s.nki_mac_factor, 1.25);
  EXPECT_DOUBLE_EQ(s.total, 7.5);
  EXPECT_NE(s.text().find("7.5000"), std::string::npos);
}

TEST(Score, WrongValuesScoreZero) {
  ScoreInputs in{true, false, 100, 300, 100, 50, 1000, 0};
  EXPECT_DOUBLE_EQ(contest_score(in).total, 0);
  in.values_checked = false;  // unchecked counts as accurate
  EXPECT_DOUBLE_EQ(contest_score(in).total, 6);
}

TEST(Score, RejectsNkiMacsBeyondTheModel) {
  ScoreInputs in{false, true, 100, 300, 100, 50, 1000, 1001};
  EXPECT_THROW(contest_score(in), Error);
  in.nki_macs = -1;
  EXPECT_THROW(contest_score(in), Error);
  in.nki_macs = 1000;  // everything in NKI kernels doubles the score
  EXPECT_DOUBLE_EQ(contest_score(in).total, 12);
}

TEST(Score, RejectsZeroTimes) {
  ScoreInputs in{false, true, 0, 300, 100, 50, 0, 0};
  EXPECT_THROW(contest_score(in), Error);
  in.ttft_ns = 1;
  in.tokens_per_s = 0;
  EXPECT_THROW(contest_score(in), Error);
}

}  // namespace
}  // namespace trnsim::workloads
