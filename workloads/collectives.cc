#include "workloads/collectives.h"

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "isa/error.h"
#include "sim/config/hw_config.h"
#include "sim/config/json_reader.h"

namespace trnsim::workloads {

TargetLinks parse_target_links(const std::string& json_text, const std::string& target,
                               const std::string& where) {
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(json_text);
  } catch (const nlohmann::json::exception& e) {
    throw Error("links config " + where + ": invalid JSON: " + e.what());
  }
  if (!j.is_object() || !j.contains(target))
    throw Error("links config " + where + ": no entry for target '" + target + "'");
  TargetLinks t;
  t.target = target;
  sim::JsonObjectReader r(j.at(target), where, target);
  r.get("device_link_bytes_per_ns", &t.device_link_bytes_per_ns);
  r.get("physical_cores_per_device", &t.physical_cores_per_device);
  r.get("hop_latency_ns", &t.hop_latency_ns);
  r.get("default_lnc", &t.default_lnc);
  r.get("max_lnc", &t.max_lnc);
  r.get("lnc_barrier_ns", &t.lnc_barrier_ns);
  double pair_hbm_bytes_per_ns = 0;  // the two-core run's (sim/pair/pair_links.h), optional here
  if (j.at(target).contains("pair_hbm_bytes_per_ns"))
    r.get("pair_hbm_bytes_per_ns", &pair_hbm_bytes_per_ns);
  r.finish();
  if (!(t.device_link_bytes_per_ns > 0))
    r.fail("device_link_bytes_per_ns", "must be positive");
  if (t.physical_cores_per_device < 1) r.fail("physical_cores_per_device", "must be >= 1");
  if (t.hop_latency_ns < 0) r.fail("hop_latency_ns", "must be >= 0");
  if (t.lnc_barrier_ns < 0) r.fail("lnc_barrier_ns", "must be >= 0");
  if (t.max_lnc < 1 || t.max_lnc > 2 || t.physical_cores_per_device % t.max_lnc != 0)
    r.fail("max_lnc", "must be 1 or 2 and divide physical_cores_per_device");
  if (t.default_lnc < 1 || t.default_lnc > t.max_lnc)
    r.fail("default_lnc", "must be between 1 and max_lnc");
  return t;
}

TargetLinks load_target_links(const std::string& target) {
  const std::string path = sim::configs_dir() + "/links.json";
  std::ifstream in(path);
  if (!in) throw Error("links config " + path + ": cannot open file");
  std::stringstream ss;
  ss << in.rdbuf();
  return parse_target_links(ss.str(), target, path);
}

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
