// End-to-end goldens: every trace in traces/ runs in timing-only mode on trn1, trn2 and trn3 and
// its key stats (total ns, per-engine busy ns and instruction counts, DMA bytes) must equal
// traces/golden/<trace>.<target>.json within 1e-9 relative. Goldens change only through
// scripts/bless_goldens.sh, which runs this test with TRNSIM_BLESS_GOLDENS=1 to rewrite them.
#include <gtest/gtest-spi.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "isa/trace_json.h"
#include "isa/validate.h"
#include "sim/config/hw_config.h"
#include "sim/simulate.h"
#include "sim/stats/stats.h"

namespace trnsim {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

constexpr double kRelTolerance = 1e-9;
const char* const kTargets[] = {"trn1", "trn2", "trn3"};

fs::path traces_dir() { return fs::path(TRNSIM_SOURCE_DIR) / "traces"; }
fs::path golden_path(const std::string& trace, const std::string& target) {
  return traces_dir() / "golden" / (trace + "." + target + ".json");
}

std::vector<std::string> trace_names() {
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(traces_dir())) {
    if (e.is_regular_file() && e.path().extension() == ".json") {
      names.push_back(e.path().stem().string());
    }
  }
  std::sort(names.begin(), names.end());
  return names;
}

json key_stats(const std::string& trace, const std::string& target) {
  const sim::HwConfig cfg = sim::load_target(target);
  isa::Program p = isa::read_trace_file((traces_dir() / (trace + ".json")).string());
  isa::validate(p, cfg.memory.limits);
  const sim::RunResult r = sim::simulate(p, cfg, sim::Mode::kTimingOnly, nullptr);
  const sim::Stats s = sim::compute_stats(p, r, cfg);
  json j;
  j["trace"] = trace;
  j["target"] = target;
  j["total_ns"] = s.total_ns;
  j["instructions"] = s.instructions;
  j["dma_bytes"] = s.dma_bytes;
  for (int e = 0; e < isa::kNumEngines; ++e) {
    const sim::EngineStats& es = s.engines[e];
    json& je = j["engines"][std::string(isa::engine_name(static_cast<isa::Engine>(e)))];
    je["busy_ns"] = es.busy_ns;
    je["instructions"] = es.instructions;
  }
  return j;
}

bool bless() {
  const char* v = std::getenv("TRNSIM_BLESS_GOLDENS");
  return v != nullptr && std::string(v) == "1";
}

// Numbers equal within kRelTolerance, everything else exactly; `where` names the field.
void expect_matches(const json& want, const json& got, const std::string& where) {
  if (want.is_object()) {
    ASSERT_TRUE(got.is_object()) << where;
    EXPECT_EQ(want.size(), got.size()) << where << ": fields differ";
    for (const auto& [key, value] : want.items()) {
      ASSERT_TRUE(got.contains(key)) << where << "." << key << " missing";
      expect_matches(value, got[key], where + "." + key);
    }
  } else if (want.is_number() && got.is_number()) {
    const double a = want.get<double>(), b = got.get<double>();
    EXPECT_LE(std::abs(a - b), kRelTolerance * std::max(std::abs(a), std::abs(b)))
        << where << ": golden " << want.dump() << ", now " << got.dump();
  } else {
    EXPECT_EQ(want, got) << where;
  }
}

TEST(Goldens, EveryTraceMatchesItsBlessedStatsOnEveryTarget) {
  const std::vector<std::string> traces = trace_names();
  ASSERT_FALSE(traces.empty());
  for (const std::string& trace : traces) {
    for (const char* target : kTargets) {
      const json got = key_stats(trace, target);
      const fs::path path = golden_path(trace, target);
      if (bless()) {
        fs::create_directories(path.parent_path());
        std::ofstream(path) << got.dump(2) << "\n";
        continue;
      }
      std::ifstream in(path);
      ASSERT_TRUE(in.good()) << "no golden " << path << " (run scripts/bless_goldens.sh)";
      expect_matches(json::parse(in), got, trace + "." + target);
    }
  }
}

TEST(Goldens, NoGoldenWithoutItsTrace) {
  const std::vector<std::string> traces = trace_names();
  const fs::path dir = traces_dir() / "golden";
  ASSERT_TRUE(fs::is_directory(dir));
  for (const auto& e : fs::directory_iterator(dir)) {
    const std::string stem = e.path().stem().string();  // <trace>.<target>
    const std::string trace = stem.substr(0, stem.rfind('.'));
    EXPECT_TRUE(std::find(traces.begin(), traces.end(), trace) != traces.end())
        << e.path() << " has no trace in traces/";
  }
}

TEST(Goldens, ComparisonCatchesAChange) {
  json want = {{"total_ns", 1000.0}, {"engines", {{"dma", {{"busy_ns", 5.0}}}}}};
  json same = want;
  same["total_ns"] = 1000.0 * (1 + 1e-12);
  expect_matches(want, same, "same");  // within tolerance: no failure
  json changed = want;
  changed["engines"]["dma"]["busy_ns"] = 5.0 * (1 + 1e-6);
  EXPECT_NONFATAL_FAILURE(expect_matches(want, changed, "changed"), "changed.engines.dma");
}

}  // namespace
}  // namespace trnsim
