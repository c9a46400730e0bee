// Timing of the runtime-addressing instructions: the documented cost formulas, exact cycles on
// every target (derivations in the comments), the conservative dependency on the whole
// bounding range, and a values-and-timing run that reads the offset written by an earlier
// instruction.
#include <gtest/gtest.h>

#include "isa/semantics/machine_state.h"
#include "sim/cost/cost_model.h"
#include "sim/dma/dma_queues.h"
#include "tests/sim/sim_test_util.h"

namespace trnsim::sim {
namespace {

using isa::DType;
using isa::Engine;
using isa::Memory;
using isa::Opcode;
using testing::ProgramBuilder;

class DynamicCostTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override { cfg_ = load_target(GetParam()); }

  Cost lone_cost(ProgramBuilder& b) {
    const isa::Program& p = b.build(cfg_);
    return instruction_cost(p, p.instructions.back(), cfg_);
  }
  // Latency = occupancy + 60 (SBUF access) + static overhead (100 vector / gpsimd, 140 scalar).
  static int64_t latency(int64_t occ, Engine e) {
    return occ + 60 + (e == Engine::kScalar ? 140 : 100);
  }
  // A dynamic copy between `small` [128, n] and the bounding tile [128, 4096].
  static isa::Instruction& dynamic_copy(ProgramBuilder& b, Opcode op, int64_t n, Engine e) {
    auto big = b.tile("big", Memory::kSbuf, 128, {4096});
    auto small = b.tile("small", Memory::kSbuf, 128, {n});
    auto off = b.tile("off", Memory::kSbuf, 1, {1}, DType::kInt32);
    const bool src = op == Opcode::tensor_copy_dynamic_src;
    isa::Instruction& ins = b.add(op,
                                  {{"dst", b.whole(src ? small : big)},
                                   {"src", b.whole(src ? big : small)},
                                   {"offset", b.whole(off)}},
                                  e);
    ins.attr("dim").present = ins.attr("window").present = true;
    ins.attr("dim").num = 1;
    ins.attr("window").num = double(n);
    return ins;
  }

