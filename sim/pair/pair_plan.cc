#include "sim/pair/pair_plan.h"

#include <algorithm>
#include <cmath>
#include <string>
#include <utility>

#include "isa/error.h"
#include "isa/semantics/pair.h"
#include "sim/memory/shared_resources.h"

namespace trnsim::sim {
namespace {

struct Edge {
  int32_t producer;
  int64_t sync_ps;
  uint8_t raw;
};
using EdgeLists = std::vector<std::vector<Edge>>;

// Appends plan `t`'s instructions and pieces to `out`, shifted to core `core`'s queues.
void append_core(const TimingPlan& t, int core, double hbm_scale, TimingPlan* out,
                 EdgeLists* deps) {
  const int32_t instr_base = out->size();
  const int32_t piece_base = out->num_pieces();
  const int32_t cost_base = static_cast<int32_t>(out->costs.size());
  const int queue_base = core * kQueuesPerCore;
  for (int32_t i = 0; i < t.size(); ++i) {
    out->queue_of.push_back(t.queue_of[i] + queue_base);
    out->piece_begin.push_back(t.piece_begin[i + 1] + piece_base);
    out->ports.push_back(static_cast<uint8_t>(t.ports[i] << (core * kNumSharedPorts)));
    out->in_program_order.push_back(t.in_program_order[i]);
    out->engine.push_back(t.engine[i]);
    out->cycles.push_back(t.cycles[i]);
    out->bytes.push_back(t.bytes[i]);
    out->flops.push_back(t.flops[i]);
    std::vector<Edge> edges;
    for (int32_t d = t.dep_begin[i]; d < t.dep_begin[i + 1]; ++d)
      edges.push_back({t.dep_producer[d] + instr_base, t.dep_sync_ps[d], t.dep_raw[d]});
    deps->push_back(std::move(edges));
  }
  for (int32_t k = 0; k < t.num_pieces(); ++k) {
    out->piece_instr.push_back(t.piece_instr[k] + instr_base);
    out->piece_queue.push_back(static_cast<uint8_t>(t.piece_queue[k] + queue_base));
    out->piece_cost.push_back(t.piece_cost[k] + cost_base);
  }
  for (TimingPlan::PieceCost c : t.costs) {
    c.hbm_ps = std::llround(static_cast<double>(c.hbm_ps) * hbm_scale);
    out->costs.push_back(c);
  }
}

std::vector<int32_t> pair_instructions(const isa::Program& prog) {
  std::vector<int32_t> out;
  for (size_t i = 0; i < prog.instructions.size(); ++i)
    if (isa::is_pair_instruction(prog.instructions[i].op)) out.push_back(int32_t(i));
  return out;
}

std::string name_of(const isa::Program& prog, int32_t i) {
  const isa::Instruction& ins = prog.instructions[i];
  return "instruction " + std::to_string(i) + " (" + std::string(isa::opcode_name(ins.op)) +
         (ins.label.empty() ? "" : " '" + ins.label + "'") + ")";
}

// Matches the pair instructions positionally; returns (core 0 index, core 1 local index).
std::vector<std::pair<int32_t, int32_t>> match(const isa::Program& core0,
                                               const isa::Program& core1) {
  const std::vector<int32_t> a = pair_instructions(core0), b = pair_instructions(core1);
  for (size_t k = 0; k < std::min(a.size(), b.size()); ++k) {
    if (core0.instructions[a[k]].op != core1.instructions[b[k]].op)
      throw Error("pair: core 0's " + name_of(core0, a[k]) + " meets core 1's " +
                  name_of(core1, b[k]) + ": the n-th core_barrier / sendrecv of each core "
                  "must be the same instruction");
  }
  if (a.size() != b.size()) {
    const bool more0 = a.size() > b.size();
    const isa::Program& prog = more0 ? core0 : core1;
    const int32_t extra = more0 ? a[b.size()] : b[a.size()];
    throw Error("pair: core 0 has " + std::to_string(a.size()) + " core_barrier / sendrecv, "
                "core 1 has " + std::to_string(b.size()) + "; core " + (more0 ? "0" : "1") +
                "'s " + name_of(prog, extra) + " has no partner (it would wait forever)");
  }
  std::vector<std::pair<int32_t, int32_t>> out;
  for (size_t k = 0; k < a.size(); ++k) out.push_back({a[k], b[k]});
  return out;
}

}  // namespace

PairPlan build_pair_plan(const isa::Program& core0, const isa::Program& core1,
                         const HwConfig& cfg, const PairLinks& links) {
  const auto matches = match(core0, core1);
  const TimingPlan t0 = build_plan(core0, cfg), t1 = build_plan(core1, cfg);
  PairPlan pp;
  TimingPlan& p = pp.plan;
  p.num_queues = kQueuesPerCore + t1.num_queues;
  p.piece_begin.push_back(0);
  // Each core's pieces reserve HBM at its per-core rate; the shared calendar runs at the pair's.
  const double hbm_scale = cfg.dma.hbm_bytes_per_ns / links.hbm_bytes_per_ns;
  EdgeLists deps;
  append_core(t0, 0, hbm_scale, &p, &deps);
  pp.core1_begin = p.size();
  append_core(t1, 1, hbm_scale, &p, &deps);

  const int32_t n = p.size();
  pp.partner.assign(n, -1);
  EdgeLists consumers(n);  // intra-core reverse edges, before any cross-core edge
  for (int32_t i = 0; i < n; ++i)
    for (const Edge& e : deps[i]) consumers[e.producer].push_back({i, e.sync_ps, e.raw});
  const int64_t sem_ps = std::llround(links.semaphore_ns * 1000.0);
  for (const auto& [a, local_b] : matches) {
    const int32_t b = local_b + pp.core1_begin;
    pp.partner[a] = b;
    pp.partner[b] = a;
    // The peer's producers on the peer's core (edges it got from earlier matches point back
    // to this core and are not copied).
    const std::vector<Edge> from_a = deps[a], from_b = deps[b];
    for (const Edge& e : from_b)
      if (e.producer >= pp.core1_begin) deps[a].push_back({e.producer, sem_ps, e.raw});
    for (const Edge& e : from_a)
      if (e.producer < pp.core1_begin) deps[b].push_back({e.producer, sem_ps, e.raw});
    for (const Edge& c : consumers[b]) deps[c.producer].push_back({a, sem_ps, c.raw});
    for (const Edge& c : consumers[a]) deps[c.producer].push_back({b, sem_ps, c.raw});
  }
  p.dep_begin.assign(n + 1, 0);
  for (int32_t i = 0; i < n; ++i) {
    for (const Edge& e : deps[i]) {
      p.dep_producer.push_back(e.producer);
      p.dep_sync_ps.push_back(e.sync_ps);
      p.dep_raw.push_back(e.raw);
    }
    p.dep_begin[i + 1] = static_cast<int32_t>(p.dep_producer.size());
  }
  return pp;
}

}  // namespace trnsim::sim
