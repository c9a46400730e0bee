#include "workloads/model_timing.h"

#include <algorithm>
#include <map>

#include "isa/error.h"
#include "workloads/lnc_split.h"

namespace trnsim::workloads {
namespace {

// One op on the rank's cores (lnc_split.h): launches = the busiest core's invocation count;
// each launch ends with the pair barrier and the partial-sum exchange when LNC = 2.
OpSummary summarise(const OpInstance& op, Phase phase, const RunShape& rs, OpTimer& timer) {
  const KernelChoice& ch = timer.kernel_set().choice(op.role, phase);
  const LncSplit split = lnc_split(op, rs.lnc);
  double slowest_ns = 0, launches = 0, macs = 0, nki_macs = 0;
  int64_t instructions = 0;
  OpTiming slowest;
  for (const OpInstance& part : split.cores) {
    const OpTiming t = timer.time(part, phase);
    if (part.count * t.ns >= slowest_ns) slowest = t;
    slowest_ns = std::max(slowest_ns, part.count * t.ns);
    launches = std::max(launches, part.count);
    macs += part.count * t.macs;
    nki_macs += part.count * t.nki_macs;
    instructions += t.instructions;
  }
  const sim::DmaSpec& dma = timer.hw().dma;
  const double per_launch_ns =
      rs.lnc > 1 ? rs.lnc_barrier_ns + double(split.reduce_bytes) /
                                           (double(dma.queues) * dma.queue_bytes_per_ns)
                 : 0.0;
  const double total_ns = slowest_ns + launches * per_launch_ns;
  OpSummary s{op.name,          ch.kernel,      ch.variant,
              ch.nki ? ch.nki->name() : "",    op.count,       total_ns / op.count,
              macs / op.count,  nki_macs / op.count, instructions,
              split.split_dim,  slowest.program, slowest.run};
  return s;
}

}  // namespace

PhaseTiming time_phase(const ModelConfig& c, const RunShape& rs, Phase phase, int64_t kv_len,
                       OpTimer& timer) {
  const RankShapes r = rank_shapes(c, rs.tp);
  PlanShape ps{phase, rs.batch, phase == Phase::kPrefill ? rs.prompt_len : 1, kv_len,
               timer.kernel_set().fused_attention(phase)};
  PhaseTiming pt;
  double layer_macs = 0, layer_nki = 0;
  for (const OpInstance& op : layer_ops(c, r, ps)) {
    pt.layer_ops.push_back(summarise(op, phase, rs, timer));
    const OpSummary& s = pt.layer_ops.back();
    pt.layer_compute_ns += s.ns();
    layer_macs += s.count * s.macs_each;
    layer_nki += s.count * s.nki_macs_each;
  }
  const isa::DType dt = timer.kernel_set().dtype;
  pt.layer_collective_ns = 2 * all_reduce_ns(layer_all_reduce_bytes(c, ps, dt), rs.tp, rs.link);
  for (const OpInstance& op : head_ops(c, r, ps)) {
    pt.head_ops.push_back(summarise(op, phase, rs, timer));
    const OpSummary& s = pt.head_ops.back();
    pt.head_ns += s.ns();
    pt.macs += s.count * s.macs_each;
    pt.nki_macs += s.count * s.nki_macs_each;
  }
  const double tokens = double(rs.batch * ps.tokens);
  pt.embed_ns =
      tokens * double(c.hidden_size * isa::dtype_bytes(dt)) / timer.hw().dma.hbm_bytes_per_ns;
  pt.logits_gather_ns = all_gather_ns(rs.batch * c.vocab_size * 4, rs.tp, rs.link);
  pt.macs += layer_macs * double(c.num_layers);
  pt.nki_macs += layer_nki * double(c.num_layers);
  pt.total_ns =
      pt.embed_ns + double(c.num_layers) * pt.layer_ns() + pt.head_ns + pt.logits_gather_ns;
  return pt;
}

ModelTiming time_model(const ModelConfig& c, const RunShape& rs, OpTimer& timer,
                       const std::function<void(int64_t, int64_t)>& progress) {
  if (rs.prompt_len < 1 || rs.gen < 0 || rs.batch < 1)
    throw Error("model run: prompt length and batch must be >= 1 and gen >= 0");
  if (rs.prompt_len + rs.gen > c.max_position_embeddings)
    throw Error("model run: prompt + generated tokens (" + std::to_string(rs.prompt_len + rs.gen) +
                ") exceed max_position_embeddings " + std::to_string(c.max_position_embeddings));
  ModelTiming mt;
  mt.prefill = time_phase(c, rs, Phase::kPrefill, rs.prompt_len, timer);
  mt.ttft_ns = mt.prefill.total_ns;
  mt.macs = mt.prefill.macs;
  mt.nki_macs = mt.prefill.nki_macs;
  std::map<int64_t, PhaseTiming> by_len;
  const int64_t bucket = std::max<int64_t>(1, rs.decode_bucket);
  double sum = 0;
  for (int64_t g = 0; g < rs.gen; ++g) {
    const int64_t len = rs.prompt_len + g + 1;
    const int64_t timed_len =
        std::min(((len + bucket - 1) / bucket) * bucket, c.max_position_embeddings);
    auto it = by_len.find(timed_len);
    if (it == by_len.end())
      it = by_len.emplace(timed_len, time_phase(c, rs, Phase::kDecode, timed_len, timer)).first;
    mt.decode_step_ns.push_back(it->second.total_ns);
    sum += it->second.total_ns;
    mt.macs += it->second.macs;
    mt.nki_macs += it->second.nki_macs;
    mt.decode_last = it->second;
    if (progress) progress(g + 1, rs.gen);
  }
  if (rs.gen > 0) {
    mt.decode_ns_per_step = sum / double(rs.gen);
    mt.tokens_per_s = double(rs.batch) / (mt.decode_ns_per_step * 1e-9);
  }
  mt.simulations = timer.simulations();
  return mt;
}

}  // namespace trnsim::workloads
