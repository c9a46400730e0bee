#include "sim/pair/pair_results.h"

#include <cctype>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "isa/error.h"
#include "sim/stats/results_writer.h"

namespace trnsim::sim {
namespace {

namespace fs = std::filesystem;
constexpr uintmax_t kMaxManifestBytes = 64 * 1024;

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(path + ": cannot open file");
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void write_json(const fs::path& path, const nlohmann::json& j) {
  std::ofstream out(path);
  out << j.dump(1) << "\n";
  if (!out) throw Error(path.string() + ": cannot write file");
}

// Appends core `core`'s timeline events as process pid core + 1, "NeuronCore <core>".
void append_timeline(const fs::path& file, int core, nlohmann::json* events) {
  nlohmann::json t;
  try {
    t = nlohmann::json::parse(read_text(file.string()));
  } catch (const nlohmann::json::exception& e) {
    throw Error(file.string() + ": cannot merge the timeline: " + e.what());
  }
  for (nlohmann::json& e : t.at("traceEvents")) {
    e["pid"] = core + 1;
    if (e.value("name", "") == "process_name") e["args"]["name"] = "NeuronCore " + std::to_string(core);
    if (e.contains("id") && e["id"].is_number_integer())
      e["id"] = e["id"].get<int64_t>() * 2 + core;  // flow ids unique across the two cores
    events->push_back(std::move(e));
  }
}

// Flow arrows ("ph" s / f) from each cross-core producer to its consumer, between the two
// cores' processes, at the middle of each slice (as the one-core timeline draws them).
void append_cross_core_flows(const PairSession& s, nlohmann::json* events) {
  int64_t id = int64_t(1) << 40;  // above the per-core flow ids
  for (const CrossCoreEdge& e : s.cross_core_edges) {
    const InstrRecord& p = s.results[e.producer_core].records[e.producer];
    const InstrRecord& c = s.results[e.consumer_core].records[e.consumer];
    auto flow = [&](const InstrRecord& r, int core, const char* ph) {
      nlohmann::json f = {{"name", "core sync"}, {"cat", "dep"}, {"ph", ph}, {"id", id},
                          {"pid", core + 1}, {"tid", timeline_tid(r.engine, r.queue)},
                          {"ts", (r.start_ns + r.busy_ns / 2) / 1000.0}};
      if (ph[0] == 'f') f["bp"] = "e";
      return f;
    };
    events->push_back(flow(p, e.producer_core, "s"));
    events->push_back(flow(c, e.consumer_core, "f"));
    ++id;
  }
}

}  // namespace

bool is_pair_manifest(const std::string& path) {
  std::error_code ec;
  const uintmax_t size = fs::file_size(path, ec);
  if (ec || size > kMaxManifestBytes) return false;
  std::ifstream in(path, std::ios::binary);
  char first = 0;
  while (in.get(first) && std::isspace(static_cast<unsigned char>(first))) {
  }
  if (first != '{') return false;
  const nlohmann::json j = nlohmann::json::parse(read_text(path), nullptr, false);
  return j.is_object() && j.contains("trnsim_pair");
}

std::array<std::string, 2> read_pair_manifest(const std::string& path) {
  const nlohmann::json j = nlohmann::json::parse(read_text(path), nullptr, false);
  auto bad = [&](const std::string& why) { return Error(path + ": pair manifest: " + why); };
  if (!j.is_object()) throw bad("not a JSON object");
  for (const auto& [key, value] : j.items())
    if (key != "trnsim_pair" && key != "cores" && key[0] != '_')
      throw bad("unknown key '" + key + "' (keys: trnsim_pair, cores)");
  if (j.at("trnsim_pair") != 1) throw bad("trnsim_pair must be 1 (the format version)");
  if (!j.contains("cores") || !j["cores"].is_array() || j["cores"].size() != 2)
    throw bad("cores must list two trace files (core 0's, core 1's)");
  std::array<std::string, 2> out;
  const fs::path base = fs::path(path).parent_path();
  for (int c = 0; c < 2; ++c) {
    if (!j["cores"][c].is_string() || j["cores"][c].get<std::string>().empty())
      throw bad("cores[" + std::to_string(c) + "] is not a file name");
    const fs::path p = j["cores"][c].get<std::string>();
    out[c] = (p.is_absolute() ? p : base / p).string();
  }
  return out;
}

nlohmann::json pair_stats_json(const PairSession& s) {
  const int slow = s.results[1].total_ns > s.results[0].total_ns ? 1 : 0;
  nlohmann::json j = stats_to_json(s.stats[slow]);
  j["total_ns"] = s.total_ns;
  nlohmann::json lnc;
  lnc["cores"] = 2;
  lnc["two_core_run"] = true;
  lnc["core_total_ns"] = {s.results[0].total_ns, s.results[1].total_ns};
  lnc["barrier_ns"] = s.links.semaphore_ns;
  lnc["slowest_core"] = slow;
  lnc["hbm_bytes_per_ns"] = s.links.hbm_bytes_per_ns;
  lnc["per_core"] = {stats_to_json(s.stats[0]), stats_to_json(s.stats[1])};
  j["lnc"] = lnc;
  return j;
}

void write_pair_results(const std::string& dir, const std::array<const isa::Program*, 2>& progs,
                        const PairSession& s, bool all_tensors, const TimelineOptions& timeline) {
  const fs::path root(dir);
  std::error_code ec;
  fs::create_directories(root, ec);
  if (ec) throw Error(dir + ": cannot create the results folder: " + ec.message());
  for (int c = 0; c < 2; ++c) {
    write_results((root / ("core" + std::to_string(c))).string(), *progs[c], s.results[c],
                  s.config, s.stats[c], nullptr, false, timeline);
  }
  fs::remove_all(root / "outputs", ec);
  if (s.values[0]) {
    const isa::MachineState& hbm = *s.values[0];
    write_output_tensors((root / "outputs").string(), *progs[0],
                         [&hbm](int t) -> const std::vector<uint8_t>& { return hbm.hbm(t); },
                         all_tensors);
  }
  write_json(root / "stats.json", pair_stats_json(s));
  fs::remove(root / "timeline.json", ec);
  if (timeline.format != TimelineFormat::kJson || s.results[0].records.empty()) return;
  nlohmann::json merged = {{"displayTimeUnit", "ns"},
                           {"otherData", {{"program", progs[0]->name}, {"total_ns", s.total_ns}}},
                           {"traceEvents", nlohmann::json::array()}};
  for (int c = 0; c < 2; ++c)
    append_timeline(root / ("core" + std::to_string(c)) / "timeline.json", c,
                    &merged["traceEvents"]);
  append_cross_core_flows(s, &merged["traceEvents"]);
  std::ofstream out(root / "timeline.json");
  out << merged.dump() << "\n";
  if (!out) throw Error((root / "timeline.json").string() + ": cannot write file");
}

}  // namespace trnsim::sim
