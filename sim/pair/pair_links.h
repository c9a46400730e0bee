// The figures of an LNC=2 pair, from the target's entry of sim/configs/links.json (sources
// there): the HBM bandwidth the two cores share (one HBM stack) and the latency of one
// semaphore hand-off between them.
#pragma once

#include <string>

namespace trnsim::sim {

struct PairLinks {
  double hbm_bytes_per_ns = 0;  // HBM bandwidth shared by both cores of the pair
  double semaphore_ns = 0;      // a semaphore write by one core seen by the other
};

// Throws trnsim::Error naming links.json and the target when it has no pair (e.g. trn1) or a
// value is missing or not positive.
PairLinks load_pair_links(const std::string& target);
PairLinks parse_pair_links(const std::string& json_text, const std::string& target,
                           const std::string& where);

}  // namespace trnsim::sim
