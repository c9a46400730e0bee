// Costs of the instructions with runtime (data-dependent) addressing.
// - tensor_copy_dynamic_src / _dst: NKI ISA reference "estimated cost" (SDK 2.22+):
//   max(MIN_II_DYNAMIC, N) engine cycles, N = elements per partition of the copied window,
//   MIN_II_DYNAMIC roughly 600 cycles (the engine must first read the offset from SBUF).
// - nc_n_gather: NKI ISA reference (SDK 2.29): the instruction is n = ceil(N / 512) groups of
//   ISA instructions, N = elements per partition of dst.
// APPROX: the reference gives no nc_n_gather cycle count; each group is charged as one
//   GpSimd instruction streaming its (<= 512) output elements, max(MIN_II, elements) cycles,
//   and the groups run back to back.
// APPROX: the cost does not depend on the runtime index values (no bank conflicts modelled).
// Latency adds the SBUF access and static overheads, as for every streaming instruction.
#include <algorithm>

#include "sim/cost/cost_model.h"

namespace trnsim::sim {

Cost dynamic_copy_cost(const isa::Program& prog, const isa::Instruction& ins,
                       const HwConfig& cfg) {
  const StreamEngineSpec& s = cfg.stream(ins.engine);
  // The window has the element count of the statically addressed side.
  const bool dynamic_src = ins.op == isa::Opcode::tensor_copy_dynamic_src;
  const isa::View& window_like = ins.operand(dynamic_src ? "dst" : "src").view;
  const double n = static_cast<double>(window_like.free_elements());
  const double elem_cycles = n / s.elements_per_cycle * stride_factor(prog, ins, cfg);
  return streaming_cost(std::max(s.min_ii_dynamic_cycles, ceil_cycles(elem_cycles)), s, cfg);
}

Cost gather_cost(const isa::Program& prog, const isa::Instruction& ins, const HwConfig& cfg) {
  (void)prog;
  const StreamEngineSpec& s = cfg.stream(ins.engine);
  const int64_t n = ins.operand("dst").view.free_elements();
  const int64_t group = s.gather_group_elements;
  const auto group_cycles = [&](int64_t elems) {
    const double cycles = static_cast<double>(elems) / s.elements_per_cycle;
    return std::max(s.min_ii_cycles, ceil_cycles(cycles));
  };
  const int64_t full_groups = n / group, rest = n % group;
  const int64_t occupancy = full_groups * group_cycles(group) + (rest ? group_cycles(rest) : 0);
  return streaming_cost(std::max<int64_t>(occupancy, s.min_ii_cycles), s, cfg);
}

}  // namespace trnsim::sim
