// The short terminal table printed after a run: total time, per-engine busy time, utilisation,
// instruction count and dependency wait, DMA bandwidth, FLOPs against the tensor-engine peak and
// the bottleneck engine. Times in us with ns resolution.
#pragma once

#include <string>

#include "sim/stats/stats.h"

namespace trnsim::sim {

std::string format_summary(const Stats& s);

}  // namespace trnsim::sim
