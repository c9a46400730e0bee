// The results folder of one run:
//   stats.json      statistics (stats_to_json)
//   timeline.json   Chrome/Perfetto timeline (sim/trace/timeline.h); timeline.json.gz instead,
//                   or neither, as TimelineOptions::format says (the other one is removed)
//   config.json     the resolved hardware config (HwConfig::source)
//   outputs/<tensor>.npy  every HBM tensor with role "output" (every HBM tensor with
//                   all_tensors), when values were computed; bf16/fp8 as float32 (isa/npy.h)
// A run owns its results folder: it is created if missing; an existing folder must be empty or
// hold only a previous run's results (the files above and outputs/*.npy), which are removed
// first so no stale output survives. Anything else, "/" and symbolic links inside the folder
// are refused. Two tensors whose output file names collide are an error.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "isa/program.h"
#include "isa/semantics/machine_state.h"
#include "sim/config/hw_config.h"
#include "sim/run_result.h"
#include "sim/stats/stats.h"
#include "sim/stats/summary.h"
#include "sim/trace/timeline.h"

namespace trnsim::sim {

// Throws trnsim::Error naming the file or folder that cannot be created or written, or the
// tensor whose value image does not match its declared size.
void write_results(const std::string& dir, const isa::Program& prog, const RunResult& result,
                   const HwConfig& cfg, const Stats& stats,
                   const isa::MachineState* values = nullptr, bool all_tensors = false,
                   const TimelineOptions& timeline = {});

// The outputs/ part alone: writes <dir>/<npy_file_name(name)> for each selected HBM tensor,
// taking tensor i's storage bytes from hbm_bytes(i). Creates `dir` only if a tensor is written.
void write_output_tensors(const std::string& dir, const isa::Program& prog,
                          const std::function<const std::vector<uint8_t>&(int)>& hbm_bytes,
                          bool all_tensors);

// File name used for a tensor under outputs/: the tensor name with every character outside
// [A-Za-z0-9_.-] replaced by '_' (and a leading '.' too), plus ".npy".
std::string npy_file_name(const std::string& tensor_name);

}  // namespace trnsim::sim
