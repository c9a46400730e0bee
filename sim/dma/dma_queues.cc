#include "sim/dma/dma_queues.h"

#include <string>

#include "isa/error.h"
#include "sim/cost/cost_model.h"

namespace trnsim::sim {

std::vector<int32_t> assign_dma_queues(const isa::Program& prog, const HwConfig& cfg) {
  std::vector<int32_t> queue(prog.instructions.size(), -1);
  int32_t next = 0;
  for (size_t i = 0; i < prog.instructions.size(); ++i) {
    const isa::Instruction& ins = prog.instructions[i];
    if (ins.engine != isa::Engine::kDma) continue;
    const int slot = isa::info(ins.op).attr_index("queue");
    const double fixed = slot >= 0 && ins.attrs[slot].present ? ins.attrs[slot].num : -1;
    if (fixed >= 0) {
      if (fixed >= cfg.dma.queues) {
        throw Error("instruction " + std::to_string(i) + " (" +
                    std::string(isa::opcode_name(ins.op)) + "): queue " +
                    std::to_string(static_cast<int64_t>(fixed)) + " out of range, " +
                    cfg.name + " has " + std::to_string(cfg.dma.queues) + " DMA queues");
      }
      queue[i] = static_cast<int32_t>(fixed);
    } else {
      queue[i] = next;
      next = (next + 1) % cfg.dma.queues;
    }
  }
  return queue;
}

int64_t dma_hbm_bytes(const isa::Program& prog, const isa::Instruction& ins) {
  int sides = 0;
  if (ins.operand("dst").view.buf.memory == isa::Memory::kHbm) ++sides;
  if (ins.operand("src").view.buf.memory == isa::Memory::kHbm) ++sides;
  return sides * dma_bytes(prog, ins);
}

}  // namespace trnsim::sim
