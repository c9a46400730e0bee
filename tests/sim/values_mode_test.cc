// The three modes: values and timing (semantics run inside the SystemC processes in dependency
// order), timing only, values only. Same program, same values, same times.
#include <gtest/gtest.h>

#include <cstring>

#include "isa/error.h"
#include "isa/access_pattern.h"  // before machine_state.h, which uses AccessPattern
#include "isa/semantics/machine_state.h"
#include "tests/sim/sim_test_util.h"

namespace trnsim::sim {
namespace {

using isa::DType;
using isa::Memory;
using testing::ProgramBuilder;

isa::Program round_trip(const HwConfig& cfg, ProgramBuilder* b) {
  auto in = b->tensor("in", {128, 64});
  auto out = b->tensor("out", {128, 64}, DType::kFp32, isa::TensorRole::kOutput);
  auto x = b->tile("x", Memory::kSbuf, 128, {64});
  auto y = b->tile("y", Memory::kSbuf, 128, {64});
  b->dma(b->whole(x), b->whole(in));
  b->copy(b->whole(y), b->whole(x));
  b->dma(b->whole(out), b->whole(y));
  return b->build(cfg);
}

void fill(isa::MachineState& st) {
  std::vector<uint8_t>& in = st.hbm(0);
  for (size_t i = 0; i < in.size() / 4; ++i) {
    const float v = static_cast<float>(i) * 0.5f - 7.0f;
    std::memcpy(in.data() + 4 * i, &v, 4);
  }
}

TEST(ModesTest, ValuesAndTimingMatchesValuesOnlyAndTimingOnly) {
  const HwConfig cfg = load_target("trn2");
  ProgramBuilder b("rt");
  const isa::Program p = round_trip(cfg, &b);
  isa::MachineState both(p, cfg.memory.limits), values(p, cfg.memory.limits);
  fill(both);
  fill(values);
  const RunResult r1 = simulate(p, cfg, Mode::kValuesAndTiming, &both);
  const RunResult r2 = simulate(p, cfg, Mode::kValuesOnly, &values);
  const RunResult r3 = simulate(p, cfg, Mode::kTimingOnly, nullptr);
  EXPECT_EQ(both.hbm(1), both.hbm(0));  // out == in after the round trip
  EXPECT_EQ(values.hbm(1), both.hbm(1));
  EXPECT_EQ(r1.total_ns, r3.total_ns);
  EXPECT_GT(r1.total_ns, 0);
  EXPECT_EQ(r2.total_ns, 0);
  EXPECT_TRUE(r2.records.empty());  // untimed: no records for stats or the timeline
}

TEST(ModesTest, ValuesModeNeedsAState) {
  const HwConfig cfg = load_target("trn1");
  ProgramBuilder b("rt");
  const isa::Program p = round_trip(cfg, &b);
  EXPECT_THROW(simulate(p, cfg, Mode::kValuesAndTiming, nullptr), Error);
}

}  // namespace
}  // namespace trnsim::sim
