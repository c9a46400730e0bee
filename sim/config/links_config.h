// The target's entry of sim/configs/links.json (each number's source is in that file): links
// between ranks (workloads/collectives.h) and the LNC=2 core pair (sim/pair/pair_links.h).
#pragma once

#include <cstdint>
#include <string>

namespace trnsim::sim {

// One target's entry of sim/configs/links.json.
struct TargetLinks {
  std::string target;
  double device_link_bytes_per_ns = 0;  // NeuronLink bandwidth per device
  int64_t physical_cores_per_device = 1;
  double hop_latency_ns = 0;
  int64_t default_lnc = 1, max_lnc = 1;
  double lnc_barrier_ns = 0;  // pair barrier at the end of an LNC=2 kernel
  double pair_hbm_bytes_per_ns = 0;  // HBM bandwidth the two cores of a pair share (0: none)
};

// Throws trnsim::Error naming the file and key for a missing target or a bad value.
TargetLinks load_target_links(const std::string& target);
TargetLinks parse_target_links(const std::string& json_text, const std::string& target,
                               const std::string& where);

}  // namespace trnsim::sim
