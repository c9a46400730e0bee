// The cost model: one pure function per isa::CostClass returning {occupancy, latency} of one
// instruction in its engine's cycles (DMA: ns). Occupancy is how long the engine (queue) is
// busy before it can start its next instruction; latency is issue-to-result-visible time
// (>= occupancy). Formulas follow the NKI ISA reference "estimated cost" notes and the NKI
// performance / DMA guides (shared/hardware/NEURONCORE.md); every number comes from HwConfig.
// Abstracts away: data-dependent timing, PE-array warm-up beyond a fixed first latency, and any
// contention (shared SBUF/PSUM ports and HBM bandwidth are modelled in sim/memory/ at run time).
#pragma once

#include <cstdint>

#include "isa/program.h"
#include "sim/config/hw_config.h"

namespace trnsim::sim {

struct Cost {
  int64_t occupancy_cycles = 0;
  int64_t latency_cycles = 0;
};

// One function per cost class (isa::CostClass). Each expects a validated instruction of that
// class. Stream-class costs use the spec of the engine the instruction runs on.
Cost matmul_cost(const isa::Program& prog, const isa::Instruction& ins, const HwConfig& cfg);
Cost transpose_cost(const isa::Program& prog, const isa::Instruction& ins, const HwConfig& cfg);
Cost stream1_cost(const isa::Program& prog, const isa::Instruction& ins, const HwConfig& cfg);
Cost stream2_cost(const isa::Program& prog, const isa::Instruction& ins, const HwConfig& cfg);
Cost bn_aggr_cost(const isa::Program& prog, const isa::Instruction& ins, const HwConfig& cfg);
Cost reciprocal_cost(const isa::Program& prog, const isa::Instruction& ins,
                     const HwConfig& cfg);
Cost gpsimd_index_cost(const isa::Program& prog, const isa::Instruction& ins,
                       const HwConfig& cfg);
Cost partition_reduce_cost(const isa::Program& prog, const isa::Instruction& ins,
                           const HwConfig& cfg);
Cost dma_cost(const isa::Program& prog, const isa::Instruction& ins, const HwConfig& cfg);
Cost dma_transpose_cost(const isa::Program& prog, const isa::Instruction& ins,
                        const HwConfig& cfg);
Cost dynamic_copy_cost(const isa::Program& prog, const isa::Instruction& ins,
                       const HwConfig& cfg);
Cost gather_cost(const isa::Program& prog, const isa::Instruction& ins, const HwConfig& cfg);
Cost semaphore_cost(const isa::Program& prog, const isa::Instruction& ins, const HwConfig& cfg);
// One DMA transfer (or one piece of a transfer spread over several queues, sim/dma/) of
// `bytes` on one queue, with descriptors of `bytes_per_partition`; `efficiency_factor` is 1 for
// a copy and dma.transpose_efficiency for a transpose. dma_cost() is the whole transfer on one
// queue.
Cost dma_transfer_cost(const DmaSpec& dma, double bytes, double bytes_per_partition,
                       double efficiency_factor);

// Dispatches on info(ins.op).cost_class.
Cost instruction_cost(const isa::Program& prog, const isa::Instruction& ins, const HwConfig& cfg);

// Helpers shared by the cost functions and by tests.
// Elements per partition the instruction streams: the largest input view, else the largest
// output view.
int64_t stream_elements(const isa::Program& prog, const isa::Instruction& ins);
// stride_penalty_factor if any on-chip view operand has an innermost stride above
// stride_penalty_bytes, else 1.
double stride_factor(const isa::Program& prog, const isa::Instruction& ins, const HwConfig& cfg);
// DMA efficiency (fraction of queue peak) for a transfer of `bytes_per_partition`.
double dma_efficiency(const DmaSpec& dma, double bytes_per_partition);
// Bytes a DMA moves (destination view; the source view of a DMA addressed at run time on the
// destination side) and bytes per partition (descriptor size).
int64_t dma_bytes(const isa::Program& prog, const isa::Instruction& ins);
double dma_bytes_per_partition(const isa::Program& prog, const isa::Instruction& ins);
// FLOPs of a tensor-engine instruction (2*K*M*N for nc_matmul), 0 otherwise.
double instruction_flops(const isa::Program& prog, const isa::Instruction& ins);
// The largest cost of one instruction, in cycles or picoseconds (2^44, ~17 s of simulated
// time): bounds every cost so sums over a program stay far from int64 overflow.
inline constexpr int64_t kMaxCostCycles = int64_t(1) << 44;
// Rounds a fractional cycle count up, tolerating float noise (13*3/3 is 13, not 14); throws
// trnsim::Error above kMaxCostCycles (or NaN).
int64_t ceil_cycles(double cycles);

// A streaming-engine cost: `occupancy` cycles busy; the result is visible after the SBUF access
// overhead and the engine's static overhead on top.
Cost streaming_cost(int64_t occupancy, const StreamEngineSpec& s, const HwConfig& cfg);

}  // namespace trnsim::sim
