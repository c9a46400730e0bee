// Shared on-chip access paths and the core's HBM bandwidth, as booking calendars in simulated
// time (ps, relative to the start of the run).
// Models: VectorE and GpSimd share one SBUF port (they cannot access SBUF at the same time);
// VectorE and ScalarE share PSUM access; all DMA queues of a core share its HBM bandwidth.
// Requests are granted first come, first served in simulated-time order.
// APPROX: ties (how the hardware arbitrates simultaneous requests is not documented): DMA pieces
// that start at one time book HBM in program order (sim/core/neuron_core.h); compute processes
// that request a port at one time are served in SystemC process order (deterministic).
// APPROX: an instruction holds a shared port for its whole occupancy, not per access burst.
// APPROX: HBM bandwidth is a single server: a transfer reserves bytes / hbm_bytes_per_ns of it,
// starting when the server is free; the transfer ends no earlier than its reservation.
#pragma once

#include <algorithm>
#include <cstdint>

namespace trnsim::sim {

// Bits of TimingPlan::ports. A pair plan (sim/pair/) shifts core 1's bits by kNumSharedPorts:
// each core has its own ports, and both share the HBM calendar.
inline constexpr uint8_t kSbufPortVectorGpsimd = 1u << 0;
inline constexpr uint8_t kPsumPortVectorScalar = 1u << 1;
inline constexpr int kNumSharedPorts = 2;
inline constexpr int kMaxPortBits = 2 * kNumSharedPorts;

class SharedResources {
 public:
  void reset() {
    for (int64_t& f : port_free_ps_) f = 0;
    hbm_free_ps_ = 0;
  }
  // Earliest start >= `now_ps` at which every port of `ports` is free.
  int64_t earliest_start(uint8_t ports, int64_t now_ps) const {
    int64_t t = now_ps;
    for (int p = 0; p < kMaxPortBits; ++p)
      if (ports & (1u << p)) t = std::max(t, port_free_ps_[p]);
    return t;
  }
  // Books the ports of `ports` until `until_ps`.
  void hold(uint8_t ports, int64_t until_ps) {
    for (int p = 0; p < kMaxPortBits; ++p)
      if (ports & (1u << p)) port_free_ps_[p] = until_ps;
  }
  // Reserves `duration_ps` of HBM bandwidth no earlier than `start_ps`; returns its end.
  int64_t reserve_hbm(int64_t start_ps, int64_t duration_ps) {
    hbm_free_ps_ = std::max(start_ps, hbm_free_ps_) + duration_ps;
    return hbm_free_ps_;
  }

 private:
  int64_t port_free_ps_[kMaxPortBits] = {};
  int64_t hbm_free_ps_ = 0;
};

}  // namespace trnsim::sim
