#include "sim/dma/dma_queues.h"

#include <algorithm>
#include <array>
#include <string>

#include "isa/error.h"

namespace trnsim::sim {
namespace {

// Descriptor rows: the partitions of the view the DMA moves (dst; src for the DMAs addressed at
// run time on the destination side, as dma_bytes counts them).
int64_t moved_partitions(const isa::Instruction& ins) {
  const bool dynamic_dst = ins.op == isa::Opcode::dma_copy_dynamic_dst ||
                           ins.op == isa::Opcode::dma_copy_indirect_dst;
  return ins.operand(dynamic_dst ? "src" : "dst").view.partitions();
}

}  // namespace

std::vector<DmaPlacement> place_dma(const isa::Program& prog, const HwConfig& cfg) {
  std::vector<DmaPlacement> out(prog.instructions.size());
  const int32_t queues = cfg.dma.queues;
  int32_t next = 0;
  std::array<int, isa::kNumOpcodes> slots;  // "queue" attribute slot per opcode, looked up once
  slots.fill(-2);
  for (size_t i = 0; i < prog.instructions.size(); ++i) {
    const isa::Instruction& ins = prog.instructions[i];
    if (ins.engine != isa::Engine::kDma) continue;
    const bool copy = ins.op != isa::Opcode::dma_transpose;  // every row-granular copy
    int& slot = slots[static_cast<size_t>(ins.op)];
    if (slot == -2) slot = isa::info(ins.op).attr_index("queue");
    const double fixed = slot >= 0 && ins.attrs[slot].present ? ins.attrs[slot].num : -1;
    DmaPlacement& pl = out[i];
    pl.rows = std::max<int64_t>(1, moved_partitions(ins));
    if (fixed >= 0) {
      if (fixed >= queues) {
        throw Error("instruction " + std::to_string(i) + " (" +
                    std::string(isa::opcode_name(ins.op)) + "): queue " +
                    std::to_string(static_cast<int64_t>(fixed)) + " out of range, " +
                    cfg.name + " has " + std::to_string(queues) + " DMA queues");
      }
      pl.first_queue = static_cast<int32_t>(fixed);
      pl.pieces = 1;
      continue;
    }
    pl.first_queue = next;
    pl.pieces = copy ? static_cast<int32_t>(std::min<int64_t>(queues, pl.rows)) : 1;
    next = (next + pl.pieces) % queues;
  }
  return out;
}

int dma_hbm_sides(const isa::Instruction& ins) {
  int sides = 0;
  if (ins.operand("dst").view.buf.memory == isa::Memory::kHbm) ++sides;
  if (ins.operand("src").view.buf.memory == isa::Memory::kHbm) ++sides;
  return sides;
}

}  // namespace trnsim::sim
