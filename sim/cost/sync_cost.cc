// core_barrier on its engine: one minimal instruction (the remote semaphore write) whose result
// is visible after the engine's static overhead (NKI reference nki.isa.core_barrier: a remote
// semaphore update, then a local semaphore wait). The wait for the peer core is not part of
// this cost: the pair plan makes it a dependency on the peer's accesses (sim/pair/), with the
// pair's semaphore latency of sim/configs/links.json.
// APPROX: the semaphore write costs MIN_II cycles, like the shortest streaming instruction.
#include "sim/cost/cost_model.h"

namespace trnsim::sim {

Cost semaphore_cost(const isa::Program&, const isa::Instruction& ins, const HwConfig& cfg) {
  const StreamEngineSpec& s = cfg.stream(ins.engine);
  return streaming_cost(s.min_ii_cycles, s, cfg);
}

}  // namespace trnsim::sim
