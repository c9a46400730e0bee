// "Why is it slow": the critical path of a timed run, time by kernel source line, and a verdict
// (engine-bound or latency-bound). Computed from the timing result alone, like the rest of the
// stats: a pure function, no SystemC.
//
// Critical path: starting from the instruction that ends last, each instruction's gating
// predecessor is the one whose hand-off came last before it started, among
//   - its dependency producers (RunResult::cross_engine_edges; hand-off = producer end), and
//   - the instruction before it on the same queue (hand-off = that one's start + busy). A DMA
//     has one such predecessor per queue its pieces ran on (queues serve in start order).
// Same-queue data dependencies are covered by the queue predecessor. The chain tiles the run:
// each instruction on it executes from its start to its hand-off to the next one; the gaps in
// between (synchronisation latency, waiting for shared HBM or ports) are waits.
#pragma once

#include <array>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "isa/opcodes.h"
#include "isa/program.h"
#include "sim/run_result.h"

namespace trnsim::sim {

// An engine at least this busy (busy / total) bounds the run: the verdict is engine-bound.
// Below it no engine's work explains the total; the run is latency-bound (issue 13's rule).
inline constexpr double kEngineBoundUtilisation = 0.7;
inline constexpr size_t kMaxReportedLines = 100;  // lines beyond are summed into "(other)"
// Critical-path groups kept in CriticalPath::chain: the ones carrying the most path time (a
// streaming kernel's path alternates engines, so its chain has about one group per instruction;
// writing all of them made stats.json about 100 bytes per instruction).
inline constexpr size_t kMaxReportedGroups = 100;

// Time of the instructions of one kernel source line (the instruction label; unlabelled
// instructions are grouped as "(opcode)").
struct LineTime {
  std::string line;
  int64_t instructions = 0;
  double busy_ns = 0;      // engine/queue occupancy
  double wait_ns = 0;      // idle before issue waiting on dependencies (DMA: longest piece wait)
  double critical_ns = 0;  // execution on the critical path
};

// Consecutive critical-path instructions of one opcode, line and engine.
struct PathGroup {
  std::string opcode, line;
  isa::Engine engine{};
  int64_t count = 0;
  double ns = 0;          // execution on the path
  int64_t position = 0;   // index of the group in the whole chain (0 = first executed)
};

struct CriticalPath {
  double length_ns = 0;  // end of the last instruction
  double exec_ns = 0;    // time the path's instructions were executing
  double wait_ns = 0;    // gaps between them (and before the first)
  std::array<double, isa::kNumEngines> engine_ns{};  // exec_ns by engine
  int64_t instructions = 0;
  int64_t groups = 0;  // groups of the whole chain
  // The (at most kMaxReportedGroups) groups with the most execution on the path (ties: the
  // earlier), in execution order; `position` tells where the others were left out.
  std::vector<PathGroup> chain;
};

struct Slowness {
  bool timed = false;
  bool engine_bound = false;
  isa::Engine busiest{};
  double busiest_utilisation = 0;
  CriticalPath path;
  std::vector<LineTime> lines;  // most critical first (then busiest), at most kMaxReportedLines
};

// `utilisation[e]` is engine e's busy / total from compute_stats. Throws trnsim::Error for a
// record or edge naming an instruction outside the program.
Slowness analyse_slowness(const isa::Program& prog, const RunResult& result,
                          const std::array<double, isa::kNumEngines>& utilisation);

nlohmann::json slowness_to_json(const Slowness& s);

// The verdict, critical path and top `max_lines` lines as terminal text ("" if untimed).
std::string format_slowness(const Slowness& s, size_t max_lines);

// The one-line verdict, e.g. "engine-bound: dma busy 85.7% of the total".
std::string verdict_text(const Slowness& s);

}  // namespace trnsim::sim
