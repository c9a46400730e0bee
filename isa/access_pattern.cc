#include "isa/access_pattern.h"

namespace trnsim::isa {
namespace {

// C-order element strides of a shape.
std::vector<int64_t> c_strides(const std::vector<int64_t>& shape) {
  std::vector<int64_t> s(shape.size(), 1);
  for (int i = int(shape.size()) - 2; i >= 0; --i) s[i] = s[i + 1] * shape[i + 1];
  return s;
}

// Drops count-1 dims and merges a dim into its outer neighbour when they are contiguous, so the
// common dense case lowers to a single [1, N] pair.
std::vector<std::pair<int64_t, int64_t>> coalesce(std::vector<std::pair<int64_t, int64_t>> dims) {
  std::vector<std::pair<int64_t, int64_t>> out;
  for (const auto& d : dims) {
    if (d.second == 1) continue;
    if (!out.empty() && out.back().first == d.first * d.second) {
      out.back() = {d.first, out.back().second * d.second};
    } else {
      out.push_back(d);
    }
  }
  return out;
}

}  // namespace

int64_t AccessPattern::elems_per_partition() const {
  int64_t n = 1;
  for (const auto& d : free) n *= d.second;
  return n;
}

int64_t AccessPattern::innermost_stride_bytes() const {
  return free.empty() ? 0 : free.back().first * dtype_bytes(dtype);
}

AccessPattern lower(const Program& prog, const View& v) {
  AccessPattern ap;
  ap.memory = v.buf.memory;
  ap.tensor = v.buf.index;
  ap.dtype = prog.dtype_of(v.buf);
  const std::vector<int64_t> shape = prog.shape_of(v.buf);
  const std::vector<int64_t> strides = c_strides(shape);
  ap.partition_start = v.dims.empty() ? 0 : v.dims[0].start;
  ap.partitions = v.partitions();
  ap.partition_step = v.dims.empty() ? 1 : v.dims[0].step;
  int64_t offset = 0;
  std::vector<std::pair<int64_t, int64_t>> free;
  for (size_t d = 1; d < v.dims.size(); ++d) {
    offset += v.dims[d].start * strides[d];
    free.push_back({strides[d] * v.dims[d].step, v.dims[d].count()});
  }
  ap.free = coalesce(std::move(free));
  if (ap.memory == Memory::kHbm) {
    ap.partition_stride_elems = shape.empty() ? 0 : strides[0] * ap.partition_step;
    ap.offset_elems = offset + ap.partition_start * (shape.empty() ? 0 : strides[0]);
  } else {
    const Tile& t = prog.tiles[v.buf.index];
    ap.offset_elems = t.address / dtype_bytes(ap.dtype) + offset;
  }
  return ap;
}

Footprint footprint(const Program& prog, const View& v) {
  const AccessPattern ap = lower(prog, v);
  const int64_t esize = dtype_bytes(ap.dtype);
  Footprint f;
  f.memory = ap.memory;
  const bool empty = ap.partitions == 0 || ap.elems_per_partition() == 0;
  int64_t last = ap.offset_elems;  // element offset of the last element in a partition
  for (const auto& d : ap.free) last += (d.second - 1) * d.first;
  if (ap.memory == Memory::kHbm) {
    f.tensor = ap.tensor;
    f.p_lo = 0;
    f.p_hi = 1;
    last += (ap.partitions - 1) * ap.partition_stride_elems;
  } else {
    f.tensor = -1;
    f.p_lo = ap.partition_start;
    f.p_hi = ap.partition_start + (ap.partitions - 1) * ap.partition_step + 1;
  }
  f.lo = ap.offset_elems * esize;
  f.hi = empty ? f.lo : (last + 1) * esize;
  return f;
}

}  // namespace trnsim::isa
