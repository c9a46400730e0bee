// stats.json sections of sim/stats/memory_stats.h: tiles with address and live range, peak
// SBUF/PSUM bytes per partition, spill/reload bytes, RAW vs anti-dependency waits, and the
// "SBUF in use" counter track of the timeline. Times follow trn1.json (dma_trigger 1300 ns).
#include <gtest/gtest.h>

#include <sstream>
#include <string>

#include "sim/stats/stats.h"
#include "sim/trace/timeline.h"
#include "tests/sim/sim_test_util.h"

namespace trnsim::sim {
namespace {

using isa::DType;
using isa::Memory;
using testing::ProgramBuilder;

constexpr double kEps = 1e-3;

// 0 load a; 1 act a -> c; 2 load b (b shares a's bytes); 3 act b -> c2;
// 4 spill c to HBM; 5 reload it into a PSUM tile p.
struct Fixture {
  HwConfig cfg = load_target("trn1");
  ProgramBuilder b{"mem"};
  isa::Program* prog = nullptr;
  Fixture() {
    auto x = b.tensor("x", {128, 512});
    auto sp = b.tensor("sp", {128, 512}, DType::kFp32, isa::TensorRole::kSpill);
    auto ta = b.tile("a", Memory::kSbuf, 128, {512});
    auto tb = b.tile("b", Memory::kSbuf, 128, {512});
    auto tc = b.tile("c", Memory::kSbuf, 128, {512});
    auto tc2 = b.tile("c2", Memory::kSbuf, 128, {256});
    auto tp = b.tile("p", Memory::kPsum, 128, {512});
    b.tile("unused", Memory::kSbuf, 128, {16});
    b.raw().tiles[0].fixed_address = 0;
    b.raw().tiles[1].fixed_address = 0;
    b.dma(b.whole(ta), b.whole(x), 0);
    b.act(b.whole(tc), b.whole(ta));
    b.dma(b.whole(tb), b.whole(x), 1);
    b.act(b.whole(tc2), testing::slice(b.whole(tb), 1, 0, 256));
    b.dma(b.whole(sp), b.whole(tc), 2);
    b.dma(b.whole(tp), b.whole(sp), 3);
    prog = &b.build(cfg);
  }
};

TEST(MemoryStats, TilesPeaksAndSpillTraffic) {
  Fixture f;
  const RunResult r = testing::time_only(*f.prog, f.cfg);
  const Stats s = compute_stats(*f.prog, r, f.cfg);
  const MemoryStats& m = s.memory;
  ASSERT_EQ(m.tiles.size(), 6u);
  EXPECT_EQ(m.tiles[0].name, "a");
  EXPECT_EQ(m.tiles[0].first, 0);
  EXPECT_EQ(m.tiles[0].last, 1);
  EXPECT_EQ(m.tiles[1].address, 0);
  EXPECT_EQ(m.tiles[1].first, 2);
  EXPECT_EQ(m.tiles[2].last, 4);  // c: written at 1, spilled at 4
  EXPECT_EQ(m.tiles[5].first, -1);
  EXPECT_NEAR(m.tiles[0].start_ns, r.records[0].start_ns, kEps);
  EXPECT_NEAR(m.tiles[0].end_ns, r.records[1].end_ns, kEps);
  // In use (bytes per partition): at 1: a + c = 4096; at 2: b + c = 4096; at 3: b + c + c2 =
  // 5120 (the peak); at 4: c + c2 = 3072. PSUM: p (2048) at 5.
  EXPECT_EQ(m.sbuf.peak_bytes_per_partition, 5120);
  EXPECT_EQ(m.sbuf.peak_instruction, 3);
  EXPECT_EQ(m.sbuf.capacity_bytes_per_partition, 196608);
  EXPECT_EQ(m.psum.peak_bytes_per_partition, 2048);
  EXPECT_EQ(m.psum.peak_instruction, 5);
  EXPECT_EQ(m.spill_bytes, 128 * 512 * 4);
  EXPECT_EQ(m.reload_bytes, 128 * 512 * 4);
  EXPECT_EQ(m.spill_transfers, 1);
  EXPECT_EQ(m.reload_transfers, 1);
  const nlohmann::json j = stats_to_json(s);
  EXPECT_EQ(j["spill"]["spill_bytes"], 262144);
  EXPECT_EQ(j["memory"]["sbuf"]["peak_bytes_per_partition"], 5120);
  EXPECT_EQ(j["memory"]["tiles"][1]["name"], "b");
  EXPECT_EQ(j["memory"]["tiles"][1]["first_instruction"], 2);
  EXPECT_TRUE(j["dependency_waits"].contains("anti_ns"));
}

TEST(MemoryStats, AntiDependencyWaitIsSeparateFromRaw) {
  Fixture f;
  const RunResult r = testing::time_only(*f.prog, f.cfg);
  // Load b waits only for act 1 (last reader of the shared bytes): a WAR wait from time 0.
  EXPECT_NEAR(r.records[2].start_ns, r.records[1].end_ns + 1300, kEps);
  EXPECT_NEAR(r.records[2].anti_dep_wait_ns, r.records[2].dep_wait_ns, kEps);
  EXPECT_GT(r.records[2].anti_dep_wait_ns, 0);
  // Act 1 waits for load a (RAW): no anti part.
  EXPECT_GT(r.records[1].dep_wait_ns, 0);
  EXPECT_EQ(r.records[1].anti_dep_wait_ns, 0);
  const Stats s = compute_stats(*f.prog, r, f.cfg);
  double total_wait = 0, anti = 0;
  for (const InstrRecord& rec : r.records) {
    total_wait += rec.dep_wait_ns;
    anti += rec.anti_dep_wait_ns;
  }
  EXPECT_NEAR(s.memory.anti_wait_ns, anti, kEps);
  EXPECT_NEAR(s.memory.raw_wait_ns, total_wait - anti, kEps);
}

TEST(MemoryStats, TimelineHasInUseCounterTracks) {
  Fixture f;
  const RunResult r = testing::time_only(*f.prog, f.cfg);
  std::ostringstream os;
  write_timeline(os, *f.prog, r);
  const nlohmann::json t = nlohmann::json::parse(os.str());
  int64_t sbuf_max = 0, psum_max = 0, sbuf_last = -1;
  int sbuf_points = 0;
  for (const nlohmann::json& e : t["traceEvents"]) {
    if (e["ph"] != "C" || !e["args"].contains("bytes_per_partition")) continue;
    const int64_t v = e["args"]["bytes_per_partition"];
    if (e["name"] == "SBUF in use") {
      sbuf_max = std::max(sbuf_max, v);
      sbuf_last = v;
      ++sbuf_points;
    } else if (e["name"] == "PSUM in use") {
      psum_max = std::max(psum_max, v);
    }
  }
  EXPECT_GE(sbuf_points, 4);
  EXPECT_EQ(sbuf_last, 0);  // everything freed at the end
  EXPECT_LE(sbuf_max, 5120);
  EXPECT_GE(sbuf_max, 4096);
  EXPECT_EQ(psum_max, 2048);
}

}  // namespace
}  // namespace trnsim::sim
