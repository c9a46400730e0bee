// Run statistics: what a kernel author reads first after a simulation. Computed from the program,
// the timing result (one record per instruction) and the hardware config; a pure function, no
// SystemC. Written as stats.json and summarised in the terminal table.
//
// Units: times in ns of simulated time, bandwidth in bytes/ns (= GB/s), FLOP rates in flop/ns
// (= GFLOP/s). Utilisation = busy / total, in [0, 1] (0 when the total time is 0).
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "isa/opcodes.h"
#include "isa/program.h"
#include "sim/config/hw_config.h"
#include "sim/run_result.h"
#include "sim/stats/slowness.h"
#include "sim/stats/memory_stats.h"

namespace trnsim::sim {

inline constexpr int kStatsFormatVersion = 1;

struct EngineStats {
  double clock_ghz = 0;       // engine clock (DMA: 1, its "cycles" are ns)
  double busy_ns = 0;         // compute: sum of occupancy; DMA: queue busy sum / queues (.cc)
  int64_t busy_cycles = 0;    // sum of the records' cycles
  double utilisation = 0;     // busy_ns / total_ns
  int64_t instructions = 0;   // instructions assigned to this engine by the program
  double dep_wait_ns = 0;     // sum of the records' dep_wait_ns (DMA: per queue, like busy)
};

struct DmaQueueStats {
  int queue = 0;
  double busy_ns = 0;
  double utilisation = 0;
  int64_t transfers = 0;  // transfer pieces run on this queue (a spread DMA has one per queue)
  int64_t bytes = 0;
  double dep_wait_ns = 0;
};

struct Stats {
  std::string program;
  std::string config;              // HwConfig::name
  double total_ns = 0;
  bool timed = false;              // false when the run had no timing (values only)
  int64_t instructions = 0;

  std::array<EngineStats, isa::kNumEngines> engines{};  // indexed by isa::Engine
  std::vector<DmaQueueStats> dma_queues;                // one per configured queue
  std::map<std::string, int64_t> opcode_counts;         // opcode name -> count

  int64_t dma_bytes = 0;
  double dma_bytes_per_ns = 0;          // dma_bytes / total_ns
  double dma_peak_bytes_per_ns = 0;     // queues * queue_bytes_per_ns
  double dma_peak_fraction = 0;         // achieved / peak
  double dma_active_ns = 0;             // time at least one DMA queue was moving data

  double flops = 0;
  double flops_per_ns = 0;              // flops / total_ns
  double tensor_peak_flops_per_ns = 0;  // 2 * rows * cols * tensor_ghz (bf16 dense)
  double tensor_peak_fraction = 0;      // achieved / peak

  isa::Engine bottleneck = isa::Engine::kTensor;  // largest busy_ns (see compute_stats)
  Slowness why;  // verdict, critical path, time by source line (sim/stats/slowness.h)
  MemoryStats memory;  // tiles, peak use, spill traffic, anti-dependency waits

  const EngineStats& engine(isa::Engine e) const { return engines[static_cast<int>(e)]; }
  // Total time in cycles of engine `e`'s clock (rounded to the nearest cycle).
  int64_t total_cycles(isa::Engine e) const;
};

// Throws trnsim::Error for records that do not fit the program (index out of range, a DMA
// record without a queue, negative times).
Stats compute_stats(const isa::Program& prog, const RunResult& result, const HwConfig& cfg);

// The stats.json document (format "trnsim-stats", version kStatsFormatVersion).
// memory.tiles is left out unless `with_tiles`.
nlohmann::json stats_to_json(const Stats& s, bool with_tiles = true);
// Writes the text of stats_to_json(s).dump(2) (invalid UTF-8 replaced) without holding
// memory.tiles as a document: each tile is formatted and written in turn (a kernel allocates a
// tile per loop iteration: 66,560 of them in the tiled matmul, whose document took ~130 MB).
void write_stats_json(std::ostream& os, const Stats& s);

// Text describing the tensor-engine peak used for tensor_peak_fraction.
inline constexpr const char* kTensorPeakBasis = "bf16 dense: 2 * rows * cols * tensor_ghz";

}  // namespace trnsim::sim
