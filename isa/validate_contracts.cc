// Per-opcode shape contracts, as stated in the summaries of isa/instructions.def. P = partitions
// of a view, N (or F) = elements per partition (product of its free dims, C order). The switch
// has no default, so an opcode added to the table without a contract does not compile.
#include <algorithm>
#include <set>

#include "isa/access_pattern.h"
#include "isa/validate_internal.h"

namespace trnsim::isa::validate_internal {
namespace {

// bn_stats processes at most this many elements per partition (NKI ISA: BN_STATS_FMAX).
constexpr int64_t kBnStatsMaxFree = 512;
constexpr int64_t kBnStatsWidth = 6;
// bn_aggr reads (count, mean, count*var) triples: half a bn_stats output is a valid group.
constexpr int64_t kBnStatsTripleWidth = 3;
constexpr int64_t kVectorTransposeMax = 32;

std::string num(int64_t v) { return std::to_string(v); }

void check_matmul(const InstrChecker& c) {
  const CoreLimits& lim = c.limits();
  c.expect_memory("stationary", Memory::kSbuf, "the tensor engine reads SBUF");
  c.expect_memory("moving", Memory::kSbuf, "the tensor engine reads SBUF");
  c.expect_memory("dst", Memory::kPsum, "matmul results accumulate in PSUM");
  if (c.dtype("dst") != DType::kFp32)
    throw c.error(c.describe("dst") + " has dtype " + std::string(dtype_name(c.dtype("dst"))) +
                  ", matmul results are float32");
  for (const char* role : {"stationary", "moving"})
    if (!dtype_is_float(c.dtype(role)))
      throw c.error(c.describe(role) + " has integer dtype " +
                    std::string(dtype_name(c.dtype(role))) +
                    ", the tensor engine multiplies floats");
  const int64_t k = c.partitions("stationary"), m = c.free_elements("stationary");
  const int64_t k_moving = c.partitions("moving"), n = c.free_elements("moving");
  // K <= 128 is the common on-chip partition limit (check_common).
  if (m > lim.matmul_max_stationary_free)
    throw c.error(c.describe("stationary") + " has M = " + num(m) +
                  " elements per partition, limit " + num(lim.matmul_max_stationary_free));
  if (n > lim.matmul_max_moving_free)
    throw c.error(c.describe("moving") + " has N = " + num(n) + " elements per partition, limit " +
                  num(lim.matmul_max_moving_free));
  if (k != k_moving)
    throw c.error("contraction mismatch: stationary has K = " + num(k) +
                  " partitions, moving has " + num(k_moving));
  c.expect_pf("dst", m, n, "[M, N] (M = stationary free size, N = moving free size)");
  const Footprint f = footprint(c.prog(), c.view("dst"));
  const int64_t bank = lim.psum_bank_bytes;
  if (bank > 0 && f.lo / bank != (f.hi - 1) / bank)
    throw c.error(c.describe("dst") + " spans PSUM bytes [" + num(f.lo) + ", " + num(f.hi) +
                  ") of each partition, crossing a " + num(bank) +
                  "-byte PSUM bank boundary; a matmul result must fit in one bank");
}

void check_transpose(const InstrChecker& c) {
  const int64_t p = c.partitions("src"), f = c.free_elements("src");
  const bool tensor = c.ins().engine == Engine::kTensor;
  const int64_t max = tensor ? c.limits().partitions : kVectorTransposeMax;
  if (p > max || f > max)
    throw c.error(c.describe("src") + " is " + num(p) + " x " + num(f) + ", the " +
                  std::string(engine_name(c.ins().engine)) + " engine transposes at most " +
                  num(max) + " x " + num(max));
  if (tensor) {
    c.expect_memory("src", Memory::kSbuf, "the tensor engine reads SBUF");
    c.expect_memory("dst", Memory::kPsum, "the tensor engine writes PSUM");
  }
  c.expect_pf("dst", f, p, "[F, P] for src [P, F]");
}

void check_dma_transpose(const InstrChecker& c) {
  const View& src = c.view("src");
  int non_unit_free_dims = 0;
  for (size_t d = 1; d < src.dims.size(); ++d) non_unit_free_dims += src.dims[d].count() > 1;
  if (non_unit_free_dims > 1)
    throw c.error(c.describe("src") + " has shape " + shape_text(src.shape()) +
                  ", dma_transpose needs a 2-D source [P, F]");
  c.expect_pf("dst", c.free_elements("src"), c.partitions("src"), "[F, P] for src [P, F]");
}

void check_activation(const InstrChecker& c) {
  c.expect_same_pf("dst", "src");
  if (c.has("bias")) c.expect_pf("bias", c.partitions("src"), 1, "per-partition [P, 1]");
  c.expect_scalar_operand("scale", "src");
  if (c.has("reduce_dst")) c.expect_pf("reduce_dst", c.partitions("src"), 1, "[P, 1]");
  c.expect_reduce_op("reduce_op");
}

// Squeezes size-1 dims out of a free shape.
std::vector<int64_t> squeeze(std::vector<int64_t> s) {
  s.erase(std::remove(s.begin(), s.end(), int64_t(1)), s.end());
  return s;
}

void check_tensor_reduce(const InstrChecker& c) {
  c.expect_reduce_op("alu_op");
  const std::vector<int64_t> src = c.view("src").shape();
  const std::vector<int64_t>& axes = c.ints("axis");
  if (axes.empty()) throw c.error(c.attr_label("axis") + ": empty, name at least one free axis");
  std::set<int64_t> seen;
  for (int64_t a : axes) {
    if (a < 1 || a >= int64_t(src.size()))
      throw c.error(c.attr_label("axis") + ": " + num(a) + " is not a free axis of " +
                    c.describe("src") + " (1.." + num(int64_t(src.size()) - 1) + ")");
    if (!seen.insert(a).second) throw c.error(c.attr_label("axis") + ": " + num(a) + " repeated");
  }
  std::vector<int64_t> expected_free;
  for (size_t d = 1; d < src.size(); ++d)
    if (!seen.count(int64_t(d))) expected_free.push_back(src[d]);
  const std::vector<int64_t> dst = c.view("dst").shape();
  const std::vector<int64_t> dst_free(dst.begin() + 1, dst.end());
  // Size-1 dims are ignored, so keepdims=true and keepdims=false results both match.
  if (dst[0] != src[0] || squeeze(dst_free) != squeeze(expected_free)) {
    std::vector<int64_t> want{src[0]};
    want.insert(want.end(), expected_free.begin(), expected_free.end());
    throw c.error(c.describe("dst") + " has shape " + shape_text(dst) + ", reducing src " +
                  shape_text(src) + " over the axes gives " + shape_text(want) +
                  " (size-1 dims aside)");
  }
}

void check_pattern(const InstrChecker& c) {
  const size_t free_dims = c.view("dst").dims.size() - 1;
  if (c.ints("pattern").size() != free_dims)
    throw c.error(c.attr_label("pattern") + ": " + num(int64_t(c.ints("pattern").size())) +
                  " entries, " + c.describe("dst") + " has " + num(int64_t(free_dims)) +
                  " free dims");
}

// A DMA queue is -1 (the simulator chooses) or a queue index below the hardware config's queue
// count (CoreLimits::dma_queues), checked here so that every mode refuses it, --values-only too.
void check_dma_queue(const InstrChecker& c) {
  if (!c.attr_present("queue")) return;
  const double q = c.ins().attr("queue").num;
  if (q < -1)
    throw c.error(c.attr_label("queue") + ": " + num(int64_t(q)) +
                  " is not a queue (-1 = any queue, or 0..queues-1)");
  const int64_t queues = c.limits().dma_queues;
  if (queues > 0 && q >= double(queues))
    throw c.error(c.attr_label("queue") + ": " + num(int64_t(q)) +
                  " is not a queue: the target has " + num(queues) +
                  " DMA queues (-1 = any queue, or 0.." + num(queues - 1) + ")");
}

// nki.isa.sendrecv: both tiles in SBUF, one dtype, equal element counts; ranks 0 or 1.
void check_sendrecv(const InstrChecker& c) {
  for (const char* role : {"dst", "src"})
    if (c.memory(role) != Memory::kSbuf)
      throw c.error(c.describe(role) + " is not in SBUF; sendrecv moves SBUF tiles "
                    "(NKI reference: nki.isa.sendrecv)");
  if (c.dtype("dst") != c.dtype("src"))
    throw c.error(c.describe("dst") + " and " + c.describe("src") + " differ in dtype; "
                  "sendrecv does not cast");
  const int64_t dst = c.partitions("dst") * c.free_elements("dst");
  const int64_t src = c.partitions("src") * c.free_elements("src");
  if (dst != src)
    throw c.error(c.describe("dst") + " has " + num(dst) + " elements, " + c.describe("src") +
                  " has " + num(src) + "; the peer's src must fill dst");
  for (const char* rank : {"send_to_rank", "recv_from_rank"}) {
    const double r = c.ins().attr(rank).num;
    if (r != 0 && r != 1)
      throw c.error(c.attr_label(rank) + ": " + num(int64_t(r)) +
                    " is not a core of the pair (0 or 1)");
  }
}

}  // namespace

void check_contract(const InstrChecker& c) {
  if (c.ins().engine == Engine::kDma && info(c.ins().op).attr_index("queue") >= 0)
    check_dma_queue(c);
  switch (c.ins().op) {
    case Opcode::dma_copy: {
      const int64_t dst = c.partitions("dst") * c.free_elements("dst");
      const int64_t src = c.partitions("src") * c.free_elements("src");
      if (dst != src)
        throw c.error(c.describe("dst") + " has " + num(dst) + " elements, " + c.describe("src") +
                      " has " + num(src) + "; a copy needs equal counts");
      break;
    }
    case Opcode::dma_transpose:
      check_dma_transpose(c);
      break;
    case Opcode::nc_matmul:
      check_matmul(c);
      break;
    case Opcode::nc_transpose:
      check_transpose(c);
      break;
    case Opcode::activation:
    case Opcode::activation_reduce:
      check_activation(c);
      break;
    case Opcode::tensor_tensor:
      c.expect_same_pf("src0", "dst");
      c.expect_same_pf("src1", "dst");
      break;
    case Opcode::tensor_scalar:
      c.expect_same_pf("dst", "src");
      c.expect_scalar_operand("operand0", "src");
      if (c.has("operand1") != c.attr_present("op1"))
        throw c.error("operand1 and op1 must be given together");
      if (c.has("operand1")) c.expect_scalar_operand("operand1", "src");
      break;
    case Opcode::scalar_tensor_tensor:
      c.expect_same_pf("dst", "src0");
      c.expect_same_pf("src1", "src0");
      c.expect_scalar_operand("operand0", "src0");
      break;
    case Opcode::tensor_scalar_reduce:
      c.expect_same_pf("dst", "src");
      c.expect_scalar_operand("operand0", "src");
      c.expect_pf("reduce_dst", c.partitions("src"), 1, "[P, 1]");
      c.expect_reduce_op("reduce_op");
      break;
    case Opcode::tensor_copy:
    case Opcode::reciprocal:
      c.expect_same_pf("dst", "src");
      break;
    case Opcode::memset:
      break;
    case Opcode::tensor_tensor_scan:
      c.expect_same_pf("src0", "dst");
      c.expect_same_pf("src1", "dst");
      c.expect_scalar_operand("initial", "dst");
      break;
    case Opcode::range_select:
      c.expect_same_pf("dst", "src");
      c.expect_pf("bound0", c.partitions("src"), 1, "per-partition [P, 1]");
      c.expect_pf("bound1", c.partitions("src"), 1, "per-partition [P, 1]");
      if (c.has("reduce_dst")) c.expect_pf("reduce_dst", c.partitions("src"), 1, "[P, 1]");
      c.expect_compare_op("comp_op0");
      c.expect_compare_op("comp_op1");
      c.expect_reduce_op("reduce_op");
      break;
    case Opcode::tensor_reduce:
      check_tensor_reduce(c);
      break;
    case Opcode::tensor_partition_reduce:
      c.expect_reduce_op("alu_op");
      c.expect_pf("dst", 1, c.free_elements("src"), "[1, F] for src [P, F]");
      break;
    case Opcode::bn_stats:
      if (c.free_elements("src") > kBnStatsMaxFree)
        throw c.error(c.describe("src") + " has N = " + num(c.free_elements("src")) +
                      " elements per partition, bn_stats takes at most " + num(kBnStatsMaxFree));
      c.expect_pf("dst", c.partitions("src"), kBnStatsWidth, "[P, 6]");
      break;
    case Opcode::bn_aggr:
      if (c.free_elements("src") % kBnStatsTripleWidth != 0)
        throw c.error(c.describe("src") + " has " + num(c.free_elements("src")) +
                      " elements per partition, expected (count, mean, count*var) triples "
                      "[P, 3*k]");
      c.expect_pf("dst", c.partitions("src"), 2, "[P, 2]");
      break;
    case Opcode::max8:
      if (c.free_elements("src") < 8)
        throw c.error(c.describe("src") + " has N = " + num(c.free_elements("src")) +
                      " elements per partition, max8 needs N >= 8");
      c.expect_pf("dst", c.partitions("src"), 8, "[P, 8]");
      break;
    case Opcode::nc_find_index8:
      c.expect_pf("dst", c.partitions("src"), 8, "[P, 8]");
      c.expect_pf("vals", c.partitions("src"), 8, "[P, 8]");
      c.expect_integer_dtype("dst", "nc_find_index8 writes indices");
      break;
    case Opcode::nc_match_replace8:
      c.expect_same_pf("dst", "src");
      c.expect_pf("vals", c.partitions("src"), 8, "[P, 8]");
      break;
    case Opcode::iota:
      check_pattern(c);
      break;
    case Opcode::affine_select:
      c.expect_same_pf("dst", "src");
      check_pattern(c);
      c.expect_compare_op("cmp_op");
      break;
    case Opcode::tensor_copy_dynamic_src:
    case Opcode::tensor_copy_dynamic_dst:
    case Opcode::dma_copy_dynamic_src:
    case Opcode::dma_copy_dynamic_dst:
      check_dynamic_copy(c);
      break;
    case Opcode::dma_copy_indirect_src:
    case Opcode::dma_copy_indirect_dst:
      check_indirect_copy(c);
      break;
    case Opcode::nc_n_gather:
      check_n_gather(c);
      break;
    case Opcode::nonzero_with_count:
      check_nonzero_with_count(c);
      break;
    case Opcode::core_barrier:
      if (c.memory("data") != Memory::kHbm)
        throw c.error(c.describe("data") + " is on chip; core_barrier synchronises on a tensor "
                      "in shared HBM (NKI reference: nki.isa.core_barrier)");
      break;
    case Opcode::sendrecv:
      check_sendrecv(c);
      break;
  }
}

}  // namespace trnsim::isa::validate_internal
