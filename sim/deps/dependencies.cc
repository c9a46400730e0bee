#include "sim/deps/dependencies.h"

#include <algorithm>

#include "isa/access_pattern.h"

namespace trnsim::sim {
namespace {

constexpr int64_t kMinBuckets = 64;
constexpr int64_t kMaxBuckets = int64_t(1) << 16;
constexpr int64_t kMinBucketBytes = 64;

int64_t ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }

// What the accesses to one space span: rows (partitions on chip, dim-0 indices in HBM) and
// bytes within a row.
struct SpaceExtent {
  int64_t rows = 0, bytes = 0;          // past the last row / byte accessed
  int64_t count = 0;                    // accesses
  int64_t sum_rows = 0, sum_bytes = 0;  // of their row and byte spans
  void add(const isa::Footprint& f) {
    rows = std::max(rows, f.p_hi);
    bytes = std::max(bytes, f.hi);
    ++count;
    sum_rows += f.p_hi - f.p_lo;
    sum_bytes += f.hi - f.lo;
  }
};

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

// A space cut into a grid of buckets: bands of band_rows rows by columns of bucket_bytes bytes,
// band-major. Two boxes that overlap share a bucket (their intersection lies in one).
struct Space {
  int64_t band_rows = 1, bucket_bytes = kMinBucketBytes;
  int64_t bands = 0, columns = 0;
  std::vector<std::vector<int32_t>> buckets;  // access ids

  // Cells about the size of a mean access (so an access touches about four buckets and bucket
  // visits stay linear), grown until there are at most about one per access (at least
  // kMinBuckets, at most kMaxBuckets), so bucket lists stay short on long streaming kernels and
  // bucket memory is linear in the accesses; `fixed` > 0: at most that many buckets, from
  // cells of one row by kMinBucketBytes.
  void size_for(const SpaceExtent& e, int64_t fixed) {
    if (e.count == 0) return;
    const int64_t target = fixed > 0 ? fixed : std::clamp(e.count, kMinBuckets, kMaxBuckets);
    band_rows = fixed > 0 ? 1 : std::max<int64_t>(1, e.sum_rows / e.count);
    bucket_bytes = fixed > 0 ? kMinBucketBytes
                             : std::max(kMinBucketBytes, ceil_div(e.sum_bytes, e.count));
    for (;;) {
      bands = ceil_div(e.rows, band_rows);
      columns = ceil_div(e.bytes, bucket_bytes);
      if (bands * columns <= target) break;
      if (bands >= columns)
        band_rows *= 2;
      else
        bucket_bytes *= 2;
    }
    buckets.resize(size_t(bands * columns));
  }
  // Calls visit(bucket) for every bucket the box touches; returns how many.
  template <class Visit>
  int32_t for_each_bucket(const isa::Footprint& f, Visit&& visit) {
    const int64_t b0 = std::min(bands - 1, f.p_lo / band_rows);
    const int64_t b1 = std::min(bands - 1, (f.p_hi - 1) / band_rows);
    const int64_t c0 = std::min(columns - 1, f.lo / bucket_bytes);
    const int64_t c1 = std::min(columns - 1, (f.hi - 1) / bucket_bytes);
    for (int64_t band = b0; band <= b1; ++band)
      for (int64_t c = c0; c <= c1; ++c) visit(buckets[size_t(band * columns + c)]);
    return static_cast<int32_t>((b1 - b0 + 1) * (c1 - c0 + 1));
  }
};

}  // namespace

Dependencies analyze_dependencies(const isa::Program& prog, const std::vector<int32_t>& order_key,
                                  int num_keys, int64_t fixed_buckets) {
  const int32_t n = static_cast<int32_t>(prog.instructions.size());
  // Footprints of every operand, flat, and what the accesses to every space span.
  std::vector<int32_t> fp_begin(n + 1, 0);
  std::vector<isa::Footprint> fps;
  std::vector<uint8_t> fp_write;
  size_t operand_count = 0;
  for (const isa::Instruction& ins : prog.instructions) operand_count += ins.operands.size();
  fps.reserve(operand_count);
  fp_write.reserve(operand_count);
  std::vector<SpaceExtent> extent(2 + prog.tensors.size());
  for (int32_t i = 0; i < n; ++i) {
    const isa::Instruction& ins = prog.instructions[i];
    const isa::InstrInfo& in = isa::info(ins.op);
    for (size_t k = 0; k < ins.operands.size() && k < in.operands.size(); ++k) {
      if (!ins.operands[k].is_view()) continue;
      const isa::Footprint f = isa::footprint(prog, ins.operands[k].view);
      if (f.hi <= f.lo || f.p_hi <= f.p_lo) continue;
      fps.push_back(f);
      fp_write.push_back(in.operands[k].kind == isa::OperandKind::kOut);
      extent[space_of(f)].add(f);
    }
    fp_begin[i + 1] = static_cast<int32_t>(fps.size());
  }
  std::vector<Space> spaces(extent.size());
  for (size_t s = 0; s < spaces.size(); ++s) spaces[s].size_for(extent[s], fixed_buckets);

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
      spaces[space_of(box)].for_each_bucket(box, [&](std::vector<int32_t>& ids) {
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
      });
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
      const Access a{fps[f], i, my_queue, 0, fp_write[f] != 0, false, my_dma};
      int32_t id;
      if (free_ids.empty()) {
        id = static_cast<int32_t>(accesses.size());
        accesses.push_back(a);
      } else {
        id = free_ids.back();
        free_ids.pop_back();
        accesses[id] = a;
      }
      accesses[id].refs = spaces[space_of(fps[f])].for_each_bucket(
          fps[f], [id](std::vector<int32_t>& ids) { ids.push_back(id); });
    }
  }
  return deps;
}

}  // namespace trnsim::sim
