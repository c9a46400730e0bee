// Side-by-side comparison of two runs' stats.json documents (A is the baseline): total time,
// per-engine busy time, utilisation and dependency wait, DMA bandwidth, FLOP fraction of peak,
// bottlenecks, with deltas (B - A) and the speed-up of B over A (A's total / B's total, > 1 when
// B is faster). Backs `trnsim compare A/ B/`.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace trnsim::sim {

// Result layout: {"a": {"name","program","config"}, "b": {...},
//   "total_ns": {"a","b","delta","speedup"},
//   "engines": {"<engine>": {"busy_ns": {"a","b","delta"}, "utilisation": {...},
//                            "dep_wait_ns": {...}}},
//   "dma_bytes_per_ns": {...}, "tensor_peak_fraction": {...},
//   "bottleneck": {"a": "<engine>", "b": "<engine>"}}
// "speedup" is null when B's total is 0. Throws trnsim::Error naming the document (name_a /
// name_b) and the key when a stats document lacks a required field or has the wrong type.
nlohmann::json compare_results(const nlohmann::json& stats_a, const nlohmann::json& stats_b,
                               const std::string& name_a = "A", const std::string& name_b = "B");

// The aligned terminal table of a compare_results document.
std::string format_compare(const nlohmann::json& comparison);

// Reads <dir_a>/stats.json and <dir_b>/stats.json and returns format_compare's table.
// Throws trnsim::Error naming the missing or invalid file.
std::string compare_dirs(const std::string& dir_a, const std::string& dir_b);

}  // namespace trnsim::sim
