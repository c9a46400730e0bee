// The validator: everything that can be checked before a program runs. Bounds of every view,
// partition limits, dtype rules, operand presence and kinds, per-instruction shape contracts,
// PSUM bank rules, fixed-address overlaps and capacity. It also places tiles without a fixed
// address (the allocator). Throws trnsim::Error, e.g.
// "instruction 17 (nc_matmul): moving tile has 256 partitions, limit 128".
#pragma once

#include <cstdint>
#include <vector>

#include "isa/core_limits.h"
#include "isa/program.h"

namespace trnsim::isa {

void validate(Program& prog, const CoreLimits& limits);

// The allocator alone (called by validate): places tiles without a fixed address in SBUF/PSUM,
// first fit by declaration order, aligned; PSUM tiles never straddle a bank if they fit in one.
// Fixed-address tiles may share bytes when their live ranges are disjoint.
// Throws trnsim::Error on overflow or on fixed tiles that share bytes while both are live,
// naming the tiles, their byte ranges, live ranges and the capacity.
void allocate_tiles(Program& prog, const CoreLimits& limits);

// Live range of a tile: the first and last instruction index with an operand on it.
struct TileLiveRange {
  int32_t first = -1, last = -1;  // -1: no instruction touches the tile
  bool used() const { return first >= 0; }
};
// Per tile of prog.tiles (operands must reference valid tiles or are skipped).
std::vector<TileLiveRange> tile_live_ranges(const Program& prog);

}  // namespace trnsim::isa
