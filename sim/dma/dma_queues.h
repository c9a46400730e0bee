// DMA queue placement: which DMA queues each transfer runs on, and how it is cut into pieces.
// Models the documented default (NKI DMA overview): "each DMA transfer is by default
// parallelized up to 16 DMA engines, depending on the shape". A dma_copy without a "queue"
// attribute (or with queue -1), and likewise a runtime-addressed copy (dma_copy_dynamic_* and
// dma_copy_indirect_*, whose descriptors are the rows of their statically addressed side),
// is split into min(dma.queues, descriptors) pieces, each on its
// own queue; pieces take consecutive queues starting at a rotating pointer that advances by
// the piece count, so consecutive transfers also spread over the queues. A transfer with an
// explicit queue >= 0 stays whole on that queue.
// APPROX: a descriptor is one partition row of the destination view (dim 0 of an HBM view):
// strided rows are not cut into more descriptors, and large rows are not cut either, so a
// one-row transfer runs on one queue. Pieces get contiguous blocks of rows, the first
// (rows % pieces) pieces one row more than the others.
// APPROX: every piece pays dma.fixed_ns on its queue, and its efficiency is that of the
// transfer's bytes per row (sim/cost/dma_cost.cc), so small transfers spread over 16 queues
// pay 16 fixed costs.
// Each queue serves its pieces in ready order, not program order (sim/core/neuron_core.h): a
// load that is ready passes a store still waiting for its producer, so tiles written in program
// order (load i, compute i, store i, load i + 1, ...) overlap DMA with compute.
// APPROX: dma_transpose is element-granular and not spread (the documentation does not say
// how its descriptors are distributed): it takes one queue, round robin with the pointer.
#pragma once

#include <cstdint>
#include <vector>

#include "isa/program.h"
#include "sim/config/hw_config.h"

namespace trnsim::sim {

struct DmaPlacement {
  int32_t first_queue = -1;  // DMA queue of the first piece, -1 for compute instructions
  int32_t pieces = 0;        // >= 1 for DMA instructions; piece k runs on queue
                             // (first_queue + k) % dma.queues
  int64_t rows = 0;          // descriptors (partition rows of the destination) to share out
};

// Per instruction placement. Throws trnsim::Error naming the instruction if a queue attribute
// is out of range.
std::vector<DmaPlacement> place_dma(const isa::Program& prog, const HwConfig& cfg);

// Rows of piece k of a transfer of `rows` rows cut into `pieces` pieces.
inline int64_t piece_rows(int64_t rows, int32_t pieces, int32_t k) {
  return rows / pieces + (k < rows % pieces ? 1 : 0);
}

// The sides of a DMA that are in HBM (0, 1 or 2): it moves its bytes through HBM once per side.
int dma_hbm_sides(const isa::Instruction& ins);

}  // namespace trnsim::sim
