#include "kernels/rank.h"
#include "sim/simulate.h"

namespace trnsim::kernels {

TimingFn simulator_timing() {
  return [](const isa::Program& prog, const sim::HwConfig& cfg) {
    return sim::simulate(prog, cfg, sim::Mode::kTimingOnly, nullptr);
  };
}

}  // namespace trnsim::kernels
