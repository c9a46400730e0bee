#include "sim/deps/dependencies.h"

#include <algorithm>

#include "isa/access_pattern.h"

namespace trnsim::sim {
namespace {

constexpr int64_t kMinBuckets = 64;
constexpr int64_t kMaxBuckets = int64_t(1) << 16;
constexpr int64_t kMinBucketBytes = 64;

int64_t ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }

// Bucket size of a space of `extent` bytes with `count` accesses of `total_len` bytes in all.
// About one bucket per access (at least kMinBuckets, at most kMaxBuckets), so bucket lists stay
// short on long streaming kernels and bucket memory is linear in the accesses; never smaller
// than the mean access length, so an access touches about two buckets on average and the
// bucket visits stay linear too.
int64_t bucket_bytes_for(int64_t extent, int64_t count, int64_t total_len, int64_t fixed) {
  if (fixed > 0) return std::max(kMinBucketBytes, ceil_div(extent, fixed));
  const int64_t target = std::clamp(count, kMinBuckets, kMaxBuckets);
  const int64_t mean_len = count > 0 ? ceil_div(total_len, count) : 0;
  return std::max({kMinBucketBytes, ceil_div(extent, target), mean_len});
}

struct Access {
  isa::Footprint box;
  int32_t instr = 0;
  int32_t queue = 0;
  int32_t refs = 0;  // buckets still listing it; a dead access with no refs is reused
  bool write = false;
  bool dead = false;
  bool dma = false;  // made by a DMA instruction
};

bool covers(const isa::Footprint& a, const isa::Footprint& b) {
  return a.p_lo <= b.p_lo && b.p_hi <= a.p_hi && a.lo <= b.lo && b.hi <= a.hi;
}

// Space id: 0 = SBUF, 1 = PSUM, 2 + t = HBM tensor t.
int space_of(const isa::Footprint& f) {
  switch (f.memory) {
    case isa::Memory::kSbuf:
      return 0;
    case isa::Memory::kPsum:
      return 1;
    case isa::Memory::kHbm:
      return 2 + f.tensor;
  }
  return 0;
}

struct Space {
  int64_t bucket_bytes = kMinBucketBytes;
  std::vector<std::vector<int32_t>> buckets;  // access ids
  int64_t first(int64_t lo) const {
    return std::min<int64_t>(int64_t(buckets.size()) - 1, lo / bucket_bytes);
  }
  int64_t last(int64_t hi) const {
    return std::min<int64_t>(int64_t(buckets.size()) - 1, (hi - 1) / bucket_bytes);
  }
};

}  // namespace

