// Timing of local_gather and sequence_bounds: exact cycles of the NKI
// reference's local_gather formula (C read as cycles per element,
// sim/cost/gpsimd_cost.cc) and of the derived sequence_bounds stream, on every
// target, and a values-and-timing run on the GpSimd queue.
#include <gtest/gtest.h>

#include "isa/semantics/machine_state.h"
#include "sim/cost/cost_model.h"
#include "tests/sim/sim_test_util.h"

namespace trnsim::sim {
namespace {

using isa::DType;
using isa::Engine;
using isa::Memory;
using isa::Opcode;
using testing::ProgramBuilder;

// Latency = occupancy + 60 (SBUF access) + 100 (GpSimd static overhead).
int64_t latency(int64_t occupancy) { return occupancy + 60 + 100; }

class GpsimdCostTest : public ::testing::TestWithParam<std::string> {
protected:
  void SetUp() override { cfg_ = load_target(GetParam()); }

  // local_gather of `valid` indices per core (index [128, index_cols]) reading
  // k elements each.
  Cost gather(DType dtype, int64_t index_cols, int64_t k, int64_t valid) {
    ProgramBuilder b("lg");
    auto src = b.tile("src", Memory::kSbuf, 128, {4096}, dtype);
    auto idx = b.tile("idx", Memory::kSbuf, 128, {index_cols}, DType::kUint16);
    auto dst = b.tile("dst", Memory::kSbuf, 128, {valid * k}, dtype);
    isa::Instruction &ins =
        b.add(Opcode::local_gather, {{"dst", b.whole(dst)},
                                     {"src", b.whole(src)},
                                     {"index", b.whole(idx)}});
    ins.attr("num_elem_per_idx").present =
        ins.attr("num_valid_indices").present = true;
    ins.attr("num_elem_per_idx").num = double(k);
    ins.attr("num_valid_indices").num = double(valid);
    const isa::Program &p = b.build(cfg_);
    return instruction_cost(p, p.instructions.back(), cfg_);
  }

  Cost bounds(int64_t n) {
    ProgramBuilder b("sb");
    auto ids = b.tile("ids", Memory::kSbuf, 1, {n}, DType::kInt32);
    auto dst = b.tile("dst", Memory::kSbuf, 1, {2, n}, DType::kInt32);
    b.add(Opcode::sequence_bounds,
          {{"dst", b.whole(dst)}, {"segment_ids", b.whole(ids)}});
    const isa::Program &p = b.build(cfg_);
    return instruction_cost(p, p.instructions.back(), cfg_);
  }