  HwConfig cfg_;
};

TEST_P(DynamicCostTest, ShortDynamicCopyIsMinIIDynamic) {
  ProgramBuilder b("dyn");
  dynamic_copy(b, Opcode::tensor_copy_dynamic_src, 100, Engine::kVector);
  // max(MIN_II_DYNAMIC = 600, N = 100) = 600.
  const Cost c = lone_cost(b);
  EXPECT_EQ(c.occupancy_cycles, 600);
  EXPECT_EQ(c.latency_cycles, latency(600, Engine::kVector));
}

TEST_P(DynamicCostTest, LongDynamicCopyIsNCyclesOnEachEngine) {
  for (Engine e : {Engine::kVector, Engine::kScalar, Engine::kGpsimd}) {
    ProgramBuilder b("dyn");
    // N is the window (src) side of a dynamic-dst copy: max(600, 1500) = 1500.
    dynamic_copy(b, Opcode::tensor_copy_dynamic_dst, 1500, e);
    const Cost c = lone_cost(b);
    EXPECT_EQ(c.occupancy_cycles, 1500) << isa::engine_name(e);
    EXPECT_EQ(c.latency_cycles, latency(1500, e)) << isa::engine_name(e);
  }
}

Cost gather_cost_of(ProgramBuilder& b, const HwConfig& cfg, int64_t n) {
  auto data = b.tile("data", Memory::kSbuf, 128, {2048});
  auto idx = b.tile("idx", Memory::kSbuf, 128, {n}, DType::kUint32);
  auto dst = b.tile("dst", Memory::kSbuf, 128, {n});
  b.add(Opcode::nc_n_gather,
        {{"dst", b.whole(dst)}, {"data", b.whole(data)}, {"indices", b.whole(idx)}});
  const isa::Program& p = b.build(cfg);
  return instruction_cost(p, p.instructions.back(), cfg);
}

TEST_P(DynamicCostTest, GatherIsOneStreamPerGroupOf512) {
  ProgramBuilder a("g"), b("g"), c("g");
  // 1100 = 512 + 512 + 76 elements: 512 + 512 + max(64, 76) = 1100.
  EXPECT_EQ(gather_cost_of(a, cfg_, 1100).occupancy_cycles, 1100);
  // 1030 = 512 + 512 + 6: the last group pays MIN_II, 512 + 512 + 64 = 1088.
  const Cost g = gather_cost_of(b, cfg_, 1030);
  EXPECT_EQ(g.occupancy_cycles, 1088);
  EXPECT_EQ(g.latency_cycles, latency(1088, Engine::kGpsimd));
  // 40 elements: one group at MIN_II = 64.
  EXPECT_EQ(gather_cost_of(c, cfg_, 40).occupancy_cycles, 64);
}

// A runtime-addressed DMA costs the dma_copy of its statically addressed side: the bounding
// range of the other side is not what moves (cost_helpers.cc, moved_view).
TEST_P(DynamicCostTest, IndirectScatterCostsTheCopyOfItsSourceRows) {
  ProgramBuilder b("ind");
  auto table = b.tensor("table", {4096, 256}, DType::kFp32, isa::TensorRole::kOutput);
  auto src = b.tile("src", Memory::kSbuf, 128, {256});
  auto idx = b.tile("idx", Memory::kSbuf, 128, {1}, DType::kInt32);
  b.add(Opcode::dma_copy_indirect_dst,
        {{"dst", b.whole(table)}, {"src", b.whole(src)}, {"indices", b.whole(idx)}});
  b.dma(testing::slice(b.whole(table), 0, 0, 128), b.whole(src));
  const isa::Program& p = b.build(cfg_);
  EXPECT_EQ(dma_bytes(p, p.instructions[0]), 128 * 256 * 4);
  EXPECT_DOUBLE_EQ(dma_bytes_per_partition(p, p.instructions[0]), 256 * 4);
  const Cost ind = instruction_cost(p, p.instructions[0], cfg_);
  const Cost plain = instruction_cost(p, p.instructions[1], cfg_);
  EXPECT_EQ(ind.occupancy_cycles, plain.occupancy_cycles);
  EXPECT_EQ(ind.latency_cycles, plain.latency_cycles);
  // Its descriptors are the 128 source rows, spread over the queues like the plain copy's.
  const std::vector<DmaPlacement> pl = place_dma(p, cfg_);
  EXPECT_EQ(pl[0].rows, 128);
  EXPECT_EQ(pl[0].pieces, std::min<int32_t>(cfg_.dma.queues, 128));
  EXPECT_EQ(pl[0].pieces, pl[1].pieces);
  // So the two take the same time alone (the second runs after the first: same HBM rows).
  const RunResult r = testing::time_only(p, cfg_);
  EXPECT_NEAR(r.records[0].end_ns - r.records[0].start_ns,
              r.records[1].end_ns - r.records[1].start_ns, 1e-3);
}

TEST_P(DynamicCostTest, DynamicDmaWindowCostsItsWindow) {
  ProgramBuilder b("dynd");
  auto table = b.tensor("table", {4096, 64});
  auto dst = b.tile("dst", Memory::kSbuf, 128, {64});
  auto off = b.tile("off", Memory::kSbuf, 1, {1}, DType::kInt32);
  isa::Instruction& d = b.add(Opcode::dma_copy_dynamic_src,
      {{"dst", b.whole(dst)}, {"src", b.whole(table)}, {"offset", b.whole(off)}});
  d.attr("dim").present = d.attr("window").present = true;
  d.attr("dim").num = 0;
  d.attr("window").num = 128;
  b.dma(b.whole(dst), testing::slice(b.whole(table), 0, 0, 128));
  const isa::Program& p = b.build(cfg_);
  EXPECT_EQ(dma_bytes(p, p.instructions[0]), 128 * 64 * 4);
  EXPECT_EQ(instruction_cost(p, p.instructions[0], cfg_).occupancy_cycles,
            instruction_cost(p, p.instructions[1], cfg_).occupancy_cycles);
}

TEST_P(DynamicCostTest, NonzeroWithCountIsOneStreamOverT) {
  ProgramBuilder b("nz");
  auto src = b.tile("src", Memory::kSbuf, 128, {300});
  auto dst = b.tile("dst", Memory::kSbuf, 128, {301}, DType::kInt32);
  b.add(Opcode::nonzero_with_count, {{"dst", b.whole(dst)}, {"src", b.whole(src)}});
  // max(MIN_II = 64, T = 300) = 300 (the src stream; APPROX in instructions.def).
  const Cost c = lone_cost(b);
  EXPECT_EQ(c.occupancy_cycles, 300);
  EXPECT_EQ(c.latency_cycles, latency(300, Engine::kGpsimd));
}

// A read of the bounding tile outside any possible window still waits for the dynamic write:
// the dependency covers the whole bounding range (conservative, instructions.def APPROX).
TEST_P(DynamicCostTest, DynamicWriteOrdersEveryReaderOfItsBoundingRange) {
  ProgramBuilder b("dep");
  auto big = b.tile("big", Memory::kSbuf, 128, {64});
  auto src = b.tile("src", Memory::kSbuf, 128, {8});
  auto off = b.tile("off", Memory::kSbuf, 1, {1}, DType::kInt32);
  auto out = b.tile("out", Memory::kSbuf, 128, {8});
  isa::Instruction& w = b.add(Opcode::tensor_copy_dynamic_dst,
                              {{"dst", testing::slice(b.whole(big), 1, 0, 32)},
                               {"src", b.whole(src)},
                               {"offset", b.whole(off)}},
                              Engine::kVector);
  w.attr("dim").present = w.attr("window").present = true;
  w.attr("dim").num = 1;
  w.attr("window").num = 8;
  b.copy(b.whole(out), testing::slice(b.whole(big), 1, 24, 32), Engine::kGpsimd);
  const isa::Program& p = b.build(cfg_);
  const RunResult r = testing::time_only(p, cfg_);
  ASSERT_EQ(r.records.size(), 2u);
  EXPECT_GE(r.records[1].start_ns, r.records[0].end_ns);
}

// memset writes the offset at run time; the dynamic copy reads it when it executes.
TEST_P(DynamicCostTest, ValuesRunReadsTheOffsetAnEarlierInstructionWrote) {
  ProgramBuilder b("vals");
  auto big = b.tile("big", Memory::kSbuf, 4, {16});
  auto off = b.tile("off", Memory::kSbuf, 1, {1}, DType::kInt32);
  auto dst = b.tile("dst", Memory::kSbuf, 4, {3});
  isa::Instruction& m = b.add(Opcode::memset, {{"dst", b.whole(off)}}, Engine::kGpsimd);
  m.attr("value").present = true;
  m.attr("value").num = 5;
  b.add(Opcode::iota, {{"dst", b.whole(big)}}, Engine::kGpsimd);
  isa::Instruction& iota = b.raw().instructions.back();
  iota.attr("pattern").present = iota.attr("channel_multiplier").present = true;
  iota.attr("pattern").ints = {1};
  iota.attr("channel_multiplier").num = 100;
  isa::Instruction& c =
      b.add(Opcode::tensor_copy_dynamic_src,
            {{"dst", b.whole(dst)}, {"src", b.whole(big)}, {"offset", b.whole(off)}});
  c.attr("dim").present = c.attr("window").present = true;
  c.attr("dim").num = 1;
  c.attr("window").num = 3;
  const isa::Program& p = b.build(cfg_);
  isa::MachineState st(p, cfg_.memory.limits);
  const RunResult r = simulate(p, cfg_, Mode::kValuesAndTiming, &st);
  ASSERT_EQ(r.records.size(), 3u);
  const isa::Matrix got = st.read(p.whole(dst));
  for (int64_t q = 0; q < 4; ++q)
    for (int64_t j = 0; j < 3; ++j) EXPECT_EQ(got(q, j), float(100 * q + 5 + j)) << q << j;
  EXPECT_GE(r.records[2].start_ns, r.records[0].end_ns);
}

INSTANTIATE_TEST_SUITE_P(Targets, DynamicCostTest, ::testing::Values("trn1", "trn2", "trn3"));

}  // namespace
}  // namespace trnsim::sim
