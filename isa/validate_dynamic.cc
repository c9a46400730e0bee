// Static checks of the instructions with runtime addressing (isa/instructions.def, "runtime
// addressing"): the bounding range, the window and the index operands. What only the runtime
// values decide (an offset or index out of range) is checked when the instruction executes
// (isa/semantics/dynamic_addressing.cc).
#include <string>

#include "isa/dynamic_view.h"
#include "isa/validate_internal.h"

namespace trnsim::isa::validate_internal {
namespace {

std::string num(int64_t v) { return std::to_string(v); }

void expect_index_dtype(const InstrChecker& c, std::string_view role) {
  const DType t = c.dtype(role);
  if (t == DType::kInt32 || t == DType::kUint32) return;
  throw c.error(c.describe(role) + " has dtype " + std::string(dtype_name(t)) +
                ", runtime indices are int32 or uint32");
}

}  // namespace

void check_dynamic_copy(const InstrChecker& c) {
  const Opcode op = c.ins().op;
  const bool dynamic_src = op == Opcode::tensor_copy_dynamic_src ||
                           op == Opcode::dma_copy_dynamic_src;
  // The compute engines offset within each partition; a DMA may offset any dim of its view.
  const int64_t first_dim = c.ins().engine == Engine::kDma ? 0 : 1;
  const char* bound_role = dynamic_src ? "src" : "dst";
  const char* static_role = dynamic_src ? "dst" : "src";
  c.expect_memory("offset", Memory::kSbuf, "the engine reads its runtime offset from SBUF");
  expect_index_dtype(c, "offset");
  c.expect_pf("offset", 1, 1, "one runtime offset [1, 1]");
  const View& bound = c.view(bound_role);
  const double dim_attr = c.ins().attr("dim").num;
  const int64_t dims = int64_t(bound.dims.size());
  if (dim_attr < double(first_dim) || dim_attr >= double(dims))
    throw c.error(c.attr_label("dim") + ": " + num(int64_t(dim_attr)) + " is not a " +
                  (first_dim ? "free " : "") + "dim of " + c.describe(bound_role) + " (" +
                  num(first_dim) + ".." + num(dims - 1) + ")");
  const int dim = int(dim_attr);
  if (bound.dims[size_t(dim)].step == 0)
    throw c.error(c.describe(bound_role) + " dim " + num(dim) +
                  " is a broadcast (step 0); a runtime offset needs a real range");
  const double window_attr = c.ins().attr("window").num;
  const int64_t count = bound.dims[size_t(dim)].count();
  if (window_attr < 1 || window_attr > double(count) ||
      window_attr != double(int64_t(window_attr)))
    throw c.error(c.attr_label("window") + ": " + std::to_string(window_attr) +
                  " indices do not fit in dim " + num(dim) + " of " + c.describe(bound_role) +
                  " (" + num(count) + " indices; the window needs 1.." + num(count) + ")");
  const View window = window_view(bound, dim, int64_t(window_attr), 0);
  const View& other = c.view(static_role);
  if (window.partitions() != other.partitions() ||
      window.free_elements() != other.free_elements())
    throw c.error(c.describe(static_role) + " has " + num(other.partitions()) +
                  " partitions x " + num(other.free_elements()) + " elements, but the window of " +
                  c.describe(bound_role) + " has " + num(window.partitions()) + " x " +
                  num(window.free_elements()) + " (they must match)");
}

void check_indirect_copy(const InstrChecker& c) {
  const bool indirect_src = c.ins().op == Opcode::dma_copy_indirect_src;
  const char* bound_role = indirect_src ? "src" : "dst";
  const char* static_role = indirect_src ? "dst" : "src";
  c.expect_memory("indices", Memory::kSbuf, "the DMA reads its row indices from SBUF");
  expect_index_dtype(c, "indices");
  c.expect_pf("indices", c.partitions(static_role), 1,
              std::string("one row index per partition of ") + static_role + " [P, 1]");
  const View& bound = c.view(bound_role);
  if (bound.dims[0].step == 0)
    throw c.error(c.describe(bound_role) + " dim 0 is a broadcast (step 0); indirect rows need "
                  "a real range");
  if (c.free_elements(bound_role) != c.free_elements(static_role))
    throw c.error(c.describe(static_role) + " has " + num(c.free_elements(static_role)) +
                  " elements per partition, a row of " + c.describe(bound_role) + " has " +
                  num(c.free_elements(bound_role)) + " (they must match)");
}

void check_n_gather(const InstrChecker& c) {
  for (const char* role : {"dst", "data", "indices"})
    c.expect_memory(role, Memory::kSbuf, "nc_n_gather reads and writes SBUF");
  expect_index_dtype(c, "indices");
  if (c.dtype("dst") != c.dtype("data"))
    throw c.error(c.describe("dst") + " has dtype " + std::string(dtype_name(c.dtype("dst"))) +
                  ", nc_n_gather writes data's dtype " + std::string(dtype_name(c.dtype("data"))));
  if (c.partitions("indices") != c.partitions("data"))
    throw c.error(c.describe("indices") + " has " + num(c.partitions("indices")) +
                  " partitions, data has " + num(c.partitions("data")) + " (they must match)");
  c.expect_same_pf("dst", "indices");
}

void check_nonzero_with_count(const InstrChecker& c) {
  c.expect_memory("src", Memory::kSbuf, "GpSimd reads SBUF");
  c.expect_pf("dst", c.partitions("src"), c.free_elements("src") + 1,
              "[P, T + 1] (the indices, the padding and the count) for src [P, T]");
}

}  // namespace trnsim::isa::validate_internal
