// DMA queue assignment: an instruction's "queue" attribute if >= 0, else round robin over the
// configured queues in program order (counting only DMA instructions without a fixed queue).
#pragma once

#include <cstdint>
#include <vector>

#include "isa/program.h"
#include "sim/config/hw_config.h"

namespace trnsim::sim {

// Returns, per instruction, its DMA queue in [0, cfg.dma.queues), or -1 for compute
// instructions. Throws trnsim::Error naming the instruction if a queue attribute is out of
// range.
std::vector<int32_t> assign_dma_queues(const isa::Program& prog, const HwConfig& cfg);

// Bytes a DMA moves through HBM (once per side that is in HBM).
int64_t dma_hbm_bytes(const isa::Program& prog, const isa::Instruction& ins);

}  // namespace trnsim::sim
