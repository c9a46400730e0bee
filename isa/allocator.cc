// The tile allocator: fixed-address tiles stay where they are declared (checked for alignment,
// capacity and overlap); the others are placed first fit in declaration order. Every tile
// spans partitions [0, partitions), so two tiles of one memory conflict when their byte ranges
// within a partition overlap and, for two fixed-address tiles, their live ranges (first to last
// instruction that touches them) overlap too: a compiler that allocates by live range (the NKI
// front end) may give tiles that are never live together the same bytes. A tile no instruction
// touches counts as live throughout.
// APPROX: tiles without a fixed address get one static placement for the whole program (no
// lifetime-based reuse) and never share bytes with any other tile; kernels reuse storage
// explicitly (kernels/builder.h TilePool) or through fixed addresses.
#include <algorithm>
#include <functional>
#include <limits>
#include <map>
#include <queue>
#include <utility>
#include <string>
#include <vector>

#include "isa/error.h"
#include "isa/validate.h"

namespace trnsim::isa {
namespace {

constexpr int64_t kSbufAlignBytes = 64;
constexpr int64_t kPsumAlignBytes = 4;

struct Range {
  int64_t lo, hi;  // [lo, hi) bytes within a partition
  int tile;
};

std::string live_desc(const TileLiveRange& r) {
  if (!r.used()) return "never used, so live throughout";
  return "live at instructions " + std::to_string(r.first) + ".." + std::to_string(r.last);
}

int64_t align_up(int64_t v, int64_t a) { return (v + a - 1) / a * a; }

std::string tile_desc(const Tile& t, int64_t lo) {
  return "tile '" + t.name + "' (" + std::string(memory_name(t.memory)) + " bytes [" +
         std::to_string(lo) + ", " + std::to_string(lo + t.bytes_per_partition()) + "))";
}

// Moves `a` up to the first address where a tile of `size` bytes obeys the PSUM bank rule:
// a tile that fits one bank stays inside one bank; a larger one starts on a bank boundary.
int64_t apply_bank_rule(int64_t a, int64_t size, int64_t bank_bytes) {
  if (bank_bytes <= 0) return a;
  if (size <= bank_bytes && a / bank_bytes == (a + size - 1) / bank_bytes) return a;
  return align_up(a, bank_bytes);
}

// First fit: the lowest aligned address where [a, a + size) misses every used range and obeys
// the bank rule (bank_bytes > 0 only for PSUM). `used` is sorted by lo and disjoint, so one pass
// suffices: a candidate only grows, past every range it collides with. O(ranges).
int64_t first_fit(const std::vector<Range>& used, int64_t size, int64_t align, int64_t bank_bytes) {
  int64_t a = apply_bank_rule(0, size, bank_bytes);
  for (const Range& r : used) {
    if (r.lo >= a + size) break;  // this and every later range start past the candidate
    if (r.hi <= a) continue;
    a = apply_bank_rule(align_up(r.hi, align), size, bank_bytes);
  }
  return a;
}

// Inserts `r` into the sorted disjoint ranges `used` (r misses every one of them).
void insert_sorted(std::vector<Range>& used, const Range& r) {
  used.insert(std::upper_bound(used.begin(), used.end(), r,
                               [](const Range& x, const Range& y) { return x.lo < y.lo; }),
              r);
}

// Live range as a closed interval for the sweep; an unused tile is live throughout.
std::pair<int64_t, int64_t> sweep_range(const TileLiveRange& r) {
  if (!r.used()) return {-1, std::numeric_limits<int64_t>::max()};
  return {r.first, r.last};
}

// Throws if two fixed tiles share bytes while both are live. Sweep over live-range starts
// (ties: declaration order) with the live tiles in an address map: live tiles never share
// bytes, so a new tile can only collide with its two address neighbours. O(T log T).
void check_fixed_overlaps(const Program& prog, const std::vector<Range>& fixed,
                          const std::vector<TileLiveRange>& live) {
  std::vector<const Range*> order;
  for (const Range& r : fixed) order.push_back(&r);
  std::stable_sort(order.begin(), order.end(), [&](const Range* a, const Range* b) {
    return sweep_range(live[a->tile]).first < sweep_range(live[b->tile]).first;
  });
  std::map<int64_t, const Range*> active;  // by lo
  using End = std::pair<int64_t, const Range*>;
  std::priority_queue<End, std::vector<End>, std::greater<End>> ends;  // (last, range)
  for (const Range* r : order) {
    const auto [first, last] = sweep_range(live[r->tile]);
    while (!ends.empty() && ends.top().first < first) {
      active.erase(ends.top().second->lo);
      ends.pop();
    }
    auto next = active.lower_bound(r->lo);
    const Range* hit = nullptr;
    if (next != active.end() && next->first < r->hi) hit = next->second;
    if (hit == nullptr && next != active.begin() && std::prev(next)->second->hi > r->lo)
      hit = std::prev(next)->second;
    if (hit != nullptr) {
      const Tile& t = prog.tiles[r->tile];
      throw Error(tile_desc(t, r->lo) + ", " + live_desc(live[r->tile]) + ", overlaps " +
                  tile_desc(prog.tiles[hit->tile], hit->lo) + ", " + live_desc(live[hit->tile]));
    }
    active[r->lo] = r;
    ends.push({last, r});
  }
}

// The union of the ranges as sorted disjoint ranges (first fit only needs the bytes in use).
std::vector<Range> merged(std::vector<Range> ranges) {
  std::sort(ranges.begin(), ranges.end(),
            [](const Range& a, const Range& b) { return a.lo < b.lo; });
  std::vector<Range> out;
  for (const Range& r : ranges) {
    if (!out.empty() && r.lo <= out.back().hi) {
      out.back().hi = std::max(out.back().hi, r.hi);
    } else {
      out.push_back(r);
    }
  }
  return out;
}

void allocate_memory(Program& prog, const CoreLimits& limits, Memory mem,
                     const std::vector<TileLiveRange>& live) {
  const bool psum = mem == Memory::kPsum;
  const int64_t capacity = psum ? limits.psum_partition_bytes : limits.sbuf_partition_bytes;
  const int64_t align = psum ? kPsumAlignBytes : kSbufAlignBytes;
  const int64_t bank = psum ? limits.psum_bank_bytes : 0;
  bool any = false;
  for (const Tile& t : prog.tiles) any = any || t.memory == mem;
  if (!any) return;
  if (capacity <= 0)
    throw Error(std::string("core limits: ") + (psum ? "psum" : "sbuf") +
                "_partition_bytes is not set");
  if (psum && bank <= 0) throw Error("core limits: psum_bank_bytes is not set");

  std::vector<Range> used;
  for (int i = 0; i < int(prog.tiles.size()); ++i) {
    Tile& t = prog.tiles[i];
    if (t.memory != mem || !t.fixed_address) continue;
    const int64_t lo = *t.fixed_address, size = t.bytes_per_partition();
    const int64_t esize = dtype_bytes(t.dtype);
    if (lo < 0 || lo % esize != 0)
      throw Error("tile '" + t.name + "': fixed address " + std::to_string(lo) +
                  " is not a non-negative multiple of its element size " + std::to_string(esize));
    if (lo > capacity || size > capacity - lo)  // compared without forming lo + size
      throw Error("tile '" + t.name + "' (" + std::string(memory_name(mem)) + ", " +
                  std::to_string(size) + " bytes at " + std::to_string(lo) +
                  "): ends past the " + std::string(memory_name(mem)) + " capacity of " +
                  std::to_string(capacity) + " bytes per partition");
    const int64_t hi = lo + size;
    t.address = lo;
    used.push_back({lo, hi, i});
  }
  check_fixed_overlaps(prog, used, live);
  int64_t placed = static_cast<int64_t>(used.size());
  used = merged(std::move(used));
  for (int i = 0; i < int(prog.tiles.size()); ++i) {
    Tile& t = prog.tiles[i];
    if (t.memory != mem || t.fixed_address) continue;
    const int64_t size = t.bytes_per_partition();
    if (size > capacity)  // before first_fit, whose address arithmetic assumes size <= capacity
      throw Error("tile '" + t.name + "': does not fit in " + std::string(memory_name(mem)) +
                  ": needs " + std::to_string(size) + " bytes per partition, capacity " +
                  std::to_string(capacity) + " bytes per partition");
    const int64_t a = first_fit(used, size, align, bank);
    if (a + size > capacity) {
      int64_t in_use = 0;
      for (const Range& r : used) in_use += r.hi - r.lo;
      throw Error("tile '" + t.name + "': does not fit in " + std::string(memory_name(mem)) +
                  ": needs " + std::to_string(size) + " bytes per partition, capacity " +
                  std::to_string(capacity) + " bytes per partition, " + std::to_string(in_use) +
                  " already in use by " + std::to_string(placed) + " tiles");
    }
    t.address = a;
    insert_sorted(used, {a, a + size, i});
    ++placed;
  }
}

}  // namespace

std::vector<TileLiveRange> tile_live_ranges(const Program& prog) {
  std::vector<TileLiveRange> live(prog.tiles.size());
  for (size_t i = 0; i < prog.instructions.size(); ++i) {
    for (const Operand& op : prog.instructions[i].operands) {
      if (!op.is_view() || op.view.buf.memory == Memory::kHbm) continue;
      const int32_t t = op.view.buf.index;
      if (t < 0 || t >= static_cast<int32_t>(live.size())) continue;
      TileLiveRange& r = live[t];
      if (!r.used()) r.first = static_cast<int32_t>(i);
      r.last = static_cast<int32_t>(i);
    }
  }
  return live;
}

void allocate_tiles(Program& prog, const CoreLimits& limits) {
  const std::vector<TileLiveRange> live = tile_live_ranges(prog);
  allocate_memory(prog, limits, Memory::kSbuf, live);
  allocate_memory(prog, limits, Memory::kPsum, live);
}

}  // namespace trnsim::isa
