#include <algorithm>
#include <cmath>
#include <string>

#include "isa/access_pattern.h"
#include "isa/error.h"
#include "sim/cost/cost_model.h"

namespace trnsim::sim {

int64_t ceil_cycles(double cycles) {
  if (!(cycles <= double(kMaxCostCycles)))  // also NaN
    throw Error("cost model: an instruction costs " + std::to_string(cycles) +
                " cycles, more than the limit of 2^44 cycles (check the hardware config's cost "
                "constants and the instruction's size)");
  return static_cast<int64_t>(std::ceil(cycles - 1e-6));
}

int64_t stream_elements(const isa::Program& prog, const isa::Instruction& ins) {
  const isa::InstrInfo& in = isa::info(ins.op);
  int64_t inputs = 0, outputs = 0;
  for (size_t i = 0; i < in.operands.size() && i < ins.operands.size(); ++i) {
    if (!ins.operands[i].is_view()) continue;
    const int64_t n = ins.operands[i].view.free_elements();
    if (in.operands[i].kind == isa::OperandKind::kOut) {
      outputs = std::max(outputs, n);
    } else {
      inputs = std::max(inputs, n);
    }
  }
  return inputs > 0 ? inputs : outputs;
}

namespace {

// isa::lower(prog, v).innermost_stride_bytes() of an on-chip view, without lowering: the
// stride of the innermost free dim whose count is not 1 (coalescing keeps the inner stride).
int64_t tile_innermost_stride_bytes(const isa::Program& prog, const isa::View& v) {
  const isa::Tile& t = prog.tiles[v.buf.index];
  int64_t stride = 1;
  for (size_t d = t.free_shape.size(); d >= 1; --d) {
    if (d < v.dims.size() && v.dims[d].count() != 1) {
      return stride * v.dims[d].step * isa::dtype_bytes(t.dtype);
    }
    stride *= t.free_shape[d - 1];
  }
  return 0;
}

}  // namespace

double stride_factor(const isa::Program& prog, const isa::Instruction& ins, const HwConfig& cfg) {
  for (const isa::Operand& op : ins.operands) {
    if (!op.is_view() || op.view.buf.memory == isa::Memory::kHbm) continue;
    if (tile_innermost_stride_bytes(prog, op.view) > cfg.memory.stride_penalty_bytes) {
      return cfg.memory.stride_penalty_factor;
    }
  }
  return 1;
}

double dma_efficiency(const DmaSpec& dma, double bytes_per_partition) {
  const auto& pts = dma.efficiency_by_bytes;
  if (bytes_per_partition <= pts.front().first) return pts.front().second;
  if (bytes_per_partition >= pts.back().first) return pts.back().second;
  for (size_t i = 1; i < pts.size(); ++i) {
    if (bytes_per_partition <= pts[i].first) {
      const double t = (bytes_per_partition - pts[i - 1].first) / (pts[i].first - pts[i - 1].first);
      return pts[i - 1].second + t * (pts[i].second - pts[i - 1].second);
    }
  }
  return pts.back().second;
}

namespace {

// The view whose elements a DMA moves: dst, except for the DMAs addressed at run time on the
// dst side, whose dst names a bounding range (their src has the moved elements).
const isa::View& moved_view(const isa::Instruction& ins) {
  const bool dynamic_dst = ins.op == isa::Opcode::dma_copy_dynamic_dst ||
                           ins.op == isa::Opcode::dma_copy_indirect_dst;
  return ins.operand(dynamic_dst ? "src" : "dst").view;
}

}  // namespace

int64_t dma_bytes(const isa::Program& prog, const isa::Instruction& ins) {
  const isa::View& v = moved_view(ins);
  return v.partitions() * v.free_elements() * isa::dtype_bytes(prog.dtype_of(v.buf));
}

double dma_bytes_per_partition(const isa::Program& prog, const isa::Instruction& ins) {
  const int64_t p = std::max<int64_t>(1, moved_view(ins).partitions());
  return static_cast<double>(dma_bytes(prog, ins)) / static_cast<double>(p);
}

double instruction_flops(const isa::Program& prog, const isa::Instruction& ins) {
  if (ins.op != isa::Opcode::nc_matmul) return 0;
  const isa::View& st = ins.operand("stationary").view;
  const isa::View& mv = ins.operand("moving").view;
  return 2.0 * static_cast<double>(st.partitions()) * static_cast<double>(st.free_elements()) *
         static_cast<double>(mv.free_elements());
}

Cost instruction_cost(const isa::Program& prog, const isa::Instruction& ins, const HwConfig& cfg) {
  switch (isa::info(ins.op).cost_class) {
    case isa::CostClass::kMatmul:
      return matmul_cost(prog, ins, cfg);
    case isa::CostClass::kTranspose:
      return transpose_cost(prog, ins, cfg);
    case isa::CostClass::kStream1:
      return stream1_cost(prog, ins, cfg);
    case isa::CostClass::kStream2:
      return stream2_cost(prog, ins, cfg);
    case isa::CostClass::kBnAggr:
      return bn_aggr_cost(prog, ins, cfg);
    case isa::CostClass::kReciprocal:
      return reciprocal_cost(prog, ins, cfg);
    case isa::CostClass::kGpsimdIndex:
      return gpsimd_index_cost(prog, ins, cfg);
    case isa::CostClass::kPartitionReduce:
      return partition_reduce_cost(prog, ins, cfg);
    case isa::CostClass::kDma:
      return dma_cost(prog, ins, cfg);
    case isa::CostClass::kDmaTranspose:
      return dma_transpose_cost(prog, ins, cfg);
    case isa::CostClass::kDynamicCopy:
      return dynamic_copy_cost(prog, ins, cfg);
    case isa::CostClass::kGather:
      return gather_cost(prog, ins, cfg);
    case isa::CostClass::kSemaphore:
      return semaphore_cost(prog, ins, cfg);
  }
  return {};
}

Cost streaming_cost(int64_t occupancy, const StreamEngineSpec& s, const HwConfig& cfg) {
  Cost c;
  c.occupancy_cycles = occupancy;
  c.latency_cycles = occupancy + cfg.memory.access_overhead_cycles + s.static_overhead_cycles;
  return c;
}

}  // namespace trnsim::sim
