// Semantics of the reductions along free axes (tensor_reduce) and across partitions
// (tensor_partition_reduce). Arithmetic is fp32, folded from the reduction identity
// (reduce_identity) in C order of the reduced elements; the result is rounded once, when
// written to dst.
// APPROX: the device's accumulation order within a reduction is not documented; we fold
// sequentially, so fp32 sums may differ from hardware in the last bits.
#include <string>
#include <vector>

#include "isa/error.h"
#include "isa/semantics/semantics.h"
#include "isa/semantics/semantics_util.h"

namespace trnsim::isa::sem {
namespace {

using sem_util::alu_attr;
using sem_util::sem_error;
using sem_util::view_of;

}  // namespace

// dst = op-reduction of src over the listed free axes of the src view. keepdims
// only changes the declared dst shape (size-1 dims), not the element order, so
// both forms are accepted: dst must hold the product of the kept free dims per
// partition.
void tensor_reduce(const Instruction& ins, MachineState& st) {
  const View& src_view = view_of(ins, "src");
  const View& dst_view = view_of(ins, "dst");
  const AluOp op = alu_attr(ins, "alu_op");
  const bool negate = ins.attr("negate").num != 0 && alu_kind(op) == AluKind::Arith;
  const std::vector<int64_t> shape = src_view.shape();
  const int ndims = static_cast<int>(shape.size());

  std::vector<bool> reduced(ndims, false);
  for (int64_t a : ins.attr("axis").ints) {
    if (a < 1 || a >= ndims)
      throw sem_error(ins, "axis " + std::to_string(a) + " is not a free axis of src (rank " +
                               std::to_string(ndims) + ")");
    reduced[a] = true;
  }
  // Output index of each src element: C-order index over the kept free dims.
  std::vector<int64_t> out_stride(ndims, 0);
  int64_t out_elems = 1;
  for (int d = ndims - 1; d >= 1; --d) {
    if (reduced[d]) continue;
    out_stride[d] = out_elems;
    out_elems *= shape[d];
  }
  if (dst_view.free_elements() != out_elems || dst_view.partitions() != src_view.partitions())
    throw sem_error(ins, "dst has " + std::to_string(dst_view.partitions()) + " x " +
                             std::to_string(dst_view.free_elements()) + " elements, expected " +
                             std::to_string(src_view.partitions()) + " x " +
                             std::to_string(out_elems));

  const Matrix src = st.read(src_view);
  Matrix out = Matrix::Constant(src.rows(), out_elems, reduce_identity(op));
  std::vector<int64_t> idx(ndims, 0);  // odometer over the free dims
  for (int64_t f = 0; f < src.cols(); ++f) {
    int64_t o = 0;
    for (int d = 1; d < ndims; ++d) o += idx[d] * out_stride[d];
    for (int64_t p = 0; p < src.rows(); ++p) out(p, o) = apply_alu(op, out(p, o), src(p, f));
    for (int d = ndims - 1; d >= 1; --d) {
      if (++idx[d] < shape[d]) break;
      idx[d] = 0;
    }
  }
  if (negate) out = -out;
  st.write(dst_view, out);
}

// dst[0, f] = op-reduction of src[:, f] over the partitions, in partition
// order.
void tensor_partition_reduce(const Instruction& ins, MachineState& st) {
  const View& src_view = view_of(ins, "src");
  const View& dst_view = view_of(ins, "dst");
  const AluOp op = alu_attr(ins, "alu_op");
  if (dst_view.partitions() != 1 || dst_view.free_elements() != src_view.free_elements())
    throw sem_error(ins, "dst must be [1, " + std::to_string(src_view.free_elements()) + "]");
  const Matrix src = st.read(src_view);
  Matrix out = Matrix::Constant(1, src.cols(), reduce_identity(op));
  for (int64_t p = 0; p < src.rows(); ++p)
    for (int64_t f = 0; f < src.cols(); ++f) out(0, f) = apply_alu(op, out(0, f), src(p, f));
  st.write(dst_view, out);
}

}  // namespace trnsim::isa::sem
