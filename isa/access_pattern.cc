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

// Computed from the view and the buffer's shape directly, without lowering (no allocation: the
// dependency analysis calls this for every operand). Same result as boxing lower(prog, v).
Footprint footprint(const Program& prog, const View& v) {
  const bool hbm = v.buf.memory == Memory::kHbm;
  const std::vector<int64_t>* tensor_shape = hbm ? &prog.tensors[v.buf.index].shape : nullptr;
  const Tile* tile = hbm ? nullptr : &prog.tiles[v.buf.index];
  const size_t rank = hbm ? tensor_shape->size() : tile->free_shape.size() + 1;
  const auto extent = [&](size_t d) {
    return hbm ? (*tensor_shape)[d] : (d == 0 ? tile->partitions : tile->free_shape[d - 1]);
  };
  const int64_t esize = dtype_bytes(prog.dtype_of(v.buf));
  // Walk the free dims innermost first with the C-order stride of each.
  int64_t stride = 1, first = 0, span = 0, elems = 1;
  for (size_t d = rank; d-- > 1;) {
    if (d < v.dims.size()) {
      const Slice& sl = v.dims[d];
      const int64_t count = sl.count();
      first += sl.start * stride;
      if (count > 1) span += (count - 1) * stride * sl.step;
      elems *= count;
    }
    stride *= extent(d);
  }
  const int64_t partitions = v.partitions();
  const int64_t p_start = v.dims.empty() ? 0 : v.dims[0].start;
  const int64_t p_step = v.dims.empty() ? 1 : v.dims[0].step;
  Footprint f;
  f.memory = v.buf.memory;
  int64_t offset = first;  // element offset of the first element within its row
  f.p_lo = p_start;
  f.p_hi = p_start + (partitions - 1) * p_step + 1;
  if (hbm) {
    f.tensor = v.buf.index;
    f.row_bytes = (rank == 0 ? 1 : stride) * esize;  // a scalar tensor is one 1-element row
  } else {
    f.tensor = -1;
    offset += tile->address / esize;
  }
  f.lo = offset * esize;
  f.hi = partitions == 0 || elems == 0 ? f.lo : (offset + span + 1) * esize;
  return f;
}

}  // namespace trnsim::isa
