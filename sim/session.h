// One simulation from a program to a results folder: resolve the hardware config, validate the
// program against it, load inputs, simulate (values and/or timing), compute statistics and
// write the results. Shared by `trnsim run`, the NKI front end (through `run`) and tools.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "isa/program.h"
#include "isa/semantics/machine_state.h"
#include "sim/config/hw_config.h"
#include "sim/run_result.h"
#include "sim/simulate.h"
#include "sim/stats/stats.h"

namespace trnsim::sim {

struct HwSelection {
  std::string target = "trn2";       // shipped config name, used when hw_file is empty
  std::string hw_file;               // a config file of the same schema
  std::vector<std::string> sets;     // "key.path=value" overrides
};
HwConfig resolve_config(const HwSelection& sel);

struct SessionOptions {
  Mode mode = Mode::kValuesAndTiming;
  std::map<std::string, std::string> input_files;  // tensor name -> .npy
  uint64_t seed = 0;
  // Prefix of validation errors, e.g. the trace file: "FILE: instruction 3 (...): ..."; none
  // when empty.
  std::string error_context;
};

struct Session {
  HwConfig config;
  RunResult result;
  Stats stats;
  std::unique_ptr<isa::MachineState> values;  // null in timing-only mode
};

// Validates (and places tiles of) `prog` against `cfg`, then runs it.
Session run_session(isa::Program& prog, const HwConfig& cfg, const SessionOptions& opts);

}  // namespace trnsim::sim
