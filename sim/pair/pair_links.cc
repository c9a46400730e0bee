#include "sim/pair/pair_links.h"

#include "isa/error.h"
#include "sim/config/hw_config.h"
#include "sim/config/links_config.h"

namespace trnsim::sim {

namespace {

PairLinks pair_links_of(const TargetLinks& t, const std::string& where) {
  if (t.max_lnc < 2)
    throw Error("target " + t.target + " has no LNC=2 core pair (links config " + where +
                ": max_lnc 1); two-core runs need trn2 or trn3");
  if (!(t.pair_hbm_bytes_per_ns > 0))
    throw Error("links config " + where + ": " + t.target +
                ".pair_hbm_bytes_per_ns must be > 0 (it is missing or not positive)");
  PairLinks p;
  p.hbm_bytes_per_ns = t.pair_hbm_bytes_per_ns;
  p.semaphore_ns = t.lnc_barrier_ns;
  return p;
}

}  // namespace

PairLinks parse_pair_links(const std::string& json_text, const std::string& target,
                           const std::string& where) {
  return pair_links_of(parse_target_links(json_text, target, where), where);
}

PairLinks load_pair_links(const std::string& target) {
  return pair_links_of(load_target_links(target), configs_dir() + "/links.json");
}

}  // namespace trnsim::sim
