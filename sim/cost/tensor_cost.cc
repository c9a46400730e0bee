// Tensor-engine costs: nc_matmul and nc_transpose on the PE array.
#include <algorithm>

#include "sim/cost/cost_model.h"

namespace trnsim::sim {
namespace {

bool is_fp32(const isa::Program& prog, const isa::View& v) {
  return prog.dtype_of(v.buf) == isa::DType::kFp32;
}

// One pass of `moving_free` columns against a stationary tile of `stationary_free` columns.
// Source: NKI ISA nc_matmul estimated cost: max(min(64, N_stationary), N_moving) cycles for
// bf16/fp16/tf32/fp8, 4x for fp32; initial latency ~64 cycles.
// The background stationary load takes N_stationary / stationary_load_speedup cycles, at most
// 128/4 = 32 < min(64, N_stationary) for N_stationary >= 43 and < N_stationary below, so it always
// hides under the pass floor and adds nothing.
// APPROX: the stationary load of the very first matmul (nothing to overlap with) is not
// charged; the "issue interval ~128 when the stationary tile is short" note is not modelled.
Cost pe_pass(const TensorEngineSpec& t, int64_t stationary_free, int64_t moving_free,
             double pass_factor) {
  const int64_t pass = std::max(std::min(t.min_moving_cycles, stationary_free), moving_free);
  Cost c;
  c.occupancy_cycles = ceil_cycles(static_cast<double>(pass) * pass_factor);
  c.latency_cycles = c.occupancy_cycles + t.first_latency_cycles;
  return c;
}

}  // namespace

Cost matmul_cost(const isa::Program& prog, const isa::Instruction& ins, const HwConfig& cfg) {
  const isa::View& st = ins.operand("stationary").view;
  const isa::View& mv = ins.operand("moving").view;
  // APPROX: "fp32 operands" = either operand stored as fp32.
  const bool fp32 = is_fp32(prog, st) || is_fp32(prog, mv);
  return pe_pass(cfg.tensor, st.free_elements(), mv.free_elements(),
                 fp32 ? static_cast<double>(cfg.tensor.fp32_pass_factor) : 1.0);
}

Cost transpose_cost(const isa::Program& prog, const isa::Instruction& ins, const HwConfig& cfg) {
  const isa::View& src = ins.operand("src").view;
  if (ins.engine != isa::Engine::kTensor) return stream1_cost(prog, ins, cfg);
  // A PE-array transpose is a matmul of src (stationary [P, F]) with an identity moving tile
  // [P, P]: max(min(64, F), P) cycles. fp32 goes through the transpose path, which is
  // transpose_fp32_speedup times faster than the fp32 matmul path (trn2 note: 2x).
  // APPROX: the identity tile is assumed resident (no load cost).
  const double factor = is_fp32(prog, src) ? static_cast<double>(cfg.tensor.fp32_pass_factor) /
                                                 cfg.tensor.transpose_fp32_speedup
                                           : 1.0;
  return pe_pass(cfg.tensor, src.free_elements(), src.partitions(), factor);
}

}  // namespace trnsim::sim
