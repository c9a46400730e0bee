#include "sim/pair/pair_run.h"

#include <algorithm>
#include <utility>

#include "isa/error.h"
#include "isa/validate.h"
#include "sim/core/neuron_core.h"
#include "sim/engines/run_state.h"
#include "sim/inputs.h"
#include "sim/pair/pair_plan.h"

namespace trnsim::sim {

std::array<RunResult, 2> run_pair(const isa::Program& core0, const isa::Program& core1,
                                  const HwConfig& cfg, const PairLinks& links,
                                  isa::MachineState* values0, isa::MachineState* values1,
                                  std::vector<CrossCoreEdge>* cross_core_edges) {
  const PairPlan pp = build_pair_plan(core0, core1, cfg, links);
  RunState st;
  st.reset(pp.plan, &core0, values0);
  st.prog1 = &core1;
  st.values1 = values1;
  st.core1_begin = pp.core1_begin;
  st.partner = &pp.partner;
  NeuronCoreModel::instance().run(st);
  st.release_scheduling();
  if (cross_core_edges != nullptr) {
    const TimingPlan& p = pp.plan;
    const int32_t b = pp.core1_begin;
    for (int32_t i = 0; i < p.size(); ++i)
      for (int32_t d = p.dep_begin[i]; d < p.dep_begin[i + 1]; ++d) {
        const int32_t j = p.dep_producer[d];
        if ((i < b) == (j < b)) continue;
        cross_core_edges->push_back({j < b ? 0 : 1, i < b ? 0 : 1, j < b ? j : j - b,
                                     i < b ? i : i - b});
      }
  }
  RunResult first = collect_core(pp.plan, st, 0, pp.core1_begin, 0);
  RunResult second = collect_core(pp.plan, st, pp.core1_begin, pp.plan.size(), kQueuesPerCore);
  first.systemc_waits = second.systemc_waits = st.waits;  // one run served both cores
  return {std::move(first), std::move(second)};
}

PairSession run_pair_session(isa::Program& core0, isa::Program& core1, const HwConfig& cfg,
                             const SessionOptions& opts) {
  isa::Program* progs[2] = {&core0, &core1};
  for (int c = 0; c < 2; ++c) {
    try {
      isa::validate(*progs[c], cfg.memory.limits);
    } catch (const Error& e) {
      const std::string ctx = opts.error_context.empty() ? "" : opts.error_context + ": ";
      throw Error(ctx + "core " + std::to_string(c) + ": " + e.what());
    }
  }
  PairSession s;
  s.config = cfg;
  s.links = load_pair_links(cfg.name);
  if (opts.mode != Mode::kTimingOnly) {
    s.values[0] = std::make_unique<isa::MachineState>(core0, cfg.memory.limits);
    s.values[1] = std::make_unique<isa::MachineState>(core1, cfg.memory.limits);
    s.values[1]->share_hbm_with(*s.values[0]);
    load_inputs(*s.values[0], opts.input_files, opts.seed);
  } else if (!opts.input_files.empty()) {
    throw Error("--input has no effect in timing-only mode (no values are computed)");
  }
  s.results = run_pair(core0, core1, cfg, s.links, s.values[0].get(), s.values[1].get(),
                       &s.cross_core_edges);
  if (opts.mode == Mode::kValuesOnly) {
    s.results = {RunResult{}, RunResult{}};
    s.cross_core_edges.clear();
  }
  for (int c = 0; c < 2; ++c) s.stats[c] = compute_stats(*progs[c], s.results[c], cfg);
  if (opts.mode != Mode::kValuesOnly)
    s.total_ns = std::max(s.results[0].total_ns, s.results[1].total_ns) + s.links.semaphore_ns;
  return s;
}

}  // namespace trnsim::sim
