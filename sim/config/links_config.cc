#include "sim/config/links_config.h"

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "isa/error.h"
#include "sim/config/hw_config.h"
#include "sim/config/json_reader.h"

namespace trnsim::sim {

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
  JsonObjectReader r(j.at(target), where, target);
  r.get("device_link_bytes_per_ns", &t.device_link_bytes_per_ns);
  r.get("physical_cores_per_device", &t.physical_cores_per_device);
  r.get("hop_latency_ns", &t.hop_latency_ns);
  r.get("default_lnc", &t.default_lnc);
  r.get("max_lnc", &t.max_lnc);
  r.get("lnc_barrier_ns", &t.lnc_barrier_ns);
  if (j.at(target).contains("pair_hbm_bytes_per_ns"))  // optional: targets with no pair
    r.get("pair_hbm_bytes_per_ns", &t.pair_hbm_bytes_per_ns);
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
  const std::string path = configs_dir() + "/links.json";
  std::ifstream in(path);
  if (!in) throw Error("links config " + path + ": cannot open file");
  std::stringstream ss;
  ss << in.rdbuf();
  return parse_target_links(ss.str(), target, path);
}

}  // namespace trnsim::sim
