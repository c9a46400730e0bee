// Costs of the GpSimd gather and segment instructions.
// - local_gather: NKI ISA reference, local_gather "estimated instruction cost"
// (SDK 2.26 and
//   2.27+ pages): 150 + (num_valid_indices * num_elem_per_idx) / C GpSimd
//   cycles with C = ((28 + t*k) / (t*k)) / min(4 / dtype_size, k), t = 4, k =
//   num_elem_per_idx. APPROX: read literally (divide by C) the formula makes a
//   gather slower per element the more contiguous elements each index reads (C
//   falls as k grows) and slower for 2-byte than for 4-byte data, the opposite
//   of the page's own text (num_elem_per_idx is there "to improve gather
//   throughput"; min(4 / dtype_size, k) packs narrow elements into 4-byte
//   words). C is therefore used as what its form says it is, cycles per
//   gathered element (a batch of t indices costs 28 cycles plus t*k element
//   moves, packed elements move together): 150 + num_valid_indices * k * C. The
//   numbers (150, 28, t, 4) are in sim/configs/*.json.
// - sequence_bounds: no cost is documented. APPROX (derived from the GpSimd
// rule "max(MIN_II,
//   N) cycles per input stream", shared/hardware/NEURONCORE.md): the
//   reference's equivalent is two dependent scans over the n segment ids
//   (starts forward, ends backward), charged as one stream over the 2n output
//   elements: max(MIN_II, 2n / elements_per_cycle).
// Latency adds the SBUF access and static overheads, as for every streaming
// instruction.
#include <algorithm>

#include "isa/dtype.h"
#include "sim/cost/cost_model.h"

namespace trnsim::sim {

double local_gather_cycles_per_element(const StreamEngineSpec &s, int64_t k,
                                       int dtype_bytes) {
  const double batch_elements =
      static_cast<double>(s.local_gather_batch_indices * k);
  const double per_element =
      (static_cast<double>(s.local_gather_batch_overhead_cycles) +
       batch_elements) /
      batch_elements;
  const double packed =
      std::min(static_cast<double>(s.local_gather_word_bytes) /
                   static_cast<double>(dtype_bytes),
               static_cast<double>(k));
  return per_element / packed;
}

Cost local_gather_cost(const isa::Program &prog, const isa::Instruction &ins,
                       const HwConfig &cfg) {
  const StreamEngineSpec &s = cfg.stream(ins.engine);
  const isa::View &src = ins.operand("src").view;
  const int64_t k = static_cast<int64_t>(ins.attr("num_elem_per_idx").num);
  // dst holds num_valid_indices * k elements per partition (validated).
  const double elements =
      static_cast<double>(ins.operand("dst").view.free_elements());
  const double c = local_gather_cycles_per_element(
      s, k, isa::dtype_bytes(prog.dtype_of(src.buf)));
  return streaming_cost(s.local_gather_base_cycles + ceil_cycles(elements * c),
                        s, cfg);
}

Cost sequence_bounds_cost(const isa::Program &prog, const isa::Instruction &ins,
                          const HwConfig &cfg) {
  (void)prog;
  const StreamEngineSpec &s = cfg.stream(ins.engine);
  const double n =
      static_cast<double>(ins.operand("segment_ids").view.free_elements());
  return streaming_cost(
      std::max(s.min_ii_cycles, ceil_cycles(2 * n / s.elements_per_cycle)), s,
      cfg);
}

} // namespace trnsim::sim
