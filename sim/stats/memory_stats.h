// On-chip memory and allocation figures of a run (the "memory", "spill" and
// "dependency_waits" sections of stats.json): where every SBUF/PSUM tile lives and when, the
// peak bytes in use, the spill/reload traffic to HBM tensors of role spill, and how much of the
// dependency wait time is spent on anti-dependencies (WAR/WAW) rather than RAW.
// In use at instruction i: the bytes per partition of every tile whose live range (first..last
// instruction touching it, isa::tile_live_ranges) contains i. Live tiles never share bytes
// (isa/allocator.cc), so this is a sum. Tiles no instruction touches are not counted.
// APPROX: a tile is in use from its first instruction to its last, also in the gaps between
// them (the compiler's live range, not the bytes actually holding values).
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "isa/program.h"
#include "sim/run_result.h"

namespace trnsim::sim {

struct TileUse {
  std::string name;
  isa::Memory memory = isa::Memory::kSbuf;
  int64_t address = 0;              // byte offset within each partition
  int64_t bytes_per_partition = 0;
  int64_t partitions = 0;
  int32_t first = -1, last = -1;    // live range in instruction indices (-1: unused)
  double start_ns = 0, end_ns = 0;  // first instruction's start, last instruction's end (timed)
};

struct MemoryUse {
  int64_t peak_bytes_per_partition = 0;  // max over instructions of the bytes in use
  int32_t peak_instruction = -1;         // first instruction where the peak is reached
  int64_t capacity_bytes_per_partition = 0;
};

// One step of an in-use counter track: from time_ns on, bytes_per_partition are in use.
struct MemoryCounterPoint {
  double time_ns = 0;
  int64_t bytes_per_partition = 0;
};

struct MemoryStats {
  std::vector<TileUse> tiles;  // as prog.tiles
  MemoryUse sbuf, psum;
  int64_t spill_bytes = 0;   // DMA bytes written into spill tensors
  int64_t reload_bytes = 0;  // DMA bytes read from spill tensors
  int64_t spill_transfers = 0, reload_transfers = 0;
  double raw_wait_ns = 0;   // dependency wait on RAW (and sync, ports) edges
  double anti_wait_ns = 0;  // dependency wait on WAR/WAW edges (InstrRecord::anti_dep_wait_ns)
};

// `result` may have no records (values-only run): times are then 0 and waits 0.
MemoryStats compute_memory_stats(const isa::Program& prog, const RunResult& result,
                                 int64_t sbuf_capacity, int64_t psum_capacity);

// In-use steps over simulated time for one memory, in time order (empty without records).
std::vector<MemoryCounterPoint> memory_counter_track(const MemoryStats& m, isa::Memory memory);

// One element of stats.json's memory.tiles.
nlohmann::json tile_use_json(const TileUse& t);

// The sections {"memory": ..., "spill": ..., "dependency_waits": ...} merged into `stats`;
// memory.tiles only if `with_tiles` (write_stats_json writes the tiles one at a time).
void add_memory_stats_json(const MemoryStats& m, nlohmann::json* stats, bool with_tiles = true);

}  // namespace trnsim::sim
