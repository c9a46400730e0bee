// The DMA bandwidth counter track of the timeline: bytes per ns (= GB/s) moved by all DMA
// queues together over time, a step function.
// A piece (RunResult::dma_pieces; a DMA record stands for one piece when the run has none)
// moves its bytes at a constant rate over its queue occupancy after the fixed cost:
// [start + fixed_ns, start + busy_ns], or over the whole occupancy when busy_ns <= fixed_ns.
// APPROX: sim/cost/dma_cost.cc charges a piece fixed_ns + bytes / bandwidth as one occupancy;
// where the fixed part lies inside it is not modelled, the curve puts it first.
#pragma once

#include <vector>

#include "sim/run_result.h"

namespace trnsim::sim {

struct BandwidthPoint {
  double time_ns = 0;
  double bytes_per_ns = 0;  // from time_ns until the next point
};

// Points in time order, one per time at which the rate changes (the last one is 0); empty when
// the run moved no DMA bytes.
std::vector<BandwidthPoint> dma_bandwidth_track(const RunResult& result, double fixed_ns);

}  // namespace trnsim::sim
