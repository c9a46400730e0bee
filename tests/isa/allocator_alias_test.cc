// Fixed-address tiles that share bytes (isa/allocator.cc): accepted when their live ranges
// (first to last instruction touching them) are disjoint, rejected with both tiles, byte
// ranges and live ranges named when they interleave.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "isa/error.h"
#include "isa/trace_json.h"
#include "isa/validate.h"

namespace trnsim::isa {
namespace {

using json = nlohmann::json;

CoreLimits limits() {
  CoreLimits l;
  l.partitions = 128;
  l.sbuf_partition_bytes = 196608;
  l.psum_partition_bytes = 16384;
  l.psum_bank_bytes = 2048;
  l.matmul_max_moving_free = 512;
  l.matmul_max_stationary_free = 128;
  return l;
}

json fixed_tile(const char* name, const char* mem, int address) {
  return {{"name", name}, {"memory", mem},       {"partitions", 128},
          {"shape", {64}}, {"dtype", "float32"}, {"address", address}};
}

// Tiles a and b (256 bytes per partition each, at the given addresses) and the instruction
// list `ins` over tensor x [128, 64] fp32.
Program program(const char* mem, int addr_a, int addr_b, const json& ins) {
  json j = {{"format", "trnsim-trace"}, {"version", 1}, {"name", "alias"}};
  j["tensors"] = {{{"name", "x"}, {"shape", {128, 64}}, {"dtype", "float32"}, {"role", "input"}},
                  {{"name", "y"}, {"shape", {128, 64}}, {"dtype", "float32"}, {"role", "output"}}};
  j["tiles"] = {fixed_tile("a", mem, addr_a), fixed_tile("b", mem, addr_b)};
  j["instructions"] = ins;
  return program_from_json(j);
}

json dma(const char* dst, const char* src) { return {{"op", "dma_copy"}, {"dst", dst}, {"src", src}}; }

std::string alloc_error(Program p) {
  try {
    allocate_tiles(p, limits());
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(AllocatorAlias, LiveRangesAreFirstAndLastTouchingInstruction) {
  const Program p = program("sbuf", 0, 256, {dma("a", "x"), dma("b", "x"), dma("y", "a")});
  const std::vector<TileLiveRange> live = tile_live_ranges(p);
  ASSERT_EQ(live.size(), 2u);
  EXPECT_EQ(live[0].first, 0);
  EXPECT_EQ(live[0].last, 2);
  EXPECT_EQ(live[1].first, 1);
  EXPECT_EQ(live[1].last, 1);
}

TEST(AllocatorAlias, DisjointLiveRangesMayShareBytes) {
  for (const char* mem : {"sbuf", "psum"}) {
    // a lives at 0..1, b at 2..3: same bytes, never live together.
    Program p = program(mem, 0, 0, {dma("a", "x"), dma("y", "a"), dma("b", "x"), dma("y", "b")});
    EXPECT_EQ(alloc_error(p), "") << mem;
    allocate_tiles(p, limits());
    EXPECT_EQ(p.tiles[0].address, 0);
    EXPECT_EQ(p.tiles[1].address, 0);
    // Partial overlap with disjoint live ranges is fine too.
    EXPECT_EQ(alloc_error(program(mem, 0, 128,
                                  {dma("a", "x"), dma("y", "a"), dma("b", "x"), dma("y", "b")})),
              "")
        << mem;
  }
}

TEST(AllocatorAlias, InterleavedLiveRangesAreRejectedNamingBoth) {
  // a lives at 0..2, b at 1..3 and they share bytes [128, 256).
  const std::string msg = alloc_error(
      program("sbuf", 0, 128, {dma("a", "x"), dma("b", "x"), dma("y", "a"), dma("y", "b")}));
  for (const char* s : {"tile 'b'", "[128, 384)", "live at instructions 1..3", "overlaps",
                        "tile 'a'", "[0, 256)", "live at instructions 0..2"})
    EXPECT_NE(msg.find(s), std::string::npos) << "'" << s << "' not in: " << msg;
  // Touching at one instruction (b's first use is a's last) is live together as well.
  const std::string psum =
      alloc_error(program("psum", 0, 0, {dma("a", "x"), {{"op", "tensor_copy"}, {"dst", "b"},
                                                          {"src", "a"}}, dma("y", "b")}));
  for (const char* s : {"tile 'b'", "psum", "live at instructions 1..2", "live at instructions 0..1"})
    EXPECT_NE(psum.find(s), std::string::npos) << "'" << s << "' not in: " << psum;
}

TEST(AllocatorAlias, UnusedTileCountsAsLiveThroughout) {
  const std::string msg = alloc_error(program("sbuf", 0, 0, {dma("a", "x"), dma("y", "a")}));
  EXPECT_NE(msg.find("never used, so live throughout"), std::string::npos) << msg;
}

TEST(AllocatorAlias, UnplacedTilesNeverReuseAliasedBytes) {
  json j = {{"format", "trnsim-trace"}, {"version", 1}, {"name", "mixed"}};
  j["tensors"] = {{{"name", "x"}, {"shape", {128, 64}}, {"dtype", "float32"}, {"role", "input"}}};
  j["tiles"] = {fixed_tile("a", "sbuf", 0), fixed_tile("b", "sbuf", 0),
                {{"name", "c"}, {"memory", "sbuf"}, {"partitions", 128}, {"shape", {64}},
                 {"dtype", "float32"}}};
  j["instructions"] = {dma("a", "x"), dma("b", "x"), dma("c", "x")};
  Program p = program_from_json(j);
  allocate_tiles(p, limits());
  EXPECT_EQ(p.tiles[2].address, 256);
}

// Many short-lived tiles cycling through 4 addresses (as a compiler emits one tile per
// allocation): all accepted; one more tile whose range spans them is caught.
TEST(AllocatorAlias, ManyRotatingTilesAndOneThatSpansThem) {
  constexpr int kTiles = 4000;
  json j = {{"format", "trnsim-trace"}, {"version", 1}, {"name", "rotate"}};
  j["tensors"] = {{{"name", "x"}, {"shape", {128, 64}}, {"dtype", "float32"}, {"role", "input"}},
                  {{"name", "y"}, {"shape", {128, 64}}, {"dtype", "float32"}, {"role", "output"}}};
  j["tiles"] = json::array();
  j["instructions"] = json::array();
  for (int k = 0; k < kTiles; ++k) {
    const std::string name = "t" + std::to_string(k);
    j["tiles"].push_back(fixed_tile(name.c_str(), "sbuf", 256 * (k % 4)));
    // Tile k lives at instructions 2k..2k+1; tiles k and k + 4 share bytes.
    j["instructions"].push_back(dma(name.c_str(), "x"));
    j["instructions"].push_back(dma("y", name.c_str()));
  }
  EXPECT_EQ(alloc_error(program_from_json(j)), "");
  j["tiles"].push_back(fixed_tile("long", "sbuf", 512));
  j["instructions"].insert(j["instructions"].begin(), dma("long", "x"));
  j["instructions"].push_back(dma("y", "long"));
  const std::string msg = alloc_error(program_from_json(j));
  EXPECT_NE(msg.find("tile 'long'"), std::string::npos) << msg;
  EXPECT_NE(msg.find("tile 't2'"), std::string::npos) << msg;  // first tile at 512 it meets
}

}  // namespace
}  // namespace trnsim::isa
