// Two-core runs (sim/pair/): both NeuronCores of an LNC=2 pair in one SystemC run, sharing HBM
// bandwidth and the HBM image; core_barrier and sendrecv synchronise them.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>

#include "isa/access_pattern.h"  // before machine_state.h, which uses AccessPattern
#include "isa/error.h"
#include "isa/semantics/machine_state.h"
#include "sim/pair/pair_links.h"
#include "sim/pair/pair_run.h"
#include "tests/sim/sim_test_util.h"

namespace trnsim::sim {
namespace {

using isa::DType;
using isa::Memory;
using testing::ProgramBuilder;
using testing::slice;
using testing::time_only;

float f32(const std::vector<uint8_t>& bytes, size_t i) {
  float v;
  std::memcpy(&v, bytes.data() + 4 * i, 4);
  return v;
}

void fill(std::vector<uint8_t>* bytes, float base) {
  for (size_t i = 0; i < bytes->size() / 4; ++i) {
    const float v = base + static_cast<float>(i);
    std::memcpy(bytes->data() + 4 * i, &v, 4);
  }
}

// Both cores declare the same tensors: in [128, F], shared [128, 2F] (scratch), out [128, 2F].
struct Tensors {
  isa::BufferRef in, shared, out;
};
Tensors declare(ProgramBuilder* b, int64_t f) {
  return {b->tensor("in", {128, f}),
          b->tensor("shared", {128, 2 * f}, DType::kFp32, isa::TensorRole::kScratch),
          b->tensor("out", {128, 2 * f}, DType::kFp32, isa::TensorRole::kOutput)};
}

isa::Instruction& barrier(ProgramBuilder* b, isa::View data) {
  return b->add(isa::Opcode::core_barrier, {{"data", data}});
}

isa::Instruction& sendrecv(ProgramBuilder* b, isa::View dst, isa::View src, int peer) {
  isa::Instruction& ins = b->add(isa::Opcode::sendrecv, {{"dst", dst}, {"src", src}});
  for (const char* a : {"send_to_rank", "recv_from_rank"}) {
    ins.attr(a).present = true;
    ins.attr(a).num = peer;
  }
  return ins;
}

// Core c copies `in` into its half of `shared`, waits at the barrier (or not), then copies the
// OTHER core's half of `shared` into its half of `out`. Core 1 does `extra` more copies of its
// tile before its write. Instructions: 0 load, 1 .. 1 + extra copies, write, [barrier,] read,
// store.
struct Exchange {
  int32_t write, read;
};
Exchange indices(int core, bool with_barrier, int extra) {
  const int32_t write = 2 + (core == 1 ? extra : 0);
  return {write, write + (with_barrier ? 2 : 1)};
}
isa::Program exchange_through_hbm(const HwConfig& cfg, int core, bool with_barrier, int64_t f,
                                  int extra = 0) {
  ProgramBuilder b("core" + std::to_string(core));
  const Tensors t = declare(&b, f);
  auto x = b.tile("x", Memory::kSbuf, 128, {f});
  auto y = b.tile("y", Memory::kSbuf, 128, {f});
  const isa::View shared = b.whole(t.shared), out = b.whole(t.out);
  b.dma(b.whole(x), b.whole(t.in));
  b.copy(b.whole(y), b.whole(x));  // core-local work before the write
  for (int k = 0; k < (core == 1 ? extra : 0); ++k) b.copy(b.whole(y), b.whole(y));
  b.dma(slice(shared, 1, core * f, (core + 1) * f), b.whole(y));
  if (with_barrier) barrier(&b, shared);
  b.dma(b.whole(x), slice(shared, 1, (1 - core) * f, (2 - core) * f));
  b.dma(slice(out, 1, core * f, (core + 1) * f), b.whole(x));
  return b.build(cfg);
}

TEST(PairRunTest, BarrierOrdersTheOtherCoresWritesBeforeTheRead) {
  const HwConfig cfg = load_target("trn2");
  const PairLinks links = load_pair_links("trn2");
  const int64_t f = 64;
  const int extra = 16;
  const isa::Program p0 = exchange_through_hbm(cfg, 0, true, f, extra);
  const isa::Program p1 = exchange_through_hbm(cfg, 1, true, f, extra);
  isa::MachineState s0(p0, cfg.memory.limits), s1(p1, cfg.memory.limits);
  s1.share_hbm_with(s0);
  fill(&s0.hbm(0), 1.0f);
  const auto r = run_pair(p0, p1, cfg, links, &s0, &s1);
  // Both halves of out hold `in` (each core wrote in into its half of shared, read the other's).
  const std::vector<uint8_t>& out = s0.hbm(2);
  for (int64_t p = 0; p < 128; ++p)
    for (int64_t j = 0; j < 2 * f; ++j)
      ASSERT_EQ(f32(out, size_t(p * 2 * f + j)), 1.0f + float(p * f + j % f)) << p << "," << j;
  // Each core's read of shared starts after the other core's write to it ends, plus the
  // semaphore hand-off: core 0 waits for core 1's extra work.
  for (int c = 0; c < 2; ++c) {
    const double other_write_end = r[1 - c].records[indices(1 - c, true, extra).write].end_ns;
    EXPECT_GE(r[c].records[indices(c, true, extra).read].start_ns,
              other_write_end + links.semaphore_ns - 1e-6)
        << c;
  }
}

TEST(PairRunTest, WithoutBarrierTheReadDoesNotWaitForTheOtherCore) {
  const HwConfig cfg = load_target("trn2");
  const PairLinks links = load_pair_links("trn2");
  const int extra = 16;
  const isa::Program p0 = exchange_through_hbm(cfg, 0, false, 64, extra);
  const isa::Program p1 = exchange_through_hbm(cfg, 1, false, 64, extra);
  const auto r = run_pair(p0, p1, cfg, links, nullptr, nullptr);
  // Core 0's read of core 1's half waits only for core 0's own work: it starts before core 1,
  // busy with its extra copies, has written that half.
  EXPECT_LT(r[0].records[indices(0, false, extra).read].start_ns,
            r[1].records[indices(1, false, extra).write].end_ns);
}

TEST(PairRunTest, SendrecvSwapsTheTwoCoresTilesInPlace) {
  const HwConfig cfg = load_target("trn2");
  const int64_t f = 32;
  isa::Program progs[2];
  for (int c = 0; c < 2; ++c) {
    ProgramBuilder b("core" + std::to_string(c));
    const Tensors t = declare(&b, f);
    auto x = b.tile("x", Memory::kSbuf, 128, {f});
    b.dma(b.whole(x), b.whole(t.in));
    b.add(isa::Opcode::memset, {{"dst", slice(b.whole(x), 0, 0, 1)}}).attr("value").num = 100.0 + c;
    b.raw().instructions.back().attr("value").present = true;
    sendrecv(&b, b.whole(x), b.whole(x), 1 - c);  // in place: dst == src
    b.dma(slice(b.whole(t.out), 1, c * f, (c + 1) * f), b.whole(x));
    progs[c] = b.build(cfg);
  }
  isa::MachineState s0(progs[0], cfg.memory.limits), s1(progs[1], cfg.memory.limits);
  s1.share_hbm_with(s0);
  fill(&s0.hbm(0), 0.0f);
  const auto r = run_pair(progs[0], progs[1], cfg, load_pair_links("trn2"), &s0, &s1);
  const std::vector<uint8_t>& out = s0.hbm(2);
  // Core c's half of out holds the other core's tile: partition 0 = 100 + (1 - c).
  for (int c = 0; c < 2; ++c) {
    EXPECT_EQ(f32(out, size_t(c * f)), 100.0f + float(1 - c)) << c;
    EXPECT_EQ(f32(out, size_t(2 * f + c * f + 3)), float(f + 3)) << c;  // partition 1 = in
  }
  // Each sendrecv starts after both memsets (its own and, through the semaphore, the peer's).
  for (int c = 0; c < 2; ++c)
    EXPECT_GE(r[c].records[2].start_ns, r[1 - c].records[1].end_ns) << c;
}

TEST(PairRunTest, CoresShareTheStacksHbmBandwidthByDemand) {
  // Fast DMA queues, so that HBM bandwidth bounds the transfers.
  const HwConfig cfg = with_overrides(load_target("trn2"), {"dma.queue_bytes_per_ns=4000"});
  const PairLinks links = load_pair_links("trn2");
  auto copy_program = [&](bool busy) {
    ProgramBuilder b("copy");
    auto in = b.tensor("in", {128, 8192});
    auto out = b.tensor("out", {128, 8192}, DType::kFp32, isa::TensorRole::kOutput);
    auto x = b.tile("x", Memory::kSbuf, 128, {8192});
    if (busy) {
      b.dma(b.whole(x), b.whole(in));
      b.dma(b.whole(out), b.whole(x));
    } else {
      b.copy(b.whole(x), b.whole(x));
    }
    return b.build(cfg);
  };
  const isa::Program busy = copy_program(true), idle = copy_program(false);
  const double alone = time_only(busy, cfg).total_ns;
  const double with_idle_peer = run_pair(busy, idle, cfg, links, nullptr, nullptr)[0].total_ns;
  const auto both = run_pair(busy, busy, cfg, links, nullptr, nullptr);
  // One core alone on the stack gets the stack's bandwidth (725 B/ns), more than its per-core
  // share of the chip (375 B/ns); two busy cores split it.
  // (first come, first served: the later core finishes when twice the bytes have moved).
  EXPECT_LT(with_idle_peer, alone * 0.6);
  EXPECT_GT(std::max(both[0].total_ns, both[1].total_ns), with_idle_peer * 1.6);
  EXPECT_LT(std::max(both[0].total_ns, both[1].total_ns), alone * 1.2);
}

// Each core's result has its own DMA pieces (core 0's copied, core 1's moved out of the shared
// run state), numbered by its own instructions and queues, and spanning its own DMA records.
TEST(PairRunTest, EachCoreGetsItsOwnDmaPieces) {
  const HwConfig cfg = load_target("trn2");
  const PairLinks links = load_pair_links("trn2");
  auto program = [&](int loads) {
    ProgramBuilder b("loads");
    auto in = b.tensor("in", {128, 512});
    auto x = b.tile("x", Memory::kSbuf, 128, {512});
    b.copy(b.whole(x), b.whole(x));  // a compute instruction before the DMAs
    for (int k = 0; k < loads; ++k) b.dma(b.whole(x), b.whole(in));
    return b.build(cfg);
  };
  const auto r = run_pair(program(2), program(3), cfg, links, nullptr, nullptr);
  for (int c = 0; c < 2; ++c) {
    const RunResult& core = r[c];
    ASSERT_EQ(core.dma_pieces.size(), size_t(2 + c) * size_t(cfg.dma.queues)) << c;
    for (const InstrRecord& rec : core.records) {
      if (rec.engine != isa::Engine::kDma) continue;
      double first_start = 1e300, last_end = 0;
      int pieces = 0;
      for (const DmaPieceRecord& p : core.dma_pieces) {
        if (p.index != rec.index) continue;
        ++pieces;
        EXPECT_GE(p.queue, 0);
        EXPECT_LT(p.queue, cfg.dma.queues);
        first_start = std::min(first_start, p.start_ns);
        last_end = std::max(last_end, p.end_ns);
      }
      EXPECT_EQ(pieces, cfg.dma.queues) << c << " " << rec.index;
      EXPECT_DOUBLE_EQ(first_start, rec.start_ns) << c << " " << rec.index;
      EXPECT_DOUBLE_EQ(last_end, rec.end_ns) << c << " " << rec.index;
    }
  }
}

TEST(PairRunTest, UnmatchedPairInstructionsAreNamed) {
  const HwConfig cfg = load_target("trn2");
  const PairLinks links = load_pair_links("trn2");
  const isa::Program with = exchange_through_hbm(cfg, 0, true, 8);
  const isa::Program without = exchange_through_hbm(cfg, 1, false, 8);
  try {
    run_pair(with, without, cfg, links, nullptr, nullptr);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("core 0's instruction 3 (core_barrier) has no partner"),
              std::string::npos)
        << e.what();
  }
}

TEST(PairRunTest, SendrecvInAOneCoreRunIsAnError) {
  const HwConfig cfg = load_target("trn2");
  ProgramBuilder b("one");
  auto x = b.tile("x", Memory::kSbuf, 128, {8});
  auto y = b.tile("y", Memory::kSbuf, 128, {8});
  sendrecv(&b, b.whole(y), b.whole(x), 1);
  const isa::Program p = b.build(cfg);
  isa::MachineState st(p, cfg.memory.limits);
  try {
    simulate(p, cfg, Mode::kValuesAndTiming, &st);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("sendrecv: needs the peer core"), std::string::npos)
        << e.what();
  }
}

TEST(PairRunTest, PairLinksRefuseATargetWithoutAPair) {
  EXPECT_THROW(load_pair_links("trn1"), Error);
  EXPECT_EQ(load_pair_links("trn3").hbm_bytes_per_ns, 1225);
}

TEST(PairRunTest, SharedHbmNeedsTheSameTensorTable) {
  const HwConfig cfg = load_target("trn2");
  ProgramBuilder a("a"), b("b");
  a.tensor("in", {128, 8});
  b.tensor("other", {128, 8});
  const isa::Program pa = a.build(cfg), pb = b.build(cfg);
  isa::MachineState sa(pa, cfg.memory.limits), sb(pb, cfg.memory.limits);
  EXPECT_THROW(sb.share_hbm_with(sa), Error);
}

}  // namespace
}  // namespace trnsim::sim