Dependencies analyze_dependencies(const isa::Program& prog, const std::vector<int32_t>& order_key,
                                  int num_keys, int64_t fixed_buckets) {
  const int32_t n = static_cast<int32_t>(prog.instructions.size());
  // Footprints of every operand, flat, and the extent of every space.
  std::vector<int32_t> fp_begin(n + 1, 0);
  std::vector<isa::Footprint> fps;
  std::vector<uint8_t> fp_write;
  size_t operand_count = 0;
  for (const isa::Instruction& ins : prog.instructions) operand_count += ins.operands.size();
  fps.reserve(operand_count);
  fp_write.reserve(operand_count);
  std::vector<int64_t> extent(2 + prog.tensors.size(), 0);
  std::vector<int64_t> count(extent.size(), 0), total_len(extent.size(), 0);  // accesses, bytes
  for (int32_t i = 0; i < n; ++i) {
    const isa::Instruction& ins = prog.instructions[i];
    const isa::InstrInfo& in = isa::info(ins.op);
    for (size_t k = 0; k < ins.operands.size() && k < in.operands.size(); ++k) {
      if (!ins.operands[k].is_view()) continue;
      const isa::Footprint f = isa::footprint(prog, ins.operands[k].view);
      if (f.hi <= f.lo || f.p_hi <= f.p_lo) continue;
      fps.push_back(f);
      fp_write.push_back(in.operands[k].kind == isa::OperandKind::kOut);
      const int space = space_of(f);
      extent[space] = std::max(extent[space], f.flat_hi());
      ++count[space];
      total_len[space] += f.flat_hi() - f.flat_lo();
    }
    fp_begin[i + 1] = static_cast<int32_t>(fps.size());
  }
  std::vector<Space> spaces(extent.size());
  for (size_t s = 0; s < spaces.size(); ++s) {
    spaces[s].bucket_bytes = bucket_bytes_for(extent[s], count[s], total_len[s], fixed_buckets);
    const int64_t buckets = extent[s] == 0 ? 0 : (extent[s] - 1) / spaces[s].bucket_bytes + 1;
    spaces[s].buckets.resize(buckets);
  }

  Dependencies deps;
  deps.begin.assign(n + 1, 0);
  deps.producers.reserve(2 * static_cast<size_t>(n));
  deps.raw.reserve(2 * static_cast<size_t>(n));
  std::vector<Access> accesses;  // live accesses and reusable slots (free_ids)
  std::vector<int32_t> free_ids;
  std::vector<int32_t> latest(num_keys, -1);
  std::vector<uint8_t> latest_raw(num_keys, 0);
  std::vector<int32_t> touched;
  for (int32_t i = 0; i < n; ++i) {
    const int32_t my_queue = order_key[i];
    const bool my_dma = prog.instructions[i].engine == isa::Engine::kDma;
    for (int32_t f = fp_begin[i]; f < fp_begin[i + 1]; ++f) {
      const isa::Footprint& box = fps[f];
      const bool write = fp_write[f];
      Space& sp = spaces[space_of(box)];
      for (int64_t b = sp.first(box.flat_lo()); b <= sp.last(box.flat_hi()); ++b) {
        std::vector<int32_t>& ids = sp.buckets[b];
        size_t keep = 0;
        for (size_t k = 0; k < ids.size(); ++k) {
          Access& a = accesses[ids[k]];
          if (!a.dead && a.box.overlaps(box)) {
            // A covered read is retired by a write, by a read of its own key, and by a DMA
            // read if it is a DMA read; the last case adds a read-after-read edge, since DMA
            // keys are not ordered among themselves.
            const bool retire =
                covers(box, a.box) &&
                (write || (!a.write && (a.queue == my_queue || (my_dma && a.dma))));
            if (write || a.write || (retire && a.queue != my_queue)) {
              int32_t& l = latest[a.queue];
              if (l < 0) touched.push_back(a.queue);
              const uint8_t raw = a.write && !write ? 1 : 0;
              if (a.instr > l) {
                l = a.instr;
                latest_raw[a.queue] = raw;
              } else if (a.instr == l) {
                latest_raw[a.queue] |= raw;
              }
            }
            if (retire) a.dead = true;
          }
          if (a.dead) {  // drop it from this bucket; reuse the slot once no bucket lists it
            if (--a.refs == 0) free_ids.push_back(ids[k]);
            continue;
          }
          ids[keep++] = ids[k];
        }
        ids.resize(keep);
      }
    }
    std::sort(touched.begin(), touched.end(),
              [&](int32_t a, int32_t b) { return latest[a] < latest[b]; });
    for (int32_t q : touched) {
      deps.producers.push_back(latest[q]);
      deps.raw.push_back(latest_raw[q]);
      latest[q] = -1;
      latest_raw[q] = 0;
    }
    touched.clear();
    deps.begin[i + 1] = static_cast<int32_t>(deps.producers.size());
    for (int32_t f = fp_begin[i]; f < fp_begin[i + 1]; ++f) {
      Space& sp = spaces[space_of(fps[f])];
      const int64_t first = sp.first(fps[f].flat_lo()), last = sp.last(fps[f].flat_hi());
      const Access a{fps[f], i, my_queue, static_cast<int32_t>(last - first + 1),
                     fp_write[f] != 0, false, my_dma};
      int32_t id;
      if (free_ids.empty()) {
        id = static_cast<int32_t>(accesses.size());
        accesses.push_back(a);
      } else {
        id = free_ids.back();
        free_ids.pop_back();
        accesses[id] = a;
      }
      for (int64_t b = first; b <= last; ++b) sp.buckets[b].push_back(id);
    }
  }
  return deps;
}

}  // namespace trnsim::sim
