// HBM footprints are boxes (dim-0 indices x bytes in the row), so the dependency analysis keeps
// column blocks of a tensor apart: two stores into disjoint column blocks of the same rows are
// independent, while a store or load that shares bytes with one waits for it. And boxes are
// conservative: views that share an element always have overlapping boxes.
#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <set>

#include "isa/access_pattern.h"
#include "sim/deps/dependencies.h"
#include "tests/sim/sim_test_util.h"

namespace trnsim::sim {
namespace {

using isa::DType;
using isa::Memory;
using testing::ProgramBuilder;
using testing::slice;

isa::View block(const isa::View& whole, int64_t r0, int64_t r1, int64_t c0, int64_t c1) {
  return slice(slice(whole, 0, r0, r1), 1, c0, c1);
}

// Producers of instruction i, with one order key per instruction (none implies another).
std::vector<int32_t> producers_of(const Dependencies& d, int32_t i) {
  return {d.producers.begin() + d.begin[i], d.producers.begin() + d.begin[i + 1]};
}

TEST(HbmBoxDependency, ColumnBlocksOfATensorAreIndependent) {
  const HwConfig cfg = load_target("trn2");
  ProgramBuilder b("columns");
  const auto h = b.tensor("h", {256, 1024}, DType::kFp32);
  const auto s0 = b.tile("s0", Memory::kSbuf, 128, {512}, DType::kFp32);
  const auto s1 = b.tile("s1", Memory::kSbuf, 128, {512}, DType::kFp32);
  const auto s2 = b.tile("s2", Memory::kSbuf, 128, {44}, DType::kFp32);
  b.dma(block(b.whole(h), 0, 128, 0, 512), b.whole(s0));       // 0 store, left block
  b.dma(block(b.whole(h), 0, 128, 512, 1024), b.whole(s1));    // 1 store, right block
  b.dma(block(b.whole(h), 64, 192, 256, 768), b.whole(s0));    // 2 store across both
  b.dma(b.whole(s1), block(b.whole(h), 128, 256, 0, 512));     // 3 load, rows below 0 and 1
  b.dma(b.whole(s2), block(b.whole(h), 0, 128, 600, 644));     // 4 load inside block 1
  const isa::Program& p = b.build(cfg);
  std::vector<int32_t> key(p.instructions.size());
  for (size_t i = 0; i < key.size(); ++i) key[i] = static_cast<int32_t>(i);
  const Dependencies d = analyze_dependencies(p, key, static_cast<int>(key.size()));
  EXPECT_EQ(producers_of(d, 1), std::vector<int32_t>{});      // WAW-free: other columns
  EXPECT_EQ(producers_of(d, 2), (std::vector<int32_t>{0, 1}));  // WAW with both
  // Rows 128..191 of block (64..192, 256..768) lie in the load's rows and columns; block 0 is
  // all above the load (rows 0..127), and s1's earlier use (1 reads it) is a WAR.
  EXPECT_EQ(producers_of(d, 3), (std::vector<int32_t>{1, 2}));
  EXPECT_EQ(producers_of(d, 4), (std::vector<int32_t>{1, 2}));  // RAW of 1 (and 2: cols 600+)
}

// Elements [row, column] a 2-D slice of an [R, C] tensor touches.
std::set<std::pair<int64_t, int64_t>> elements(int64_t r0, int64_t r1, int64_t rs, int64_t c0,
                                               int64_t c1, int64_t cs) {
  std::set<std::pair<int64_t, int64_t>> out;
  for (int64_t r = r0; r < r1; r += rs)
    for (int64_t c = c0; c < c1; c += cs) out.insert({r, c});
  return out;
}

TEST(HbmBoxDependency, ViewsSharingAnElementHaveOverlappingBoxes) {
  const HwConfig cfg = load_target("trn2");
  ProgramBuilder b("boxes");
  const auto h = b.tensor("h", {24, 40}, DType::kBf16);
  const auto s = b.tile("s", Memory::kSbuf, 24, {40}, DType::kBf16);
  b.dma(b.whole(s), b.whole(h));
  const isa::Program& p = b.build(cfg);
  std::mt19937 rng(3);
  auto pick = [&](int64_t n, int64_t* lo, int64_t* hi, int64_t* step) {
    *lo = std::uniform_int_distribution<int64_t>(0, n - 1)(rng);
    *hi = std::uniform_int_distribution<int64_t>(*lo + 1, n)(rng);
    *step = std::uniform_int_distribution<int64_t>(1, 3)(rng);
  };
  int sharing = 0, apart = 0;
  for (int k = 0; k < 3000; ++k) {
    int64_t v[2][6];
    for (auto& x : v) {
      pick(24, &x[0], &x[1], &x[2]);
      pick(40, &x[3], &x[4], &x[5]);
    }
    const auto a = elements(v[0][0], v[0][1], v[0][2], v[0][3], v[0][4], v[0][5]);
    const auto c = elements(v[1][0], v[1][1], v[1][2], v[1][3], v[1][4], v[1][5]);
    const bool share = std::any_of(a.begin(), a.end(), [&](const auto& e) { return c.count(e); });
    const auto view = [&](const int64_t* x) {
      return slice(slice(b.whole(h), 0, x[0], x[1], x[2]), 1, x[3], x[4], x[5]);
    };
    const bool boxes = isa::footprint(p, view(v[0])).overlaps(isa::footprint(p, view(v[1])));
    if (share) {
      EXPECT_TRUE(boxes) << k;
      ++sharing;
    }
    apart += !boxes;
  }
  EXPECT_GT(sharing, 300);  // both outcomes are exercised
  EXPECT_GT(apart, 300);
}

}  // namespace
}  // namespace trnsim::sim
