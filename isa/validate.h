// The validator: everything that can be checked before a program runs. Bounds of every view,
// partition limits, dtype rules, operand presence and kinds, per-instruction shape contracts,
// PSUM bank rules, fixed-address overlaps and capacity. It also places tiles without a fixed
// address (the allocator). Throws trnsim::Error, e.g.
// "instruction 17 (nc_matmul): moving tile has 256 partitions, limit 128".
#pragma once

#include "isa/core_limits.h"
#include "isa/program.h"

namespace trnsim::isa {

void validate(Program& prog, const CoreLimits& limits);

// The allocator alone (called by validate): places tiles without a fixed address in SBUF/PSUM,
// first fit by declaration order, aligned; PSUM tiles never straddle a bank if they fit in one.
// Throws trnsim::Error on overflow or overlapping fixed tiles, naming the tiles and capacity.
void allocate_tiles(Program& prog, const CoreLimits& limits);

}  // namespace trnsim::isa
