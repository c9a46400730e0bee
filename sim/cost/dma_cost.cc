// DMA costs in ns (the DMA "clock" is 1 GHz: cycles == ns). Source: the DMA bandwidth guide:
// per-queue peak bandwidth, small transfers (< 256 B per partition) overhead-bound, >= 2 KiB per
// partition near peak, >= 4 KiB saturating at ~70% of peak; DMA transpose up to 90% of copy.
// Contention for the core's shared HBM bandwidth is applied at run time (sim/memory/).
// APPROX: efficiency depends only on bytes per partition of the destination, not on the
// descriptor layout of either side; SBUF->SBUF copies use the same efficiency curve.
#include "sim/cost/cost_model.h"

namespace trnsim::sim {
namespace {

Cost transfer(const isa::Program& prog, const isa::Instruction& ins, const HwConfig& cfg,
              double efficiency_factor) {
  return dma_transfer_cost(cfg.dma, static_cast<double>(dma_bytes(prog, ins)),
                           dma_bytes_per_partition(prog, ins), efficiency_factor);
}

}  // namespace

Cost dma_transfer_cost(const DmaSpec& dma, double bytes, double bytes_per_partition,
                       double efficiency_factor) {
  const double eff = dma_efficiency(dma, bytes_per_partition) * efficiency_factor;
  Cost c;
  c.occupancy_cycles = ceil_cycles(dma.fixed_ns + bytes / (dma.queue_bytes_per_ns * eff));
  c.latency_cycles = c.occupancy_cycles + ceil_cycles(dma.completion_latency_ns);
  return c;
}

Cost dma_cost(const isa::Program& prog, const isa::Instruction& ins, const HwConfig& cfg) {
  return transfer(prog, ins, cfg, 1.0);
}

Cost dma_transpose_cost(const isa::Program& prog, const isa::Instruction& ins,
                        const HwConfig& cfg) {
  return transfer(prog, ins, cfg, cfg.dma.transpose_efficiency);
}

}  // namespace trnsim::sim
