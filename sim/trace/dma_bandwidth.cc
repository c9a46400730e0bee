#include "sim/trace/dma_bandwidth.h"

#include <algorithm>
#include <cmath>
#include <utility>

namespace trnsim::sim {
namespace {

// Rate change at a time: +rate when a piece starts moving data, -rate when it stops.
struct RateStep {
  double time_ns;
  double delta;
};

void add_piece(double start_ns, double busy_ns, int64_t bytes, double fixed_ns,
               std::vector<RateStep>* steps) {
  if (bytes <= 0 || !(busy_ns > 0)) return;
  const double begin = busy_ns > fixed_ns ? start_ns + fixed_ns : start_ns;
  const double end = start_ns + busy_ns;
  const double rate = double(bytes) / (end - begin);
  steps->push_back({begin, rate});
  steps->push_back({end, -rate});
}

}  // namespace

std::vector<BandwidthPoint> dma_bandwidth_track(const RunResult& result, double fixed_ns) {
  std::vector<RateStep> steps;
  steps.reserve(2 * (result.dma_pieces.empty() ? result.records.size()
                                                : result.dma_pieces.size()));
  if (!result.dma_pieces.empty()) {
    for (const DmaPieceRecord& p : result.dma_pieces)
      add_piece(p.start_ns, p.busy_ns, p.bytes, fixed_ns, &steps);
  } else {
    for (const InstrRecord& r : result.records)
      if (r.engine == isa::Engine::kDma) add_piece(r.start_ns, r.busy_ns, r.bytes, fixed_ns, &steps);
  }
  std::sort(steps.begin(), steps.end(),
            [](const RateStep& a, const RateStep& b) { return a.time_ns < b.time_ns; });
  std::vector<BandwidthPoint> track;
  double rate = 0;
  for (size_t i = 0; i < steps.size();) {
    const double t = steps[i].time_ns;
    for (; i < steps.size() && steps[i].time_ns == t; ++i) rate += steps[i].delta;
    // Sums of +r and -r leave rounding residue; below a byte per second it is zero.
    if (std::abs(rate) < 1e-9) rate = 0;
    if (!track.empty() && track.back().bytes_per_ns == rate) continue;
    track.push_back({t, rate});
  }
  return track;
}

}  // namespace trnsim::sim
