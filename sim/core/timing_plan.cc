#include "sim/core/timing_plan.h"

#include <cmath>

#include "sim/cost/cost_model.h"
#include "sim/deps/dependencies.h"
#include "sim/dma/dma_queues.h"
#include "sim/memory/shared_resources.h"

namespace trnsim::sim {
namespace {

bool uses_memory(const isa::Instruction& ins, isa::Memory m) {
  for (const isa::Operand& op : ins.operands)
    if (op.is_view() && op.view.buf.memory == m) return true;
  return false;
}

uint8_t shared_ports(const isa::Instruction& ins) {
  uint8_t p = 0;
  const bool vec = ins.engine == isa::Engine::kVector;
  if ((vec || ins.engine == isa::Engine::kGpsimd) && uses_memory(ins, isa::Memory::kSbuf)) {
    p |= kSbufPortVectorGpsimd;
  }
  if ((vec || ins.engine == isa::Engine::kScalar) && uses_memory(ins, isa::Memory::kPsum)) {
    p |= kPsumPortVectorScalar;
  }
  return p;
}

}  // namespace

int64_t cycles_to_ps(int64_t cycles, double ghz) {
  return std::llround(static_cast<double>(cycles) * 1000.0 / ghz);
}

void index_queues(TimingPlan* plan) {
  plan->queue_begin.assign(plan->num_queues + 1, 0);
  for (int32_t q : plan->queue_of) ++plan->queue_begin[q + 1];
  for (int q = 0; q < plan->num_queues; ++q) plan->queue_begin[q + 1] += plan->queue_begin[q];
  plan->queue_instrs.assign(plan->queue_of.size(), 0);
  std::vector<int32_t> fill(plan->queue_begin.begin(), plan->queue_begin.end() - 1);
  for (int32_t i = 0; i < plan->size(); ++i) plan->queue_instrs[fill[plan->queue_of[i]]++] = i;
}

TimingPlan build_plan(const isa::Program& prog, const HwConfig& cfg) {
  const int32_t n = static_cast<int32_t>(prog.instructions.size());
  TimingPlan plan;
  plan.num_queues = kNumComputeQueues + cfg.dma.queues;
  const std::vector<int32_t> dma_queue = assign_dma_queues(prog, cfg);
  plan.queue_of.resize(n);
  plan.occupancy_ps.resize(n);
  plan.latency_ps.resize(n);
  plan.hbm_ps.assign(n, 0);
  plan.ports.resize(n);
  plan.engine.resize(n);
  plan.cycles.resize(n);
  plan.bytes.assign(n, 0);
  plan.flops.assign(n, 0);
  for (int32_t i = 0; i < n; ++i) {
    const isa::Instruction& ins = prog.instructions[i];
    const bool dma = ins.engine == isa::Engine::kDma;
    plan.queue_of[i] = dma ? TimingPlan::dma_queue(dma_queue[i])
                           : TimingPlan::compute_queue(ins.engine);
    const Cost c = instruction_cost(prog, ins, cfg);
    const double ghz = cfg.clocks.ghz(ins.engine);
    plan.occupancy_ps[i] = cycles_to_ps(c.occupancy_cycles, ghz);
    plan.latency_ps[i] = cycles_to_ps(std::max(c.latency_cycles, c.occupancy_cycles), ghz);
    plan.ports[i] = shared_ports(ins);
    plan.engine[i] = ins.engine;
    plan.cycles[i] = c.occupancy_cycles;
    plan.flops[i] = instruction_flops(prog, ins);
    if (dma) {
      plan.bytes[i] = dma_bytes(prog, ins);
      plan.hbm_ps[i] = std::llround(static_cast<double>(dma_hbm_bytes(prog, ins)) * 1000.0 /
                                    cfg.dma.hbm_bytes_per_ns);
    }
  }
  index_queues(&plan);
  const Dependencies deps = analyze_dependencies(prog, plan.queue_of, plan.num_queues);
  const int64_t cross_ps = std::llround(cfg.sync.cross_engine_ns * 1000.0);
  const int64_t trigger_ps = std::llround(cfg.sync.dma_trigger_ns * 1000.0);
  plan.dep_begin.assign(n + 1, 0);
  plan.dep_producer.reserve(deps.producers.size());
  plan.dep_sync_ps.reserve(deps.producers.size());
  for (int32_t i = 0; i < n; ++i) {
    for (int32_t k = deps.begin[i]; k < deps.begin[i + 1]; ++k) {
      const int32_t p = deps.producers[k];
      int64_t sync_ps = 0;
      if (plan.queue_of[p] != plan.queue_of[i]) {
        sync_ps = plan.engine[i] == isa::Engine::kDma ? trigger_ps : cross_ps;
      } else if (plan.engine[i] == isa::Engine::kTensor) {
        // APPROX: on the tensor engine, program order is enough: matmuls accumulating into
        // the same PSUM bank pipeline without waiting for each other's result.
        continue;
      }
      plan.dep_producer.push_back(p);
      plan.dep_sync_ps.push_back(sync_ps);
    }
    plan.dep_begin[i + 1] = static_cast<int32_t>(plan.dep_producer.size());
  }
  return plan;
}

}  // namespace trnsim::sim
