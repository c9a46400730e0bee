#include "sim/core/timing_plan.h"

#include <algorithm>
#include <cmath>
#include <string>
#include <unordered_map>

#include "isa/error.h"

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

namespace {

// `ps` rounded to int64, or trnsim::Error if beyond kMaxCostCycles picoseconds (or NaN):
// a wrapped conversion would make a huge cost look small.
int64_t checked_ps(double ps, const char* what) {
  if (!(ps >= 0 && ps <= double(kMaxCostCycles)))
    throw Error(std::string("timing: ") + what + " of " + std::to_string(ps) +
                " ps is outside [0, 2^44] ps (check the hardware config)");
  return std::llround(ps);
}

}  // namespace

bool in_program_order(const isa::Program& prog, const isa::Instruction& ins) {
  switch (prog.dma_issue) {
    case isa::DmaIssue::kProgramOrder:
      return true;
    case isa::DmaIssue::kAsap:
      return false;
    case isa::DmaIssue::kPrefetch: {
      const isa::Memory src = ins.operand("src").view.buf.memory;
      const isa::Memory dst = ins.operand("dst").view.buf.memory;
      return !(src == isa::Memory::kHbm && dst != isa::Memory::kHbm);
    }
  }
  return true;
}

int64_t cycles_to_ps(int64_t cycles, double ghz) {
  return checked_ps(static_cast<double>(cycles) * 1000.0 / ghz, "an instruction cost");
}

namespace {

// The plan's cost table, each distinct cost once: a program repeats a few instruction shapes
// many times, and pieces index the table (TimingPlan::piece_cost).
class CostTable {
 public:
  explicit CostTable(TimingPlan* plan) : plan_(plan) {}
  // The index of cost `c` (cycles at `ghz`) with its HBM reservation and bytes, added if new.
  int32_t add(const Cost& c, double ghz, int64_t hbm_ps, int64_t bytes) {
    const int64_t latency_cycles = std::max(c.latency_cycles, c.occupancy_cycles);
    const TimingPlan::PieceCost cost{cycles_to_ps(c.occupancy_cycles, ghz),
                                     cycles_to_ps(latency_cycles, ghz), hbm_ps, bytes};
    const auto [it, added] = index_.try_emplace(cost, static_cast<int32_t>(plan_->costs.size()));
    if (added) plan_->costs.push_back(cost);
    return it->second;
  }

 private:
  struct Hash {
    size_t operator()(const TimingPlan::PieceCost& c) const {
      uint64_t h = 0x9e3779b97f4a7c15ull;
      for (int64_t v : {c.occupancy_ps, c.latency_ps, c.hbm_ps, c.bytes})
        h = (h ^ static_cast<uint64_t>(v)) * 0xff51afd7ed558ccdull;
      return static_cast<size_t>(h ^ (h >> 32));
    }
  };
  struct Equal {
    bool operator()(const TimingPlan::PieceCost& a, const TimingPlan::PieceCost& b) const {
      return a.occupancy_ps == b.occupancy_ps && a.latency_ps == b.latency_ps &&
             a.hbm_ps == b.hbm_ps && a.bytes == b.bytes;
    }
  };
  TimingPlan* plan_;
  std::unordered_map<TimingPlan::PieceCost, int32_t, Hash, Equal> index_;
};

void add_piece(TimingPlan* plan, int32_t instr, int32_t queue, int32_t cost) {
  plan->piece_instr.push_back(instr);
  plan->piece_queue.push_back(static_cast<uint8_t>(queue));
  plan->piece_cost.push_back(cost);
}

int64_t hbm_reservation_ps(int64_t hbm_bytes, const HwConfig& cfg) {
  return checked_ps(static_cast<double>(hbm_bytes) * 1000.0 / cfg.dma.hbm_bytes_per_ns,
                    "an HBM reservation");
}

// Adds the pieces of DMA instruction i (placed by place_dma) and returns its occupancy in ns
// summed over its pieces.
int64_t add_dma_pieces(TimingPlan* plan, CostTable* costs, const isa::Program& prog, int32_t i,
                       const DmaPlacement& pl, const HwConfig& cfg) {
  const isa::Instruction& ins = prog.instructions[i];
  const double ghz = cfg.clocks.ghz(ins.engine);
  if (pl.pieces == 1) {
    const Cost c = instruction_cost(prog, ins, cfg);
    add_piece(plan, i, TimingPlan::dma_queue(pl.first_queue),
              costs->add(c, ghz, hbm_reservation_ps(dma_hbm_sides(ins) * plan->bytes[i], cfg),
                         plan->bytes[i]));
    return c.occupancy_cycles;
  }
  const int64_t bytes_per_row = plan->bytes[i] / pl.rows;
  const int64_t hbm_sides = dma_hbm_sides(ins);
  // Pieces of (rows / pieces + 1) rows first, then pieces of rows / pieces rows.
  int64_t total = 0;
  int32_t cost = -1;
  Cost c;
  for (int32_t k = 0; k < pl.pieces; ++k) {
    const int64_t rows = piece_rows(pl.rows, pl.pieces, k);
    if (k == 0 || rows != piece_rows(pl.rows, pl.pieces, k - 1)) {
      const int64_t piece_bytes = bytes_per_row * rows;
      c = dma_transfer_cost(cfg.dma, static_cast<double>(piece_bytes),
                            static_cast<double>(bytes_per_row), 1.0);
      cost = costs->add(c, ghz, hbm_reservation_ps(hbm_sides * piece_bytes, cfg), piece_bytes);
    }
    add_piece(plan, i, TimingPlan::dma_queue((pl.first_queue + k) % cfg.dma.queues), cost);
    total += c.occupancy_cycles;
  }
  return total;
}

}  // namespace

