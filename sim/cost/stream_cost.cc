// Vector / Scalar / GpSimd engine costs. Source: NKI ISA "estimated cost" notes and the NKI
// performance guide: max(MIN_II, N) cycles for one input stream of N elements per partition,
// ~2N for two input streams, bn_aggr max(64, 13N/3), reciprocal 8N, iota/affine_select 150+N;
// a static overhead of ~100 cycles for dependent instructions; ~60 cycles per SBUF/PSUM access
// request; bandwidth halves when the innermost stride exceeds 16 bytes.
// APPROX: partitions run in parallel, so the cost does not depend on the partition count.
// APPROX: the access overhead and the static overhead are pipeline latency: they delay the
// result (and so dependent instructions) but not the next independent instruction.
#include <algorithm>
#include <cmath>

#include "sim/cost/cost_model.h"

namespace trnsim::sim {
namespace {

// APPROX: the stride penalty scales the per-element term only, not MIN_II.
Cost streamed(const isa::Program& prog, const isa::Instruction& ins, const HwConfig& cfg,
              double cycles_per_elem) {
  const StreamEngineSpec& s = cfg.stream(ins.engine);
  const double n = static_cast<double>(stream_elements(prog, ins));
  const double elem_cycles = n * cycles_per_elem * stride_factor(prog, ins, cfg);
  return streaming_cost(std::max(s.min_ii_cycles, ceil_cycles(elem_cycles)), s, cfg);
}

}  // namespace

Cost stream1_cost(const isa::Program& prog, const isa::Instruction& ins, const HwConfig& cfg) {
  return streamed(prog, ins, cfg, 1.0 / cfg.stream(ins.engine).elements_per_cycle);
}

Cost stream2_cost(const isa::Program& prog, const isa::Instruction& ins, const HwConfig& cfg) {
  const StreamEngineSpec& s = cfg.stream(ins.engine);
  return streamed(prog, ins, cfg, s.two_input_factor / s.elements_per_cycle);
}

Cost bn_aggr_cost(const isa::Program& prog, const isa::Instruction& ins, const HwConfig& cfg) {
  return streamed(prog, ins, cfg, cfg.stream(ins.engine).bn_aggr_cycles_per_elem);
}

// Documented as 8N exactly (no MIN_II floor).
Cost reciprocal_cost(const isa::Program& prog, const isa::Instruction& ins,
                     const HwConfig& cfg) {
  const StreamEngineSpec& s = cfg.stream(ins.engine);
  const double n = static_cast<double>(stream_elements(prog, ins));
  return streaming_cost(
      ceil_cycles(n * s.reciprocal_cycles_per_elem * stride_factor(prog, ins, cfg)), s, cfg);
}

// iota / affine_select: 150 + N, N = elements per partition of the output.
Cost gpsimd_index_cost(const isa::Program& prog, const isa::Instruction& ins,
                       const HwConfig& cfg) {
  const StreamEngineSpec& s = cfg.stream(ins.engine);
  const double n = static_cast<double>(ins.operand("dst").view.free_elements());
  return streaming_cost(s.gpsimd_index_base_cycles + ceil_cycles(n / s.elements_per_cycle), s,
                        cfg);
}

// APPROX (inferred, undocumented): a cross-partition reduction is a tree of ceil(log2(P))
// one-input streaming steps over the N free elements.
Cost partition_reduce_cost(const isa::Program& prog, const isa::Instruction& ins,
                           const HwConfig& cfg) {
  const StreamEngineSpec& s = cfg.stream(ins.engine);
  const int64_t p = std::max<int64_t>(2, ins.operand("src").view.partitions());
  const int64_t steps = static_cast<int64_t>(std::ceil(std::log2(static_cast<double>(p))));
  const Cost one = streamed(prog, ins, cfg, 1.0 / s.elements_per_cycle);
  return streaming_cost(one.occupancy_cycles * steps, s, cfg);
}

}  // namespace trnsim::sim
