// Static checks of the GpSimd gather and segment instructions
// (isa/instructions.def, "gpsimd gather and segment bounds"), following the
// constraints the NKI ISA reference lists for local_gather and sequence_bounds.
// What only the runtime values decide (an index past src, a negative segment
// id) is checked when the instruction executes
// (isa/semantics/gpsimd_gather.cc).
#include <string>

#include "isa/validate_internal.h"

namespace trnsim::isa::validate_internal {
namespace {

constexpr int64_t kPartitionsPerCore = 16;
constexpr int64_t kMaxIndicesPerCore = 4096;

std::string num(int64_t v) { return std::to_string(v); }

// A view starting at a core's first partition, one partition after another:
// each GpSimd core reads and writes only the 16 partitions it is connected to.
void expect_core_aligned(const InstrChecker &c, std::string_view role,
                         int64_t first) {
  const Slice &rows = c.view(role).dims[0];
  if (rows.step != 1 || rows.start != first || first % kPartitionsPerCore != 0)
    throw c.error(c.describe(role) + " covers partitions " + num(rows.start) +
                  ":" + num(rows.stop) + ":" + num(rows.step) +
                  "; local_gather needs src, index and "
                  "dst on the same partitions, contiguous, starting at a "
                  "multiple of 16 (each "
                  "GpSimd core gathers within its own 16 partitions)");
}

} // namespace

void check_local_gather(const InstrChecker &c) {
  for (const char *role : {"dst", "src", "index"})
    c.expect_memory(role, Memory::kSbuf, "GpSimd reads and writes SBUF");
  if (c.dtype("index") != DType::kUint16)
    throw c.error(c.describe("index") + " has dtype " +
                  std::string(dtype_name(c.dtype("index"))) +
                  ", local_gather indices are uint16");
  if (c.dtype("dst") != c.dtype("src"))
    throw c.error(c.describe("dst") + " has dtype " +
                  std::string(dtype_name(c.dtype("dst"))) +
                  ", local_gather keeps src's dtype " +
                  std::string(dtype_name(c.dtype("src"))) + " (no cast)");
  const int64_t p = c.partitions("src");
  if (p % kPartitionsPerCore != 0)
    throw c.error(c.describe("src") + " has " + num(p) +
                  " partitions, local_gather needs a "
                  "multiple of 16 (one GpSimd core per 16 partitions)");
  if (c.partitions("index") != p)
    throw c.error(c.describe("index") + " has " + num(c.partitions("index")) +
                  " partitions, src has " + num(p) + " (they must match)");
  const int64_t first = c.view("src").dims[0].start;
  for (const char *role : {"src", "index", "dst"})
    expect_core_aligned(c, role, first);
  const double k = c.ins().attr("num_elem_per_idx").num;
  if (k != 1 && k != 2 && k != 4 && k != 8 && k != 16 && k != 32)
    throw c.error(c.attr_label("num_elem_per_idx") + ": " + std::to_string(k) +
                  " is not one of 1, 2, 4, 8, 16, 32");
  const int64_t per_core = kPartitionsPerCore * c.free_elements("index");
  int64_t valid = per_core;
  if (c.attr_present("num_valid_indices")) {
    const double v = c.ins().attr("num_valid_indices").num;
    if (v < 1 || v > double(per_core))
      throw c.error(c.attr_label("num_valid_indices") + ": " +
                    std::to_string(int64_t(v)) + " is outside 1.." +
                    num(per_core) +
                    " (the indices in one core's 16 "
                    "partitions of " +
                    c.describe("index") + ")");
    valid = int64_t(v);
  }
  if (valid > kMaxIndicesPerCore)
    throw c.error(num(valid) +
                  " indices per GpSimd core, local_gather takes at most " +
                  num(kMaxIndicesPerCore) +
                  " (set num_valid_indices or use a smaller index)");
  c.expect_pf("dst", p, valid * int64_t(k),
              "num_valid_indices * num_elem_per_idx per partition");
}

void check_sequence_bounds(const InstrChecker &c) {
  for (const char *role : {"dst", "segment_ids"}) {
    c.expect_memory(role, Memory::kSbuf, "GpSimd reads and writes SBUF");
    const DType t = c.dtype(role);
    if (t != DType::kFp32 && t != DType::kInt32)
      throw c.error(c.describe(role) + " has dtype " +
                    std::string(dtype_name(t)) +
                    ", sequence_bounds takes float32 or int32");
  }
  if (c.partitions("segment_ids") != 1)
    throw c.error(c.describe("segment_ids") + " has " +
                  num(c.partitions("segment_ids")) +
                  " partitions, sequence_bounds needs 1");
  c.expect_pf("dst", 1, 2 * c.free_elements("segment_ids"),
              "[1, 2, n] (start and end index of each of the n segment ids)");
}

} // namespace trnsim::isa::validate_internal
