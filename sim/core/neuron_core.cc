#include "sim/core/neuron_core.h"

#include <algorithm>
#include <cstdlib>
#include <limits>
#include <string>

#include "isa/access_pattern.h"  // before semantics.h, which uses AccessPattern
#include "isa/error.h"
#include "isa/semantics/pair.h"
#include "isa/semantics/semantics.h"
#include "sim/core/asan_stack.h"

namespace trnsim::sim {
namespace {

constexpr int64_t kNever = std::numeric_limits<int64_t>::max();

std::string queue_name(int q) {
  static const char* kCompute[kNumComputeQueues] = {"tensor", "vector", "scalar", "gpsimd"};
  const std::string core = q >= kQueuesPerCore ? "core 1 " : "";
  const int local = q % kQueuesPerCore;
  if (local < kNumComputeQueues) return core + kCompute[local];
  return core + "dma" + std::to_string(local - kNumComputeQueues);
}

std::string describe(const RunState& st, int32_t i, int queue) {
  const bool core1 = i >= st.core1_begin;
  return std::string(core1 ? "core 1 " : "") + "instruction " +
         std::to_string(core1 ? i - st.core1_begin : i) + " (" +
         std::string(isa::opcode_name(st.instruction(i).op)) + ", queue " + queue_name(queue) +
         ")";
}

// The queue of the first piece of instruction i not issued yet (its first queue if none).
int pending_queue(const RunState& st, int32_t i) {
  const TimingPlan& p = *st.plan;
  for (int32_t k = p.piece_begin[i]; k < p.piece_begin[i + 1]; ++k) {
    if (!st.issued[k]) return p.piece_queue[k];
  }
  return p.queue_of[i];
}

}  // namespace

NeuronCoreModel& NeuronCoreModel::instance() {
  static NeuronCoreModel* model = [] {
    setenv("SYSTEMC_DISABLE_COPYRIGHT_MESSAGE", "1", 0);
    return new NeuronCoreModel("trnsim_neuron_core");
  }();
  return *model;
}

NeuronCoreModel::NeuronCoreModel(const sc_core::sc_module_name& name) : sc_module(name) {
  sc_core::sc_spawn_options opts;
  // The functional plane (Eigen) runs inside these processes: give them a real stack.
  opts.set_stack_size(1 << 20);
  for (int q = 0; q < kMaxQueues; ++q) {
    if (!is_compute_queue(q)) continue;
    sc_core::sc_spawn(sc_bind(&NeuronCoreModel::queue_process, this, q),
                      sc_core::sc_gen_unique_name("queue"), &opts);
  }
  sc_core::sc_spawn(sc_bind(&NeuronCoreModel::queue_process, this, kDmaProcess),
                    sc_core::sc_gen_unique_name("dma"), &opts);
}

int64_t NeuronCoreModel::now_ps() const {
  return static_cast<int64_t>(sc_core::sc_time_stamp().value() - run_origin_ps_);
}

void NeuronCoreModel::wake_all() {
  for (sc_core::sc_event& e : wake_event_) e.notify();
  dma_wake_event_.notify();
}

void NeuronCoreModel::wake_waiters(int q) {
  uint64_t bits = waiters_[q];
  if (bits == 0) return;
  const RunState& st = *state_;
  while (bits != 0) {
    const int w = __builtin_ctzll(bits);
    bits &= bits - 1;
    if (st.issued[waiting_for_[w]]) {
      waiters_[q] &= ~(uint64_t{1} << w);
      wake_event_[w].notify();
    }
  }
}

void NeuronCoreModel::queue_process(int q) {
  for (;;) {
    wait(start_event_);
    if (state_ == nullptr) continue;
    if (q == kDmaProcess) {
      run_dma_queues();
    } else if (q < state_->plan->num_queues) {
      run_queue(q);
    }
  }
}

void NeuronCoreModel::run_queue(int q) {
  RunState& st = *state_;
  const TimingPlan& p = *st.plan;
  for (int32_t k = st.queue_begin[q]; k < st.queue_begin[q + 1]; ++k) {
    const int32_t piece = st.queue_pieces[k];
    const int32_t i = p.piece_instr[piece];
    st.next[q] = k;
    for (int32_t d = p.dep_begin[i]; d < p.dep_begin[i + 1]; ++d) {
      const int32_t producer = p.dep_producer[d];
      while (!st.instruction_done(producer)) {
        // Wait for the queue of the producer's first piece not issued yet.
        int32_t w = p.piece_begin[producer];
        while (st.issued[w]) ++w;
        waiting_for_[q] = w;
        waiters_[p.piece_queue[w]] |= uint64_t{1} << q;
        ++st.waits;
        wait(wake_event_[q]);
        if (st.abort) return;
      }
    }
    int64_t now = now_ps();
    const int64_t ready = st.dependency_ready(piece);
    if (ready > now && (p.ports[i] != 0 || p.cost_of(piece).hbm_ps != 0)) {
      // Shared ports and HBM are granted in simulated-time order: request them at `ready`.
      ++st.waits;
      wait(sc_core::sc_time::from_value(static_cast<uint64_t>(ready - now)));
      if (st.abort) return;
      now = ready;
    }
    // Without shared resources the start is known now: issue ahead.
    st.issue(piece, std::max(now, ready));
    if (!after_issue(i, q)) return;
  }
  st.next[q] = st.queue_begin[q + 1];
}

bool NeuronCoreModel::after_issue(int32_t i, int q) {
  RunState& st = *state_;
  if (st.instruction_done(i)) {
    if (st.values != nullptr) {
      try {
        try {
          execute_values(i);
        } catch (const Error& e) {  // name the instruction, as isa::execute_all does
          const bool core1 = i >= st.core1_begin;
          const std::string& label = st.instruction(i).label;
          throw Error(std::string(core1 ? "core 1 " : "") + "instruction " +
                      std::to_string(core1 ? i - st.core1_begin : i) +
                      (label.empty() ? "" : " [" + label + "]") + ": " + e.what());
        }
      } catch (...) {
        st.error = std::current_exception();
        st.abort = true;
        wake_all();
        return false;
      }
    }
    st.release(i, [this](int64_t ready_ps) {
      if (ready_ps < dma_sleep_until_ps_) {
        dma_sleep_until_ps_ = -1;  // notified once; it re-arms when it sleeps again
        dma_wake_event_.notify();
      }
    });
  }
  wake_waiters(q);
  return true;
}

void NeuronCoreModel::execute_values(int32_t i) {
  RunState& st = *state_;
  if (st.partner != nullptr && (*st.partner)[i] >= 0) {
    const int32_t j = (*st.partner)[i];
    if (!st.instruction_done(j)) return;  // runs when the partner is done
    const int32_t a = std::min(i, j), b = std::max(i, j);
    isa::execute_pair(st.instruction(a), *st.values, st.instruction(b), *st.values1);
    return;
  }
  isa::execute(st.instruction(i), i < st.core1_begin ? *st.values : *st.values1);
}

int64_t NeuronCoreModel::dma_queue_next(int q, int64_t now, bool* unfinished) {
  RunState& st = *state_;
  if (st.next[q] >= st.queue_begin[q + 1]) return kNever;
  *unfinished = true;
  if (st.engine_free_ps[q] > now) return st.engine_free_ps[q];
  const int32_t piece = st.pick_ready(q);
  if (piece < 0) return kNever;
  const int64_t ready = std::max(st.piece_ready_ps(piece), st.engine_free_ps[q]);
  if (ready <= now) dma_startable_.push_back(piece);
  return ready;
}

bool NeuronCoreModel::issue_dma_piece(int32_t piece, int64_t now) {
  RunState& st = *state_;
  const int q = st.plan->piece_queue[piece];
  st.pop_ready(q, piece);
  st.issue(piece, now);
  st.dma_issue_order.push_back(piece);
  const int32_t end = st.queue_begin[q + 1];
  while (st.next[q] < end && st.issued[st.queue_pieces[st.next[q]]]) ++st.next[q];
  return after_issue(st.plan->piece_instr[piece], q);
}

void NeuronCoreModel::run_dma_queues() {
  RunState& st = *state_;
  const int num_queues = st.plan->num_queues;
  for (;;) {
    const int64_t now = now_ps();
    dma_startable_.clear();
    int64_t wake = kNever;
    bool unfinished = false;
    for (int q = 0; q < num_queues; ++q) {
      if (!is_compute_queue(q)) wake = std::min(wake, dma_queue_next(q, now, &unfinished));
    }
    if (!unfinished) return;
    if (!dma_startable_.empty()) {
      // Pieces that start at one time book HBM in program order.
      std::sort(dma_startable_.begin(), dma_startable_.end());
      for (const int32_t piece : dma_startable_) {
        if (!issue_dma_piece(piece, now)) return;
      }
      // Their queues are busy now (or free again at once: no occupancy), and DMA consumers they
      // readied are in their queues' heaps: the next pass sees both.
      continue;
    }
    // Sleep until the earliest queue can act; a piece that becomes ready sooner wakes it early.
    dma_sleep_until_ps_ = wake;
    ++st.waits;
    if (wake == kNever) {
      wait(dma_wake_event_);
    } else {
      wait(sc_core::sc_time::from_value(static_cast<uint64_t>(wake - now)), dma_wake_event_);
    }
    dma_sleep_until_ps_ = -1;
    if (st.abort) return;
  }
}

void NeuronCoreModel::run(RunState& st) {
  state_ = &st;
  for (uint64_t& w : waiters_) w = 0;
  dma_sleep_until_ps_ = -1;
  if (!initialized_) {
    sc_core::sc_start(sc_core::SC_ZERO_TIME);  // processes reach their start wait
    asan_on_thread_stack();
    initialized_ = true;
  }
  run_origin_ps_ = sc_core::sc_time_stamp().value();
  start_event_.notify(sc_core::SC_ZERO_TIME);
  sc_core::sc_start();
  asan_on_thread_stack();
  if (st.error) {
    state_ = nullptr;
    std::rethrow_exception(st.error);
  }
  const TimingPlan& p = *st.plan;
  std::string stuck;
  for (int q = 0; q < p.num_queues; ++q) {
    if (st.next[q] >= st.queue_begin[q + 1]) continue;
    const int32_t piece = st.queue_pieces[st.next[q]];
    if (st.issued[piece]) continue;
    const int32_t i = p.piece_instr[piece];
    std::string waits;
    for (int32_t d = p.dep_begin[i]; d < p.dep_begin[i + 1]; ++d) {
      const int32_t producer = p.dep_producer[d];
      if (!st.instruction_done(producer)) {
        waits = describe(st, producer, pending_queue(st, producer));
      }
    }
    stuck += "\n  " + describe(st, i, q) + " waits for " + (waits.empty() ? "?" : waits);
  }
  if (!stuck.empty()) {
    st.abort = true;
    for (sc_core::sc_event& e : wake_event_) e.notify(sc_core::SC_ZERO_TIME);
    dma_wake_event_.notify(sc_core::SC_ZERO_TIME);
    sc_core::sc_start();  // stuck processes see abort and return to their start wait
    asan_on_thread_stack();
    state_ = nullptr;
    throw Error("deadlock: dependencies that can never be satisfied (program '" +
                st.prog->name + (st.prog1 ? "' and core 1's '" + st.prog1->name : "") +
                "'):" + stuck);
  }
  state_ = nullptr;
}

}  // namespace trnsim::sim
