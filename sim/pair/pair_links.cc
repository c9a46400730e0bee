#include "sim/pair/pair_links.h"

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "isa/error.h"
#include "sim/config/hw_config.h"

namespace trnsim::sim {

PairLinks parse_pair_links(const std::string& json_text, const std::string& target,
                           const std::string& where) {
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(json_text);
  } catch (const nlohmann::json::exception& e) {
    throw Error("links config " + where + ": invalid JSON: " + e.what());
  }
  if (!j.is_object() || !j.contains(target) || !j.at(target).is_object())
    throw Error("links config " + where + ": no entry for target '" + target + "'");
  const nlohmann::json& t = j.at(target);
  auto number = [&](const char* key) {
    if (!t.contains(key) || !t.at(key).is_number())
      throw Error("links config " + where + ": " + target + "." + key + " is missing");
    return t.at(key).get<double>();
  };
  if (number("max_lnc") < 2)
    throw Error("target " + target + " has no LNC=2 core pair (links config " + where +
                ": max_lnc 1); two-core runs need trn2 or trn3");
  PairLinks p;
  p.hbm_bytes_per_ns = number("pair_hbm_bytes_per_ns");
  p.semaphore_ns = number("lnc_barrier_ns");
  if (!(p.hbm_bytes_per_ns > 0))
    throw Error("links config " + where + ": " + target + ".pair_hbm_bytes_per_ns must be > 0");
  if (!(p.semaphore_ns >= 0))
    throw Error("links config " + where + ": " + target + ".lnc_barrier_ns must be >= 0");
  return p;
}

PairLinks load_pair_links(const std::string& target) {
  const std::string path = configs_dir() + "/links.json";
  std::ifstream in(path);
  if (!in) throw Error("links config " + path + ": cannot open file");
  std::stringstream ss;
  ss << in.rdbuf();
  return parse_pair_links(ss.str(), target, path);
}

}  // namespace trnsim::sim
