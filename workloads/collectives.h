// Collectives between tensor-parallel ranks and the link figures they are costed with.
// A rank is one logical NeuronCore (LNC physical cores). Link numbers per target come from
// sim/configs/links.json (each with its source there).
//   ring all-reduce of B bytes over R ranks:  2 (R-1)/R * B / bw + 2 (R-1) * hop_latency
//   ring all-gather (each rank ends with all B bytes): (R-1)/R * B / bw + (R-1) * hop_latency
// (the standard bandwidth-optimal ring algorithm: a reduce-scatter then an all-gather, each
// R-1 steps moving B/R bytes per rank).
// APPROX: every rank has the same per-rank bandwidth bw = the device's NeuronLink bandwidth /
// 2 (one direction of the ring) / ranks per device; the ring is assumed to cross devices, so
// ranks on one device do not get a faster on-chip path. Collectives do not overlap compute
// (NxD Inference runs them between the layer's kernels, which wait for the result).
#pragma once

#include <cstdint>
#include <string>

#include "sim/config/links_config.h"

namespace trnsim::workloads {

struct LinkSpec {
  double link_bytes_per_ns = 100.0;  // per rank, one direction
  double hop_latency_ns = 2000.0;    // per ring step (launch + synchronisation)
};

using sim::load_target_links;
using sim::parse_target_links;
using sim::TargetLinks;

// Throws trnsim::Error when lnc is outside [1, max_lnc] (e.g. LNC=2 on trn1).
void check_lnc(const TargetLinks& t, int64_t lnc);
// Per-rank link of a rank made of `lnc` physical cores (see APPROX above).
LinkSpec rank_link(const TargetLinks& t, int64_t lnc);

double all_reduce_ns(int64_t bytes, int64_t ranks, const LinkSpec& link);
double all_gather_ns(int64_t bytes, int64_t ranks, const LinkSpec& link);

}  // namespace trnsim::workloads
