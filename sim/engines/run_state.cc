#include "sim/engines/run_state.h"

#include <algorithm>

namespace trnsim::sim {

void RunState::reset(const TimingPlan& p, const isa::Program* program, isa::MachineState* vals) {
  plan = &p;
  prog = program;
  values = vals;
  const size_t n = p.queue_of.size();
  issued.assign(n, 0);
  start_ps.assign(n, 0);
  end_ps.assign(n, 0);
  idle_ps.assign(n, 0);
  engine_free_ps.assign(p.num_queues, 0);
  last_end_ps.assign(p.num_queues, 0);
  next.assign(p.num_queues, 0);
  shared.reset();
  waits = 0;
  abort = false;
  error = nullptr;
}

int64_t RunState::dependency_ready(int32_t i) const {
  int64_t t = engine_free_ps[plan->queue_of[i]];
  for (int32_t k = plan->dep_begin[i]; k < plan->dep_begin[i + 1]; ++k) {
    t = std::max(t, end_ps[plan->dep_producer[k]] + plan->dep_sync_ps[k]);
  }
  return t;
}

int64_t RunState::issue(int32_t i, int64_t now_ps) {
  const TimingPlan& p = *plan;
  const int q = p.queue_of[i];
  const uint8_t ports = p.ports[i];
  const int64_t start = shared.earliest_start(ports, now_ps);
  int64_t busy_end = start + p.occupancy_ps[i];
  if (p.hbm_ps[i] > 0) busy_end = std::max(busy_end, shared.reserve_hbm(start, p.hbm_ps[i]));
  shared.hold(ports, busy_end);
  const int64_t stretch = busy_end - start - p.occupancy_ps[i];
  const int64_t end = std::max(start + p.latency_ps[i] + stretch, last_end_ps[q]);
  start_ps[i] = start;
  idle_ps[i] = start - engine_free_ps[q];
  end_ps[i] = end;
  last_end_ps[q] = end;
  engine_free_ps[q] = busy_end;
  issued[i] = 1;
  return busy_end;
}

}  // namespace trnsim::sim
