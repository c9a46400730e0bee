// The two-core trace format and results folder (isa/PAIR_TRACE.md).
// A pair manifest is a small JSON file naming one ordinary trace per core:
//   {"trnsim_pair": 1, "cores": ["core0.json", "core1.json"]}
// (paths relative to the manifest; either trace format). One-core traces are unchanged.
// Results folder of a pair run:
//   core0/, core1/   each core's results folder (sim/stats/results_writer.h), without outputs
//   outputs/         the output tensors of the shared HBM (core 0's program names them)
//   stats.json       the pair: the later core's stats with total_ns = the pair's time, and
//                    "lnc": cores, core_total_ns, barrier_ns, slowest_core, hbm_bytes_per_ns,
//                    per_core (each core's stats)
//   timeline.json    both cores in one Perfetto trace: process "NeuronCore 0" (pid 1) and
//                    "NeuronCore 1" (pid 2), each with its engine and DMA queue tracks, and a
//                    flow arrow "core sync" per cross-core dependency (written when the
//                    timeline format is json; json.gz: in core0/ and core1/ only)
#pragma once

#include <array>
#include <nlohmann/json.hpp>
#include <string>

#include "isa/program.h"
#include "sim/pair/pair_run.h"
#include "sim/trace/timeline.h"

namespace trnsim::sim {

// Whether `path` is a pair manifest (a small JSON object with the "trnsim_pair" key).
bool is_pair_manifest(const std::string& path);
// The two trace paths of a manifest, resolved against its folder. Throws trnsim::Error naming
// the file and key for anything else.
std::array<std::string, 2> read_pair_manifest(const std::string& path);

nlohmann::json pair_stats_json(const PairSession& s);

void write_pair_results(const std::string& dir, const std::array<const isa::Program*, 2>& progs,
                        const PairSession& s, bool all_tensors, const TimelineOptions& timeline);

}  // namespace trnsim::sim
