// Semantics of the vector engine's scan and range-select instructions (NKI
// nki.isa.tensor_tensor_scan, nki.isa.range_select). Free indices are C-order positions over the
// view's free dims. Arithmetic in fp32; results are rounded once, when written.
#include <string>

#include "isa/error.h"
#include "isa/semantics/semantics.h"
#include "isa/semantics/semantics_util.h"

namespace trnsim::isa::sem {
namespace {

using sem_util::alu_attr;
using sem_util::check_same_dims;
using sem_util::sem_error;
using sem_util::two_source_views;
using sem_util::view_of;

}  // namespace

// Per partition: acc = initial; for each free index i: acc = (src0[i] op0 acc)
// op1 src1[i]; dst[i] = acc. The carried acc stays fp32 (it is not rounded to
// the dst dtype between steps).
void tensor_tensor_scan(const Instruction& ins, MachineState& st) {
  const auto [dst_view, src0_view, src1_view] = two_source_views(ins);
  const AluOp op0 = alu_attr(ins, "op0");
  const AluOp op1 = alu_attr(ins, "op1");
  const Matrix src0 = st.read(src0_view);
  const Matrix src1 = st.read(src1_view);
  const Eigen::ArrayXf initial = st.read_scalar_operand(ins.operand("initial"), src0.rows());
  Matrix out(src0.rows(), src0.cols());
  for (int64_t p = 0; p < src0.rows(); ++p) {
    float acc = initial(p);
    for (int64_t i = 0; i < src0.cols(); ++i) {
      acc = apply_alu(op1, apply_alu(op0, src0(p, i), acc), src1(p, i));
      out(p, i) = acc;
    }
  }
  st.write(dst_view, out);
}

// i = range_start + free index; dst = src where (i comp_op0 bound0[p]) and (i
// comp_op1 bound1[p]), else on_false_value. reduce_dst [P,1], when present,
// gets the reduce_op reduction of the selected fp32 values (before their
// rounding to the dst dtype).
void range_select(const Instruction& ins, MachineState& st) {
  const View& dst_view = view_of(ins, "dst");
  const View& src_view = view_of(ins, "src");
  check_same_dims(ins, "src", src_view, "dst", dst_view);
  const AluOp cmp0 = alu_attr(ins, "comp_op0");
  const AluOp cmp1 = alu_attr(ins, "comp_op1");
  const AluOp reduce_op = alu_attr(ins, "reduce_op");
  const float on_false = static_cast<float>(ins.attr("on_false_value").num);
  const float range_start = static_cast<float>(ins.attr("range_start").num);
  Matrix out = st.read(src_view);
  const int64_t partitions = out.rows();
  const Eigen::ArrayXf bound0 = st.read_scalar_operand(ins.operand("bound0"), partitions);
  const Eigen::ArrayXf bound1 = st.read_scalar_operand(ins.operand("bound1"), partitions);
  for (int64_t p = 0; p < partitions; ++p) {
    for (int64_t f = 0; f < out.cols(); ++f) {
      const float i = range_start + static_cast<float>(f);
      const bool keep =
          apply_alu(cmp0, i, bound0(p)) != 0.0f && apply_alu(cmp1, i, bound1(p)) != 0.0f;
      if (!keep) out(p, f) = on_false;
    }
  }
  st.write(dst_view, out);
  const Operand& reduce_dst = ins.operand("reduce_dst");
  if (reduce_dst.is_view()) sem_util::write_reduction(ins, st, reduce_dst.view, reduce_op, out);
}

}  // namespace trnsim::isa::sem
