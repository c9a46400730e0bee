// Semantics of the vector engine's scan and range-select instructions (NKI
// nki.isa.tensor_tensor_scan, nki.isa.range_select). Free indices are C-order positions over the
// view's free dims. Arithmetic in fp32; results are rounded once, when written.
#include <string>

#include "isa/error.h"
#include "isa/semantics/semantics.h"

namespace trnsim::isa::sem {
namespace {

Error instr_error(const Instruction& ins, const std::string& what) {
  return Error("instruction (" + std::string(opcode_name(ins.op)) + "): " + what);
}

AluOp alu_attr(const Instruction& ins, std::string_view name) {
  return static_cast<AluOp>(static_cast<int>(ins.attr(name).num));
}

void check_same_shape(const Instruction& ins, const View& a, const char* a_role, const View& b,
                      const char* b_role) {
  if (a.partitions() != b.partitions() || a.free_elements() != b.free_elements())
    throw instr_error(ins, std::string(a_role) + " [" + std::to_string(a.partitions()) + " x " +
                               std::to_string(a.free_elements()) + "] and " + b_role + " [" +
                               std::to_string(b.partitions()) + " x " +
                               std::to_string(b.free_elements()) + "] differ in size");
}

}  // namespace

// Per partition: acc = initial; for each free index i: acc = (src0[i] op0 acc)
// op1 src1[i]; dst[i] = acc. The carried acc stays fp32 (it is not rounded to
// the dst dtype between steps).
void tensor_tensor_scan(const Instruction& ins, MachineState& st) {
  const View& dst_view = ins.operand("dst").view;
  const View& src0_view = ins.operand("src0").view;
  const View& src1_view = ins.operand("src1").view;
  check_same_shape(ins, src0_view, "src0", src1_view, "src1");
  check_same_shape(ins, src0_view, "src0", dst_view, "dst");
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
  const View& dst_view = ins.operand("dst").view;
  const View& src_view = ins.operand("src").view;
  check_same_shape(ins, src_view, "src", dst_view, "dst");
  const AluOp cmp0 = alu_attr(ins, "comp_op0");
  const AluOp cmp1 = alu_attr(ins, "comp_op1");
  const AluOp reduce_op = alu_attr(ins, "reduce_op");
  const float on_false = static_cast<float>(ins.attr("on_false_value").num);
  const float range_start = static_cast<float>(ins.attr("range_start").num);
  Matrix out = st.read(src_view);
  const int64_t partitions = out.rows();
  const Eigen::ArrayXf bound0 = st.read_scalar_operand(ins.operand("bound0"), partitions);
  const Eigen::ArrayXf bound1 = st.read_scalar_operand(ins.operand("bound1"), partitions);
  Matrix reduced = Matrix::Constant(partitions, 1, reduce_identity(reduce_op));
  for (int64_t p = 0; p < partitions; ++p) {
    for (int64_t f = 0; f < out.cols(); ++f) {
      const float i = range_start + static_cast<float>(f);
      const bool keep =
          apply_alu(cmp0, i, bound0(p)) != 0.0f && apply_alu(cmp1, i, bound1(p)) != 0.0f;
      if (!keep) out(p, f) = on_false;
      reduced(p, 0) = apply_alu(reduce_op, reduced(p, 0), out(p, f));
    }
  }
  st.write(dst_view, out);
  const Operand& reduce_dst = ins.operand("reduce_dst");
  if (reduce_dst.is_view()) {
    if (reduce_dst.view.partitions() != partitions || reduce_dst.view.free_elements() != 1)
      throw instr_error(ins, "reduce_dst must be [" + std::to_string(partitions) + ", 1]");
    st.write(reduce_dst.view, reduced);
  }
}

}  // namespace trnsim::isa::sem
