// Dependency analysis: which earlier instructions each instruction must wait for, derived from
// the byte footprints of its operands in program order, as the Neuron compiler does for NKI:
// RAW (reads what an earlier one wrote), WAR (writes what an earlier one read), WAW (writes
// what an earlier one wrote), on SBUF, PSUM and per-tensor HBM byte ranges.
// APPROX: footprints are conservative boxes (isa::footprint), so strided views that
// interleave without touching the same bytes still count as overlapping.
//
// Output is reduced to at most one producer per queue (the latest one): the timing model
// completes each queue's instructions in order, so waiting for the latest overlapping producer
// of a queue implies waiting for the earlier ones.
//
// Cost: each memory space (SBUF, PSUM, each HBM tensor) is cut into at most 64 address buckets;
// an access only scans the live records of the buckets it touches. A write retires every
// record it covers (later accesses that overlap them also overlap the write), and a read
// retires covered reads of its own queue, so live lists stay short in tiled kernels.
#pragma once

#include <cstdint>
#include <vector>

#include "isa/program.h"

namespace trnsim::sim {

struct Dependencies {
  std::vector<int32_t> begin;      // size n + 1: producers of i are producers[begin[i], begin[i+1])
  std::vector<int32_t> producers;  // earlier instruction indices, ascending per instruction
};

// `queue_of[i]` is the queue (engine queue or DMA queue) instruction i runs on.
Dependencies analyze_dependencies(const isa::Program& prog, const std::vector<int32_t>& queue_of,
                                  int num_queues);

}  // namespace trnsim::sim
