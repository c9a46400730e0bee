#include "workloads/collectives.h"

#include <string>

#include "isa/error.h"

namespace trnsim::workloads {

void check_lnc(const TargetLinks& t, int64_t lnc) {
  if (lnc < 1 || lnc > t.max_lnc)
    throw Error("--lnc " + std::to_string(lnc) + ": target " + t.target + " supports LNC 1" +
                (t.max_lnc >= 2 ? " or 2" : " only (LNC=2 needs trn2 or trn3)"));
}

LinkSpec rank_link(const TargetLinks& t, int64_t lnc) {
  check_lnc(t, lnc);
  const double ranks_per_device = double(t.physical_cores_per_device / lnc);
  return {t.device_link_bytes_per_ns / 2 / ranks_per_device, t.hop_latency_ns};
}

double all_reduce_ns(int64_t bytes, int64_t ranks, const LinkSpec& link) {
  if (ranks <= 1) return 0;
  const double steps = double(ranks - 1);
  return 2 * steps / double(ranks) * double(bytes) / link.link_bytes_per_ns +
         2 * steps * link.hop_latency_ns;
}

double all_gather_ns(int64_t bytes, int64_t ranks, const LinkSpec& link) {
  if (ranks <= 1) return 0;
  const double steps = double(ranks - 1);
  return steps / double(ranks) * double(bytes) / link.link_bytes_per_ns +
         steps * link.hop_latency_ns;
}

}  // namespace trnsim::workloads