  HwConfig cfg_;
};

TEST_P(GpsimdCostTest, LocalGatherReferenceExample) {
  // fp32, k = 4, 64 indices per core: C = ((28 + 4*4) / (4*4)) / min(4/4, 4)
  // = 2.75 cycles per element; 150 + 64*4*2.75 = 150 + 704 = 854.
  const Cost c = gather(DType::kFp32, 4, 4, 64);
  EXPECT_EQ(c.occupancy_cycles, 854);
  EXPECT_EQ(c.latency_cycles, latency(854));
}

TEST_P(GpsimdCostTest, LocalGatherOneElementPerIndexPaysTheBatchOverhead) {
  // bf16, k = 1, 4096 indices per core (index [128, 256]): C = (32 / 4) /
  // min(2, 1) = 8; 150 + 4096*8 = 32918.
  EXPECT_EQ(gather(DType::kBf16, 256, 1, 4096).occupancy_cycles, 32918);
}

TEST_P(GpsimdCostTest, LocalGatherPacksNarrowElementsOfLongRuns) {
  // bf16, k = 32, 16 indices: C = ((28 + 128) / 128) / min(2, 32) = 0.609375;
  // 150 + 16*32*0.609375 = 150 + 312 = 462. fp32 (no packing): 150 +
  // 512*1.21875 = 774.
  EXPECT_EQ(gather(DType::kBf16, 1, 32, 16).occupancy_cycles, 462);
  EXPECT_EQ(gather(DType::kFp32, 1, 32, 16).occupancy_cycles, 774);
  // Per element, longer runs are cheaper, as the reference's text says: 8
  // > 2.75 > 1.22.
  const StreamEngineSpec &s = cfg_.gpsimd;
  EXPECT_GT(local_gather_cycles_per_element(s, 1, 4),
            local_gather_cycles_per_element(s, 4, 4));
  EXPECT_GT(local_gather_cycles_per_element(s, 4, 4),
            local_gather_cycles_per_element(s, 32, 4));
}

TEST_P(GpsimdCostTest, SequenceBoundsIsOneStreamOverStartsAndEnds) {
  // max(MIN_II = 64, 2n): n = 9 -> 64; n = 512 -> 1024.
  EXPECT_EQ(bounds(9).occupancy_cycles, 64);
  const Cost c = bounds(512);
  EXPECT_EQ(c.occupancy_cycles, 1024);
  EXPECT_EQ(c.latency_cycles, latency(1024));
}

// Both run on the GpSimd queue of a simulation, in program order, with their
// values.
TEST_P(GpsimdCostTest, ValuesAndTimingRunOnGpsimd) {
  ProgramBuilder b("run");
  auto ids = b.tile("ids", Memory::kSbuf, 1, {16}, DType::kInt32);
  auto bnd = b.tile("bnd", Memory::kSbuf, 1, {2, 16}, DType::kInt32);
  auto src = b.tile("src", Memory::kSbuf, 16, {8});
  auto idx = b.tile("idx", Memory::kSbuf, 16, {1}, DType::kUint16);
  auto dst = b.tile("dst", Memory::kSbuf, 16, {16});
  b.add(Opcode::sequence_bounds,
        {{"dst", b.whole(bnd)}, {"segment_ids", b.whole(ids)}});
  isa::Instruction &g = b.add(
      Opcode::local_gather,
      {{"dst", b.whole(dst)}, {"src", b.whole(src)}, {"index", b.whole(idx)}});
  g.attr("num_elem_per_idx").present = true;
  g.attr("num_elem_per_idx").num = 1;
  const isa::Program &p = b.build(cfg_);
  isa::MachineState st(p, cfg_.memory.limits);
  isa::Matrix seg =
      isa::Matrix::Constant(1, 16, 3.0f); // one segment 3 after 4 paddings
  seg.leftCols(4).setZero();
  st.write(p.whole(ids), seg);
  isa::Matrix x(16, 8), ix(16, 1);
  for (int q = 0; q < 16; ++q) {
    ix(q, 0) = float(7 - q % 8);
    for (int f = 0; f < 8; ++f)
      x(q, f) = float(10 * q + f);
  }
  st.write(p.whole(src), x);
  st.write(p.whole(idx), ix);
  const RunResult r = simulate(p, cfg_, Mode::kValuesAndTiming, &st);
  ASSERT_EQ(r.records.size(), 2u);
  for (const InstrRecord &rec : r.records)
    EXPECT_EQ(rec.engine, Engine::kGpsimd);
  EXPECT_GE(r.records[1].start_ns,
            r.records[0].start_ns + r.records[0].busy_ns - 1e-6);
  const isa::Matrix got = st.read(p.whole(dst));
  for (int q = 0; q < 16; ++q)
    for (int j = 0; j < 16; ++j)
      EXPECT_EQ(got(q, j), float(10 * q + 7 - j % 8)) << q << j;
  const isa::Matrix bounds = st.read(p.whole(bnd));
  for (int i = 0; i < 16; ++i) {
    EXPECT_EQ(bounds(0, i), i < 4 ? 16.0f : 4.0f) << i;
    EXPECT_EQ(bounds(0, 16 + i), i < 4 ? -1.0f : 16.0f) << i;
  }
}

INSTANTIATE_TEST_SUITE_P(Targets, GpsimdCostTest,
                         ::testing::Values("trn1", "trn2", "trn3"));

} // namespace
} // namespace trnsim::sim
