// isa::footprint (computed without lowering, for the dependency analysis) against a reference
// box built from isa::lower's access pattern by enumerating every element's offset.
#include <gtest/gtest.h>

#include <algorithm>

#include "isa/access_pattern.h"
#include "tests/sim/sim_test_util.h"

namespace trnsim::sim {
namespace {

using isa::Memory;
using testing::ProgramBuilder;
using testing::slice;

isa::Footprint reference(const isa::Program& prog, const isa::View& v) {
  const isa::AccessPattern ap = isa::lower(prog, v);
  const bool hbm = ap.memory == Memory::kHbm;
  const int64_t esize = isa::dtype_bytes(ap.dtype);
  // HBM: offsets within the row (dim-0 index): lower() strides by row elements x dim-0 step
  const int64_t row_elems = hbm ? ap.partition_stride_elems / ap.partition_step : 0;
  const int64_t row_start = ap.partition_start * row_elems;
  int64_t lo = INT64_MAX, hi = INT64_MIN;
  const int64_t per_partition = ap.elems_per_partition();
  for (int64_t p = 0; p < ap.partitions; ++p) {
    for (int64_t e = 0; e < per_partition; ++e) {
      int64_t rest = e, off = ap.offset_elems - row_start;
      for (size_t d = ap.free.size(); d-- > 0;) {
        off += (rest % ap.free[d].second) * ap.free[d].first;
        rest /= ap.free[d].second;
      }
      lo = std::min(lo, off);
      hi = std::max(hi, off + 1);
    }
  }
  isa::Footprint f;
  f.memory = ap.memory;
  f.tensor = hbm ? ap.tensor : -1;
  f.p_lo = ap.partition_start;
  f.p_hi = ap.partition_start + (ap.partitions - 1) * ap.partition_step + 1;
  f.lo = lo * esize;
  f.hi = hi * esize;
  f.row_bytes = row_elems * esize;
  return f;
}

TEST(FootprintTest, MatchesTheLoweredAccessPattern) {
  const HwConfig cfg = load_target("trn1");
  ProgramBuilder b("fp");
  auto h = b.tensor("h", {6, 5, 7}, isa::DType::kBf16);
  auto t = b.tile("t", Memory::kSbuf, 16, {4, 9});
  b.raw().tiles[t.index].fixed_address = 128;  // a non-zero tile address
  b.copy(b.whole(t), b.whole(t));
  const isa::Program& p = b.build(cfg);
  std::vector<isa::View> views = {
      b.whole(h), b.whole(t),
      slice(slice(b.whole(h), 0, 1, 6, 2), 2, 3, 7, 3),
      slice(slice(b.whole(h), 1, 2, 3), 2, 1, 6, 2),  // count-1 middle dim
      slice(slice(slice(b.whole(t), 0, 3, 16, 4), 1, 1, 4, 2), 2, 2, 9, 3),
      slice(b.whole(t), 2, 8, 9),                      // one column
      slice(b.whole(h), 0, 4, 5),
  };
  for (size_t k = 0; k < views.size(); ++k) {
    const isa::Footprint got = isa::footprint(p, views[k]);
    const isa::Footprint want = reference(p, views[k]);
    EXPECT_EQ(got.tensor, want.tensor) << k;
    EXPECT_EQ(got.p_lo, want.p_lo) << k;
    EXPECT_EQ(got.p_hi, want.p_hi) << k;
    EXPECT_EQ(got.lo, want.lo) << k;
    EXPECT_EQ(got.hi, want.hi) << k;
    EXPECT_EQ(got.row_bytes, want.row_bytes) << k;
  }
  EXPECT_GT(isa::footprint(p, b.whole(t)).lo, 0);
}

}  // namespace
}  // namespace trnsim::sim
