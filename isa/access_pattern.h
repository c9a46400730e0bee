// Lowering of views to hardware access patterns: a start address and [stride, count] pairs,
// and the byte footprint an access touches (used for dependency tracking and bounds checks).
#pragma once

#include <cstdint>
#include <utility>
#include <vector>

#include "isa/program.h"

namespace trnsim::isa {

struct AccessPattern {
  Memory memory = Memory::kHbm;
  int32_t tensor = -1;          // HBM tensor index (kHbm) or tile index
  DType dtype = DType::kFp32;
  int64_t partition_start = 0;  // first partition (on chip) or first index of dim 0 (HBM)
  int64_t partitions = 0;
  int64_t partition_step = 1;
  // Element offset of the first element: within the partition (on chip, relative to the
  // partition's byte 0, i.e. including the tile address / dtype size) or within the tensor
  // (HBM, including the partition_start row).
  int64_t offset_elems = 0;
  int64_t partition_stride_elems = 0;  // HBM only: elements between consecutive dim-0 indices
  std::vector<std::pair<int64_t, int64_t>> free;  // [stride_elems, count], outermost first
  int64_t elems_per_partition() const;
  int64_t bytes() const { return partitions * elems_per_partition() * dtype_bytes(dtype); }
  int64_t innermost_stride_bytes() const;  // 0 if there are no free dims
};

AccessPattern lower(const Program& prog, const View& v);

// Conservative box touched by an access: rows [p_lo, p_hi) and bytes [lo, hi) within each row.
// On chip a row is a partition (bytes count from the partition's byte 0); in HBM it is an index
// of the tensor's dim 0 (bytes count from the start of that index's row_bytes-byte row). Two
// accesses that share a byte have overlapping boxes.
struct Footprint {
  Memory memory = Memory::kHbm;
  int32_t tensor = -1;  // HBM tensor index; -1 on chip (SBUF/PSUM are one address space each)
  int64_t p_lo = 0, p_hi = 0;
  int64_t lo = 0, hi = 0;
  int64_t row_bytes = 0;  // HBM: bytes per dim-0 index of the tensor; 0 on chip
  bool overlaps(const Footprint& o) const {
    return memory == o.memory && tensor == o.tensor && p_lo < o.p_hi && o.p_lo < p_hi &&
           lo < o.hi && o.lo < hi;
  }
  // HBM: the flat byte range of the tensor the box lies in; on chip [lo, hi).
  int64_t flat_lo() const { return p_lo * row_bytes + lo; }
  int64_t flat_hi() const { return (p_hi - 1) * row_bytes + hi; }
};

Footprint footprint(const Program& prog, const View& v);

}  // namespace trnsim::isa
