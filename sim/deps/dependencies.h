// Dependency analysis: which earlier instructions each instruction must wait for, derived from
// the byte footprints of its operands in program order, as the Neuron compiler does for NKI:
// RAW (reads what an earlier one wrote), WAR (writes what an earlier one read), WAW (writes
// what an earlier one wrote), on SBUF and PSUM boxes (partitions x bytes in the partition) and
// HBM boxes (dim-0 indices x bytes in that row of the tensor), so column blocks of a tensor
// are independent. APPROX: footprints are conservative boxes (isa::footprint), so strided
// views that interleave without touching the same bytes still count as overlapping.
//
// Output is reduced to at most one producer per order key (the latest one): the caller keys
// instructions so that those with one key complete in program order (a compute queue; each DMA
// transfer is its own key, since DMA queues serve transfers in ready order), so waiting for the
// latest overlapping producer of a key implies waiting for the earlier ones.
//
// Cost: each memory space (SBUF, PSUM, each HBM tensor) is cut into a grid of buckets over its
// boxes' two coordinates (partitions x bytes in the partition on chip, dim-0 indices x bytes in
// the row in HBM, so the column tiles of a tensor fall in buckets of their own), about one per
// access to the space (64 to 65,536), cells never smaller than the mean access; an access only
// scans the live records of the buckets it touches. A write retires every
// record it covers (later accesses that overlap them also overlap the write), and a read
// retires covered reads of its own key; a DMA read also retires covered reads of other DMAs
// and then depends on them, so that a later writer that waits for it waits for them too.
// APPROX: a transfer re-reading bytes that a pending transfer reads waits for it (a
// read-after-read edge real hardware does not need). So live lists stay short in tiled
// kernels; the slot of a retired record is reused once no bucket lists it, so memory follows
// the live set.
#pragma once

#include <cstdint>
#include <vector>

#include "isa/program.h"

namespace trnsim::sim {

struct Dependencies {
  std::vector<int32_t> begin;      // size n + 1: producers of i are producers[begin[i], begin[i+1])
  std::vector<int32_t> producers;  // earlier instruction indices, ascending per instruction
  // Per edge: 1 if the consumer reads bytes the producer wrote (RAW), 0 if the edge is only an
  // anti-dependency (WAR/WAW: the consumer overwrites what the producer read or wrote, as
  // when an allocation reuses memory) or an ordering edge between DMA reads.
  std::vector<uint8_t> raw;
};

// `order_key[i]` in [0, num_keys) is the order key of instruction i (see above).
// `fixed_buckets` > 0 cuts every space into that many buckets instead (the edges do not depend
// on the bucketing; tests compare the two).
Dependencies analyze_dependencies(const isa::Program& prog, const std::vector<int32_t>& order_key,
                                  int num_keys, int64_t fixed_buckets = 0);

}  // namespace trnsim::sim
