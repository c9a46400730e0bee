// DMA spreading (sim/dma/dma_queues.h): a dma_copy without a queue is cut into
// min(queues, rows) pieces, one per queue, that run in parallel; the instruction completes with
// its last piece. Expected times are derived by hand from trn1.json: queue 17 B/ns, fixed 64 ns,
// completion 300 ns, efficiency 0.7 at >= 4 KiB per row, 0.05 at <= 64 B per row.
#include <gtest/gtest.h>

#include <cmath>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "sim/stats/stats.h"
#include "sim/trace/timeline.h"
#include "tests/sim/sim_test_util.h"

namespace trnsim::sim {
namespace {

using isa::DType;
using isa::Memory;
using testing::ProgramBuilder;

constexpr double kEps = 1e-3;

double occupancy_ns(double bytes, double eff) { return std::ceil(64 + bytes / (17 * eff) - 1e-6); }

class DmaSpreadTest : public ::testing::Test {
 protected:
  HwConfig cfg_ = load_target("trn1");
};

TEST_F(DmaSpreadTest, FullTileSplitsIntoOnePiecePerQueue) {
  ProgramBuilder b("spread");
  auto h = b.tensor("h", {128, 1024});
  auto s = b.tile("s", Memory::kSbuf, 128, {1024});
  b.dma(b.whole(s), b.whole(h));
  const RunResult r = testing::time_only(b.build(cfg_), cfg_);
  ASSERT_EQ(r.dma_pieces.size(), 16u);
  // 8 rows of 4 KiB per piece at 70%: 64 + 32768 / 11.9 = 2817.6 -> 2818 ns.
  const double piece_ns = occupancy_ns(8 * 4096, 0.7);
  EXPECT_EQ(piece_ns, 2818);
  for (int k = 0; k < 16; ++k) {
    EXPECT_EQ(r.dma_pieces[k].queue, k);
    EXPECT_EQ(r.dma_pieces[k].bytes, 8 * 4096);
    EXPECT_NEAR(r.dma_pieces[k].busy_ns, piece_ns, kEps);
    EXPECT_NEAR(r.dma_pieces[k].end_ns, piece_ns + 300, kEps);
  }
  EXPECT_EQ(r.records[0].bytes, 128 * 4096);
  EXPECT_EQ(r.records[0].cycles, 16 * 2818);
  EXPECT_NEAR(r.total_ns, piece_ns + 300, kEps);
  // 16x faster than the same transfer on one queue (cost_test: 64 + 524288 / 11.9).
  EXPECT_LT(r.total_ns * 10, occupancy_ns(128 * 4096, 0.7));
}

TEST_F(DmaSpreadTest, FewRowsMakeFewPiecesAndTheRotationContinues) {
  ProgramBuilder b("rows");
  auto h = b.tensor("h", {128, 16});
  auto s5 = b.tile("s5", Memory::kSbuf, 5, {16});
  auto s20 = b.tile("s20", Memory::kSbuf, 20, {16});
  b.dma(b.whole(s5), testing::slice(b.whole(h), 0, 0, 5));     // 5 pieces: queues 0..4
  b.dma(b.whole(s20), testing::slice(b.whole(h), 0, 0, 20));   // 16 pieces from queue 5
  b.dma(b.whole(s5), testing::slice(b.whole(h), 0, 40, 45), 9);  // explicit: one piece
  const RunResult r = testing::time_only(b.build(cfg_), cfg_);
  ASSERT_EQ(r.dma_pieces.size(), 5u + 16u + 1u);
  for (int k = 0; k < 5; ++k) {
    EXPECT_EQ(r.dma_pieces[k].queue, k);
    EXPECT_EQ(r.dma_pieces[k].bytes, 64);
  }
  // 20 rows over 16 pieces: the first 4 pieces take 2 rows.
  for (int k = 0; k < 16; ++k) {
    const DmaPieceRecord& p = r.dma_pieces[5 + k];
    EXPECT_EQ(p.queue, (5 + k) % 16);
    EXPECT_EQ(p.bytes, k < 4 ? 128 : 64);
    EXPECT_NEAR(p.busy_ns, occupancy_ns(k < 4 ? 128 : 64, 0.05), kEps);
  }
  EXPECT_EQ(r.records[1].queue, 5);
  EXPECT_EQ(r.dma_pieces[21].queue, 9);
  EXPECT_EQ(r.dma_pieces[21].bytes, 5 * 64);
}

TEST_F(DmaSpreadTest, ConsumerWaitsForTheLastPiece) {
  ProgramBuilder b("last");
  auto h = b.tensor("h", {128, 512});
  auto busy = b.tensor("busy", {128, 2048});
  auto s = b.tile("s", Memory::kSbuf, 128, {512});
  auto big = b.tile("big", Memory::kSbuf, 128, {2048});
  auto t = b.tile("t", Memory::kSbuf, 128, {512});
  b.dma(b.whole(big), b.whole(busy), 3);  // occupies queue 3 first
  b.dma(b.whole(s), b.whole(h));          // spread: its piece on queue 3 runs late
  b.copy(b.whole(t), b.whole(s));
  const RunResult r = testing::time_only(b.build(cfg_), cfg_);
  double last_end = 0;
  for (const DmaPieceRecord& p : r.dma_pieces) {
    if (p.index == 1) last_end = std::max(last_end, p.end_ns);
  }
  EXPECT_GT(last_end, r.records[0].end_ns);  // queue 3 in order
  EXPECT_NEAR(r.records[1].end_ns, last_end, kEps);
  EXPECT_NEAR(r.records[2].start_ns, last_end + 50, kEps);
}

// Pieces that start at one time book the shared HBM bandwidth in program order, whatever their
// queues (sim/memory/shared_resources.h): with HBM at 1 B/ns a 4 KiB transfer holds it 4096 ns.
TEST_F(DmaSpreadTest, SimultaneousTransfersBookHbmInProgramOrder) {
  cfg_.dma.hbm_bytes_per_ns = 1;
  ProgramBuilder b("hbm_ties");
  auto h = b.tensor("h", {2, 1024});
  auto s0 = b.tile("s0", Memory::kSbuf, 1, {1024});
  auto s1 = b.tile("s1", Memory::kSbuf, 1, {1024});
  b.dma(b.whole(s0), testing::slice(b.whole(h), 0, 0, 1), 5);  // first in program order
  b.dma(b.whole(s1), testing::slice(b.whole(h), 0, 1, 2), 2);  // a lower queue
  const RunResult r = testing::time_only(b.build(cfg_), cfg_);
  ASSERT_EQ(r.records.size(), 2u);
  EXPECT_EQ(r.records[0].start_ns, 0);
  EXPECT_EQ(r.records[1].start_ns, 0);
  EXPECT_NEAR(r.records[0].busy_ns, 4096, kEps);      // HBM first
  EXPECT_NEAR(r.records[1].busy_ns, 2 * 4096, kEps);  // behind it
}

// The DMA process serves all queues (sim/core/neuron_core.h): two spread transfers back to back
// on the same 16 queues cost it one wait, until the first transfer's pieces end together.
TEST_F(DmaSpreadTest, BackToBackSpreadTransfersCostTheDmaProcessOneWait) {
  ProgramBuilder b("waits");
  auto h = b.tensor("h", {256, 1024});
  auto s0 = b.tile("s0", Memory::kSbuf, 128, {1024});
  auto s1 = b.tile("s1", Memory::kSbuf, 128, {1024});
  b.dma(b.whole(s0), testing::slice(b.whole(h), 0, 0, 128));
  b.dma(b.whole(s1), testing::slice(b.whole(h), 0, 128, 256));
  const RunResult r = testing::time_only(b.build(cfg_), cfg_);
  ASSERT_EQ(r.dma_pieces.size(), 32u);
  EXPECT_NEAR(r.records[1].start_ns, r.records[0].start_ns + r.records[0].busy_ns, kEps);
  EXPECT_EQ(r.systemc_waits, 1);
}

TEST_F(DmaSpreadTest, SpreadProducersAreAllWaitedFor) {
  // Two spread loads into halves of one tile; a copy of the whole tile waits for both, and a
  // store after a spread load of the same tile waits for the load's last piece + DMA trigger.
  ProgramBuilder b("two");
  auto h = b.tensor("h", {128, 512});
  auto o = b.tensor("o", {128, 512}, DType::kFp32, isa::TensorRole::kOutput);
  auto s = b.tile("s", Memory::kSbuf, 128, {512});
  auto t = b.tile("t", Memory::kSbuf, 128, {512});
  b.dma(testing::slice(b.whole(s), 0, 0, 64), testing::slice(b.whole(h), 0, 0, 64));
  b.dma(testing::slice(b.whole(s), 0, 64, 128), testing::slice(b.whole(h), 0, 64, 128));
  b.copy(b.whole(t), b.whole(s));
  b.dma(b.whole(o), b.whole(s));
  const RunResult r = testing::time_only(b.build(cfg_), cfg_);
  const double both = std::max(r.records[0].end_ns, r.records[1].end_ns);
  EXPECT_NEAR(r.records[2].start_ns, both + 50, kEps);
  EXPECT_NEAR(r.records[3].start_ns, both + 1300, kEps);
}

TEST_F(DmaSpreadTest, TransposeIsNotSpread) {
  ProgramBuilder b("t");
  auto h = b.tensor("h", {64, 128}, DType::kBf16);
  auto s = b.tile("s", Memory::kSbuf, 128, {64}, DType::kBf16);
  b.add(isa::Opcode::dma_transpose, {{"dst", b.whole(s)}, {"src", b.whole(h)}});
  const RunResult r = testing::time_only(b.build(cfg_), cfg_);
  ASSERT_EQ(r.dma_pieces.size(), 1u);
}

TEST_F(DmaSpreadTest, StatsAndTimelineCountPieces) {
  ProgramBuilder b("results");
  auto h = b.tensor("h", {128, 1024});
  auto s = b.tile("s", Memory::kSbuf, 128, {1024});
  auto t = b.tile("t", Memory::kSbuf, 128, {1024});
  b.dma(b.whole(s), b.whole(h));
  b.copy(b.whole(t), b.whole(s));
  const isa::Program& p = b.build(cfg_);
  const RunResult r = testing::time_only(p, cfg_);
  const Stats st = compute_stats(p, r, cfg_);
  for (int q = 0; q < 16; ++q) {
    EXPECT_EQ(st.dma_queues[q].transfers, 1) << q;
    EXPECT_EQ(st.dma_queues[q].bytes, 8 * 4096) << q;
    EXPECT_NEAR(st.dma_queues[q].busy_ns, 2818, kEps) << q;
  }
  EXPECT_EQ(st.dma_bytes, 128 * 4096);
  EXPECT_NEAR(st.engine(isa::Engine::kDma).busy_ns, 2818, kEps);  // union of parallel pieces
  std::ostringstream os;
  TimelineOptions pieces;
  pieces.dma_pieces = true;
  write_timeline(os, p, r, pieces);
  const nlohmann::json tl = nlohmann::json::parse(os.str());
  int dma_slices = 0, flows = 0;
  std::set<int> tids;
  for (const auto& e : tl["traceEvents"]) {
    if (e["ph"] == "X" && e["cat"] == "dma") {
      ++dma_slices;
      tids.insert(e["tid"].get<int>());
    }
    if (e["ph"] == "s") {
      ++flows;
      EXPECT_EQ(e["tid"].get<int>(), timeline_tid(isa::Engine::kDma, 0));
    }
  }
  EXPECT_EQ(dma_slices, 16);
  EXPECT_EQ(tids.size(), 16u);
  EXPECT_EQ(flows, 1);
}

}  // namespace
}  // namespace trnsim::sim
