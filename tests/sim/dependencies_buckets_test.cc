// The dependency analysis finds the same edges whatever the address bucketing: its automatic
// bucket sizes (scaled to the accesses) against one bucket per space and the former fixed 64.
#include <gtest/gtest.h>

#include <algorithm>
#include <random>

#include "sim/bench/bench.h"
#include "sim/deps/dependencies.h"
#include "tests/sim/sim_test_util.h"

namespace trnsim::sim {
namespace {

using isa::DType;
using isa::Memory;
using testing::slice;

// Order keys as the timing plan assigns them: one per compute engine, one per DMA transfer.
std::vector<int32_t> order_keys(const isa::Program& p, int* num_keys) {
  std::vector<int32_t> key(p.instructions.size());
  int next = 8;
  for (size_t i = 0; i < key.size(); ++i) {
    const isa::Engine e = p.instructions[i].engine;
    key[i] = e == isa::Engine::kDma ? next++ : static_cast<int32_t>(e);
  }
  *num_keys = next;
  return key;
}

void expect_same_edges_for_all_bucketings(const isa::Program& p) {
  int num_keys = 0;
  const std::vector<int32_t> key = order_keys(p, &num_keys);
  const Dependencies automatic = analyze_dependencies(p, key, num_keys);
  EXPECT_GT(automatic.producers.size(), p.instructions.size() / 2);  // not a vacuous check
  for (int64_t fixed : {1, 64, 4096}) {
    const Dependencies d = analyze_dependencies(p, key, num_keys, fixed);
    EXPECT_EQ(d.begin, automatic.begin) << fixed << " buckets";
    EXPECT_EQ(d.producers, automatic.producers) << fixed << " buckets";
  }
}

TEST(DependencyBuckets, RandomSlicesGiveTheSameEdges) {
  const HwConfig cfg = load_target("trn1");
  std::mt19937 rng(7);
  testing::ProgramBuilder b("random");
  const auto h = b.tensor("h", {1024, 512}, DType::kFp32);
  const auto g = b.tensor("g", {64, 64}, DType::kBf16);
  std::vector<isa::BufferRef> tiles;
  for (int t = 0; t < 4; ++t)
    tiles.push_back(b.tile("s" + std::to_string(t), Memory::kSbuf, 128, {512}, DType::kFp32));
  auto range = [&](int64_t n) {
    const int64_t lo = std::uniform_int_distribution<int64_t>(0, n - 1)(rng);
    const int64_t len = std::uniform_int_distribution<int64_t>(1, std::min<int64_t>(n - lo, 64))(rng);
    return std::make_pair(lo, lo + len);
  };
  for (int i = 0; i < 1000; ++i) {
    const auto [flo, fhi] = range(512);
    const isa::View a = slice(b.whole(tiles[rng() % 4]), 1, flo, fhi);
    const isa::View c = slice(b.whole(tiles[rng() % 4]), 1, flo, fhi);
    switch (rng() % 4) {
      case 0: {  // load rows [r, r+128) of h
        const int64_t r = std::uniform_int_distribution<int64_t>(0, 1024 - 128)(rng);
        b.dma(a, slice(slice(b.whole(h), 0, r, r + 128), 1, flo, fhi));
        break;
      }
      case 1: {  // store
        const int64_t r = std::uniform_int_distribution<int64_t>(0, 1024 - 128)(rng);
        b.dma(slice(slice(b.whole(h), 0, r, r + 128), 1, flo, fhi), a);
        break;
      }
      case 2:
        b.copy(c, a, rng() % 2 ? isa::Engine::kVector : isa::Engine::kGpsimd);
        break;
      default: {  // a small tensor read whole, into a few partitions
        const isa::View dst = slice(slice(b.whole(tiles[rng() % 4]), 0, 0, 64), 1, 0, 64);
        b.dma(dst, b.whole(g));
        break;
      }
    }
  }
  expect_same_edges_for_all_bucketings(b.raw());
}

// Loads like a tiled matmul's: [128 x 128] tiles of a tensor by row band and column (columns
// 80 apart, so tiles overlap and straddle bucket edges), read again for each output block into
// tiles that are rewritten, and some written back shifted by half a tile (the automatic grid
// has many bands and columns here).
TEST(DependencyBuckets, ColumnTiledLoadsGiveTheSameEdges) {
  testing::ProgramBuilder b("tiled");
  const auto h = b.tensor("h", {1024, 1024}, DType::kBf16);
  const auto out = b.tensor("out", {1024, 128}, DType::kBf16, isa::TensorRole::kOutput);
  std::vector<isa::BufferRef> tiles;
  for (int t = 0; t < 3; ++t)
    tiles.push_back(b.tile("t" + std::to_string(t), Memory::kSbuf, 128, {128}, DType::kBf16));
  int next = 0;
  for (int block = 0; block < 3; ++block) {
    for (int64_t r = 0; r < 1024; r += 128) {
      for (int64_t c = 0; c + 128 <= 1024; c += 80) {
        const isa::View tile = b.whole(tiles[next++ % 3]);
        b.dma(tile, slice(slice(b.whole(h), 0, r, r + 128), 1, c, c + 128));
        if (c == 0) b.dma(slice(b.whole(out), 0, r, r + 128), tile);
        if (next % 5 == 0 && c + 168 <= 1024) {  // written back shifted: later loads read it
          const int64_t wr = std::min<int64_t>(r + 64, 1024 - 128);
          b.dma(slice(slice(b.whole(h), 0, wr, wr + 128), 1, c + 40, c + 168), tile);
        }
      }
    }
  }
  expect_same_edges_for_all_bucketings(b.raw());
}

TEST(DependencyBuckets, StreamingBenchProgramGivesTheSameEdges) {
  expect_same_edges_for_all_bucketings(make_bench_program(20'000, 64));
}

}  // namespace
}  // namespace trnsim::sim
