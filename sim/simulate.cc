#include "sim/simulate.h"

#include "isa/access_pattern.h"  // before semantics.h, which uses AccessPattern
#include "isa/error.h"
#include "isa/semantics/semantics.h"
#include "sim/core/neuron_core.h"
#include "sim/engines/run_state.h"

namespace trnsim::sim {
namespace {

constexpr double kPsPerNs = 1000.0;

RunResult collect(const TimingPlan& plan, const RunState& st) {
  RunResult r;
  const int32_t n = plan.size();
  r.records.resize(n);
  int64_t last_ps = 0;
  for (int32_t i = 0; i < n; ++i) {
    InstrRecord& rec = r.records[i];
    const int q = plan.queue_of[i];
    rec.index = i;
    rec.engine = plan.engine[i];
    rec.queue = static_cast<int16_t>(q >= kNumComputeQueues ? q - kNumComputeQueues : -1);
    rec.start_ns = static_cast<double>(st.start_ps[i]) / kPsPerNs;
    rec.end_ns = static_cast<double>(st.end_ps[i]) / kPsPerNs;
    rec.busy_ns = static_cast<double>(plan.occupancy_ps[i]) / kPsPerNs;
    rec.dep_wait_ns = static_cast<double>(st.idle_ps[i]) / kPsPerNs;
    rec.cycles = plan.cycles[i];
    rec.bytes = plan.bytes[i];
    rec.flops = plan.flops[i];
    last_ps = std::max(last_ps, st.end_ps[i]);
    for (int32_t k = plan.dep_begin[i]; k < plan.dep_begin[i + 1]; ++k) {
      if (plan.queue_of[plan.dep_producer[k]] != q) {
        r.cross_engine_edges.push_back({plan.dep_producer[k], i});
      }
    }
  }
  r.total_ns = static_cast<double>(last_ps) / kPsPerNs;
  return r;
}

}  // namespace

RunResult run_plan(const TimingPlan& plan, const isa::Program& prog, isa::MachineState* values) {
  RunState st;
  st.reset(plan, &prog, values);
  NeuronCoreModel::instance().run(st);
  return collect(plan, st);
}

RunResult simulate(const isa::Program& prog, const HwConfig& cfg, Mode mode,
                   isa::MachineState* values) {
  if (mode != Mode::kTimingOnly && values == nullptr) {
    throw Error("simulate: values mode needs a MachineState");
  }
  if (mode == Mode::kValuesOnly) {
    isa::execute_all(prog, *values);
    RunResult r;
    r.records.resize(prog.instructions.size());
    for (size_t i = 0; i < prog.instructions.size(); ++i) {
      r.records[i].index = static_cast<int32_t>(i);
      r.records[i].engine = prog.instructions[i].engine;
    }
    return r;
  }
  const TimingPlan plan = build_plan(prog, cfg);
  return run_plan(plan, prog, mode == Mode::kTimingOnly ? nullptr : values);
}

}  // namespace trnsim::sim
