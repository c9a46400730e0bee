// The timing plan of an LNC=2 pair: the two cores' plans (sim/core/timing_plan.h) in one, so
// that one SystemC run simulates both NeuronCores at the same time.
//   instructions: core 0's, then core 1's (from core1_begin);
//   queues: core 0's at [0, kQueuesPerCore), core 1's at [kQueuesPerCore, ...): each core has
//     its own engines and DMA queues, and its own shared SBUF/PSUM ports (core 1's port bits
//     are shifted by kNumSharedPorts);
//   HBM: one bandwidth calendar for both cores at the pair's bandwidth (PairLinks: one HBM
//     stack), so a core gets the share its transfers demand, up to the whole stack when the
//     other core moves nothing (each core's DMA queues still bound its own rate);
//   cross-core synchronisation: the n-th pair instruction (core_barrier, sendrecv) of core 0
//     meets the n-th of core 1 (NKI reference nki.lnc.sendrecv: paired positionally by program
//     order). Each of the two waits for the producers of both (the peer's through a semaphore
//     hand-off of PairLinks::semaphore_ns), and every consumer of either waits for both. So a
//     core_barrier on a tensor orders every access to it before the barrier, on both cores,
//     before every access after it, and a sendrecv starts when both src tiles are written and
//     both dst tiles are free. The values plane executes a matched pair once, when both are
//     done (isa/semantics/pair.h), consistent with that order.
// APPROX: sendrecv's pipe_id is not modelled (the positional pairing covers it); the transfer
// is costed as a DMA copy of its bytes on the sending core's queues, with no HBM traffic.
#pragma once

#include <cstdint>
#include <vector>

#include "isa/program.h"
#include "sim/config/hw_config.h"
#include "sim/core/timing_plan.h"
#include "sim/pair/pair_links.h"

namespace trnsim::sim {

struct PairPlan {
  TimingPlan plan;
  int32_t core1_begin = 0;
  std::vector<int32_t> partner;  // per instruction: the matched pair instruction, or -1
};

// Throws trnsim::Error when the two programs' pair instructions do not match up (count or
// opcode), or build_plan throws for either program.
PairPlan build_pair_plan(const isa::Program& core0, const isa::Program& core1,
                         const HwConfig& cfg, const PairLinks& links);

}  // namespace trnsim::sim