TimingPlan build_plan(const isa::Program& prog, const HwConfig& cfg) {
  const int32_t n = static_cast<int32_t>(prog.instructions.size());
  TimingPlan plan;
  plan.num_queues = kNumComputeQueues + cfg.dma.queues;
  const std::vector<DmaPlacement> placement = place_dma(prog, cfg);
  plan.queue_of.resize(n);
  plan.piece_begin.assign(n + 1, 0);
  plan.ports.resize(n);
  plan.in_program_order.assign(n, 1);
  plan.engine.resize(n);
  plan.cycles.resize(n);
  plan.bytes.assign(n, 0);
  plan.flops.assign(n, 0);
  int64_t pieces = 0;
  for (int32_t i = 0; i < n; ++i) pieces += std::max(1, placement[i].pieces);
  plan.piece_instr.reserve(pieces);
  plan.piece_queue.reserve(pieces);
  plan.piece_cost.reserve(pieces);
  CostTable costs(&plan);
  // Dependency-analysis keys: instructions with one key complete in program order, so the
  // analysis keeps only the latest producer per key. A compute queue is one key (it runs in
  // program order). DMA queues may serve pieces in ready order (sim/core/neuron_core.h), and
  // even in program order the pieces of spread transfers on different queue sets may
  // complete out of program order: every
  // DMA instruction is its own key and keeps a direct edge to each overlapping access. That is
  // what makes ready-order service safe, and why spread DMAs on the same queue set need not
  // finish in program order.
  std::vector<int32_t> order_key(n);
  int32_t num_keys = plan.num_queues;
  for (int32_t i = 0; i < n; ++i) {
    const isa::Instruction& ins = prog.instructions[i];
    plan.ports[i] = shared_ports(ins);
    plan.engine[i] = ins.engine;
    if (ins.engine == isa::Engine::kDma) {
      const DmaPlacement& pl = placement[i];
      plan.bytes[i] = dma_bytes(prog, ins);
      plan.queue_of[i] = TimingPlan::dma_queue(pl.first_queue);
      plan.cycles[i] = add_dma_pieces(&plan, &costs, prog, i, pl, cfg);
      plan.in_program_order[i] = in_program_order(prog, ins) ? 1 : 0;
      order_key[i] = num_keys++;
    } else {
      plan.queue_of[i] = TimingPlan::compute_queue(ins.engine);
      const Cost c = instruction_cost(prog, ins, cfg);
      add_piece(&plan, i, plan.queue_of[i], costs.add(c, cfg.clocks.ghz(ins.engine), 0, 0));
      plan.cycles[i] = c.occupancy_cycles;
      plan.flops[i] = instruction_flops(prog, ins);
      order_key[i] = plan.queue_of[i];
    }
    plan.piece_begin[i + 1] = plan.num_pieces();
  }
  const Dependencies deps = analyze_dependencies(prog, order_key, num_keys);
  const int64_t cross_ps = checked_ps(cfg.sync.cross_engine_ns * 1000.0, "sync.cross_engine_ns");
  const int64_t trigger_ps = checked_ps(cfg.sync.dma_trigger_ns * 1000.0, "sync.dma_trigger_ns");
  plan.dep_begin.assign(n + 1, 0);
  plan.dep_producer.reserve(deps.producers.size());
  plan.dep_sync_ps.reserve(deps.producers.size());
  plan.dep_raw.reserve(deps.producers.size());
  for (int32_t i = 0; i < n; ++i) {
    for (int32_t k = deps.begin[i]; k < deps.begin[i + 1]; ++k) {
      const int32_t p = deps.producers[k];
      int64_t sync_ps = 0;
      if (!plan.same_queue(p, i)) {
        sync_ps = plan.engine[i] == isa::Engine::kDma ? trigger_ps : cross_ps;
      } else if (plan.engine[i] == isa::Engine::kTensor) {
        // APPROX: on the tensor engine, program order is enough: matmuls accumulating into
        // the same PSUM bank pipeline without waiting for each other's result.
        continue;
      }
      plan.dep_producer.push_back(p);
      plan.dep_sync_ps.push_back(sync_ps);
      plan.dep_raw.push_back(deps.raw[k]);
    }
    plan.dep_begin[i + 1] = static_cast<int32_t>(plan.dep_producer.size());
  }
  return plan;
}

}  // namespace trnsim::sim
