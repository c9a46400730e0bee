#include "sim/simulate.h"

#include <algorithm>
#include <cstdint>
#include <utility>
#include <vector>

#include "isa/access_pattern.h"  // before semantics.h, which uses AccessPattern
#include "isa/error.h"
#include "isa/semantics/semantics.h"
#include "sim/core/neuron_core.h"
#include "sim/engines/run_state.h"

namespace trnsim::sim {
namespace {

constexpr double kPsPerNs = 1000.0;

double ns(int64_t ps) { return static_cast<double>(ps) / kPsPerNs; }

// The binding dependency edge of instruction i: the latest producer end + sync (RAW on ties),
// or -1 if the edge is RAW (or i has none), when no idle time is spent on an anti-dependency.
int64_t anti_binding_ps(const TimingPlan& plan, const RunState& st, int32_t i) {
  int64_t binding = -1;
  bool raw = true;
  for (int32_t d = plan.dep_begin[i]; d < plan.dep_begin[i + 1]; ++d) {
    const int64_t t = st.instr_end_ps[plan.dep_producer[d]] + plan.dep_sync_ps[d];
    const bool edge_raw = size_t(d) >= plan.dep_raw.size() || plan.dep_raw[d] != 0;
    if (t > binding || (t == binding && edge_raw)) {
      binding = t;
      raw = edge_raw;
    }
  }
  return raw ? -1 : binding;
}

// The part of piece k's idle time spent waiting for an anti-dependency: up to `binding`
// (anti_binding_ps of its instruction).
int64_t anti_wait_ps(const RunState& st, int32_t k, int64_t binding) {
  if (st.idle_ps[k] <= 0 || binding < 0) return 0;
  const int64_t idle_from = st.start_ps[k] - st.idle_ps[k];
  return std::clamp<int64_t>(binding - idle_from, 0, st.idle_ps[k]);
}

// The DMA pieces of instructions [begin, end_instr), in program order, with their start order
// from the DMA process's issue order.
DmaPieces collect_dma_pieces(const TimingPlan& plan, const RunState& st, int32_t begin,
                             int32_t end_instr, int queue_base) {
  DmaPieces pieces;
  const int dma_base = queue_base + kNumComputeQueues;
  // Per instruction: its first run (DMA instructions with pieces), for mapping issue order.
  std::vector<int32_t> first_run(static_cast<size_t>(end_instr - begin), -1);
  for (int32_t i = begin; i < end_instr; ++i) {
    if (plan.engine[i] != isa::Engine::kDma || plan.pieces_of(i) == 0) continue;
    first_run[i - begin] = static_cast<int32_t>(pieces.runs());
    for (int32_t k = plan.piece_begin[i]; k < plan.piece_begin[i + 1]; ++k) {
      pieces.append_ps(i - begin, static_cast<int16_t>(plan.piece_queue[k] - dma_base),
                       st.start_ps[k], st.end_ps[k], st.busy_end_ps[k], st.idle_ps[k],
                       plan.cost_of(k).bytes);
    }
  }
  // The issue order (start order, but for pieces that started at one time in separate passes of
  // the DMA process), as runs: piece k of instruction i lies in one of i's runs.
  std::vector<int32_t> runs;
  runs.reserve(pieces.runs());
  for (const int32_t k : st.dma_issue_order) {
    const int32_t i = plan.piece_instr[k];
    if (i < begin || i >= end_instr) continue;  // the other core's (pair runs)
    size_t r = size_t(first_run[i - begin]);
    const size_t position = pieces.run_begin(r) + size_t(k - plan.piece_begin[i]);
    while (position >= pieces.run_begin(r) + pieces.run_size(r)) ++r;
    if (runs.empty() || runs.back() != int32_t(r)) runs.push_back(int32_t(r));
  }
  if (!pieces.empty()) pieces.set_run_order(std::move(runs));
  return pieces;
}

// Whether the edge producer -> consumer of instructions [begin, end_instr) joins two queues.
// Edges from the other core of a pair are not this core's (the pair timeline has them).
bool is_cross_engine_edge(const TimingPlan& plan, int32_t producer, int32_t consumer,
                          int32_t begin, int32_t end_instr) {
  return producer >= begin && producer < end_instr && !plan.same_queue(producer, consumer);
}

size_t cross_engine_edge_count(const TimingPlan& plan, int32_t begin, int32_t end_instr) {
  size_t count = 0;
  for (int32_t i = begin; i < end_instr; ++i) {
    for (int32_t k = plan.dep_begin[i]; k < plan.dep_begin[i + 1]; ++k) {
      count += is_cross_engine_edge(plan, plan.dep_producer[k], i, begin, end_instr) ? 1 : 0;
    }
  }
  return count;
}

}  // namespace

RunResult collect_core(const TimingPlan& plan, const RunState& st, int32_t begin,
                       int32_t end_instr, int queue_base) {
  RunResult r;
  const int32_t n = end_instr - begin;
  r.records.resize(n);
  r.cross_engine_edges.reserve(cross_engine_edge_count(plan, begin, end_instr));
  int64_t last_ps = 0;
  for (int32_t i = begin; i < end_instr; ++i) {
    InstrRecord& rec = r.records[i - begin];
    const int q = plan.queue_of[i] - queue_base;
    rec.index = i - begin;
    rec.engine = plan.engine[i];
    rec.queue = static_cast<int16_t>(q >= kNumComputeQueues ? q - kNumComputeQueues : -1);
    int64_t start = INT64_MAX, end = 0, busy_end = 0, idle = 0, anti = 0;
    const int64_t anti_binding = anti_binding_ps(plan, st, i);
    for (int32_t k = plan.piece_begin[i]; k < plan.piece_begin[i + 1]; ++k) {
      start = std::min(start, st.start_ps[k]);
      end = std::max(end, st.end_ps[k]);
      busy_end = std::max(busy_end, st.busy_end_ps[k]);
      idle += st.idle_ps[k];
      anti += anti_wait_ps(st, k, anti_binding);
    }
    rec.start_ns = ns(start);
    rec.end_ns = ns(end);
    rec.busy_ns = ns(busy_end - start);
    rec.dep_wait_ns = ns(idle);
    rec.anti_dep_wait_ns = ns(anti);
    rec.cycles = plan.cycles[i];
    rec.bytes = plan.bytes[i];
    rec.flops = plan.flops[i];
    last_ps = std::max(last_ps, end);
    for (int32_t k = plan.dep_begin[i]; k < plan.dep_begin[i + 1]; ++k) {
      const int32_t producer = plan.dep_producer[k];
      if (is_cross_engine_edge(plan, producer, i, begin, end_instr)) {
        r.cross_engine_edges.push_back({producer - begin, i - begin});
      }
    }
  }
  r.total_ns = ns(last_ps);
  r.dma_pieces = collect_dma_pieces(plan, st, begin, end_instr, queue_base);
  return r;
}

RunResult run_plan(const TimingPlan& plan, const isa::Program& prog, isa::MachineState* values) {
  RunState st;
  st.reset(plan, &prog, values);
  NeuronCoreModel::instance().run(st);
  st.release_scheduling();  // collect_core() needs the times only: lower the peak
  RunResult r = collect_core(plan, st, 0, plan.size(), 0);
  r.systemc_waits = st.waits;
  return r;
}

RunResult simulate(const isa::Program& prog, const HwConfig& cfg, Mode mode,
                   isa::MachineState* values) {
  if (mode != Mode::kTimingOnly && values == nullptr) {
    throw Error("simulate: values mode needs a MachineState");
  }
  if (mode == Mode::kValuesOnly) {
    isa::execute_all(prog, *values);
    return RunResult{};  // no timing records: compute_stats reports an untimed run
  }
  const TimingPlan plan = build_plan(prog, cfg);
  return run_plan(plan, prog, mode == Mode::kTimingOnly ? nullptr : values);
}

}  // namespace trnsim::sim
