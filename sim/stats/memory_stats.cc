#include "sim/stats/memory_stats.h"

#include <algorithm>
#include <utility>

#include "isa/validate.h"
#include "sim/cost/cost_model.h"

namespace trnsim::sim {
namespace {

bool is_spill(const isa::Program& prog, const isa::View& v) {
  return v.buf.memory == isa::Memory::kHbm &&
         prog.tensors[v.buf.index].role == isa::TensorRole::kSpill;
}

// Peak of the sum of live tiles' bytes over instruction indices (+ at first, - after last).
MemoryUse peak_use(const std::vector<TileUse>& tiles, isa::Memory memory, int32_t n,
                   int64_t capacity) {
  std::vector<int64_t> delta(static_cast<size_t>(n) + 1, 0);
  for (const TileUse& t : tiles) {
    if (t.memory != memory || t.first < 0) continue;
    delta[t.first] += t.bytes_per_partition;
    delta[t.last + 1] -= t.bytes_per_partition;
  }
  MemoryUse use;
  use.capacity_bytes_per_partition = capacity;
  int64_t in_use = 0;
  for (int32_t i = 0; i < n; ++i) {
    in_use += delta[i];
    if (in_use > use.peak_bytes_per_partition) {
      use.peak_bytes_per_partition = in_use;
      use.peak_instruction = i;
    }
  }
  return use;
}

nlohmann::json use_json(const MemoryUse& u) {
  return {{"peak_bytes_per_partition", u.peak_bytes_per_partition},
          {"peak_instruction", u.peak_instruction},
          {"capacity_bytes_per_partition", u.capacity_bytes_per_partition}};
}

}  // namespace

MemoryStats compute_memory_stats(const isa::Program& prog, const RunResult& result,
                                 int64_t sbuf_capacity, int64_t psum_capacity) {
  MemoryStats m;
  const int32_t n = static_cast<int32_t>(prog.instructions.size());
  const bool timed = result.records.size() == prog.instructions.size() && n > 0;
  const std::vector<isa::TileLiveRange> live = isa::tile_live_ranges(prog);
  for (size_t t = 0; t < prog.tiles.size(); ++t) {
    const isa::Tile& tile = prog.tiles[t];
    TileUse u{tile.name, tile.memory, tile.address, tile.bytes_per_partition(), tile.partitions,
              live[t].first, live[t].last};
    if (timed && u.first >= 0) {
      u.start_ns = result.records[u.first].start_ns;
      u.end_ns = result.records[u.last].end_ns;
    }
    m.tiles.push_back(std::move(u));
  }
  m.sbuf = peak_use(m.tiles, isa::Memory::kSbuf, n, sbuf_capacity);
  m.psum = peak_use(m.tiles, isa::Memory::kPsum, n, psum_capacity);
  for (const isa::Instruction& ins : prog.instructions) {
    if (ins.engine != isa::Engine::kDma) continue;
    const int64_t bytes = dma_bytes(prog, ins);
    if (is_spill(prog, ins.operand("dst").view)) {
      m.spill_bytes += bytes;
      ++m.spill_transfers;
    }
    if (is_spill(prog, ins.operand("src").view)) {
      m.reload_bytes += bytes;
      ++m.reload_transfers;
    }
  }
  for (const InstrRecord& r : result.records) {
    m.anti_wait_ns += r.anti_dep_wait_ns;
    m.raw_wait_ns += r.dep_wait_ns - r.anti_dep_wait_ns;
  }
  return m;
}

std::vector<MemoryCounterPoint> memory_counter_track(const MemoryStats& m, isa::Memory memory) {
  std::vector<std::pair<double, int64_t>> events;  // (time, +-bytes); frees sort first
  for (const TileUse& t : m.tiles) {
    if (t.memory != memory || t.first < 0 || t.end_ns <= 0) continue;
    events.emplace_back(t.start_ns, t.bytes_per_partition);
    events.emplace_back(t.end_ns, -t.bytes_per_partition);
  }
  std::sort(events.begin(), events.end());
  std::vector<MemoryCounterPoint> track;
  int64_t in_use = 0;
  for (size_t k = 0; k < events.size(); ++k) {
    in_use += events[k].second;
    if (k + 1 < events.size() && events[k + 1].first == events[k].first) continue;
    track.push_back({events[k].first, in_use});
  }
  return track;
}

nlohmann::json tile_use_json(const TileUse& t) {
  return {{"name", t.name},
          {"memory", std::string(isa::memory_name(t.memory))},
          {"address", t.address},
          {"bytes_per_partition", t.bytes_per_partition},
          {"partitions", t.partitions},
          {"first_instruction", t.first},
          {"last_instruction", t.last},
          {"start_ns", t.start_ns},
          {"end_ns", t.end_ns}};
}

void add_memory_stats_json(const MemoryStats& m, nlohmann::json* stats, bool with_tiles) {
  using nlohmann::json;
  json memory = {{"sbuf", use_json(m.sbuf)}, {"psum", use_json(m.psum)}};
  if (with_tiles) {
    json tiles = json::array();
    for (const TileUse& t : m.tiles) tiles.push_back(tile_use_json(t));
    memory["tiles"] = std::move(tiles);
  }
  (*stats)["memory"] = std::move(memory);
  (*stats)["spill"] = {{"spill_bytes", m.spill_bytes},
                       {"reload_bytes", m.reload_bytes},
                       {"spill_transfers", m.spill_transfers},
                       {"reload_transfers", m.reload_transfers}};
  (*stats)["dependency_waits"] = {{"raw_ns", m.raw_wait_ns}, {"anti_ns", m.anti_wait_ns}};
}

}  // namespace trnsim::sim
