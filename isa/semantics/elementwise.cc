// Semantics of the elementwise vector/scalar/gpsimd instructions. Inputs are read as fp32,
// every operator is applied in fp32 (intermediate results of fused ops are not rounded), and
// only the final value is rounded to dst's dtype on write.
// Operand order: `src op operand` by default; reverseK = true computes `operand opK src`
// (for scalar_tensor_tensor, reverse1 computes `src1 op1 (src0 op0 operand0)`).
// The fused reduction of tensor_scalar_reduce folds the fp32 results before their rounding to
// dst's dtype, as activation does (see activation.cc).
#include "isa/semantics/semantics_util.h"

namespace trnsim::isa::sem {
namespace {

using sem_util::alu_attr;
using sem_util::bool_attr;
using sem_util::check_same_dims;
using sem_util::sem_error;
using sem_util::two_source_views;
using sem_util::view_of;

float alu_ordered(AluOp op, float tensor_value, float operand, bool reverse) {
  return reverse ? apply_alu(op, operand, tensor_value) : apply_alu(op, tensor_value, operand);
}

// values(p, f) = values(p, f) op operand(p) (or reversed), in place.
void apply_scalar_op(Matrix& values, AluOp op, const Eigen::ArrayXf& operand, bool reverse) {
  for (Eigen::Index p = 0; p < values.rows(); ++p) {
    const float s = operand(p);
    values.row(p) = values.row(p).unaryExpr(
        [op, s, reverse](float x) { return alu_ordered(op, x, s, reverse); });
  }
}

}  // namespace

void tensor_tensor(const Instruction& ins, MachineState& st) {
  const auto [dst, src0, src1] = two_source_views(ins);
  const AluOp op = alu_attr(ins, "alu_op");
  const Matrix a = st.read(src0);
  const Matrix b = st.read(src1);
  st.write(dst, a.binaryExpr(b, [op](float x, float y) { return apply_alu(op, x, y); }));
}

void tensor_scalar(const Instruction& ins, MachineState& st) {
  const View& dst = view_of(ins, "dst");
  const View& src = view_of(ins, "src");
  check_same_dims(ins, "dst", dst, "src", src);
  const int64_t partitions = src.partitions();
  Matrix values = st.read(src);
  apply_scalar_op(values, alu_attr(ins, "op0"),
                  st.read_scalar_operand(ins.operand("operand0"), partitions),
                  bool_attr(ins, "reverse0"));
  if (ins.attr("op1").present) {
    if (!ins.operand("operand1").present()) throw sem_error(ins, "op1 is set but operand1 is not");
    apply_scalar_op(values, alu_attr(ins, "op1"),
                    st.read_scalar_operand(ins.operand("operand1"), partitions),
                    bool_attr(ins, "reverse1"));
  }
  st.write(dst, values);
}

void scalar_tensor_tensor(const Instruction& ins, MachineState& st) {
  const auto [dst, src0, src1] = two_source_views(ins);
  Matrix values = st.read(src0);
  apply_scalar_op(values, alu_attr(ins, "op0"),
                  st.read_scalar_operand(ins.operand("operand0"), src0.partitions()),
                  bool_attr(ins, "reverse0"));
  const Matrix other = st.read(src1);
  const AluOp op1 = alu_attr(ins, "op1");
  const bool reverse1 = bool_attr(ins, "reverse1");
  st.write(dst, values.binaryExpr(other, [op1, reverse1](float x, float y) {
    return alu_ordered(op1, x, y, reverse1);
  }));
}

void tensor_scalar_reduce(const Instruction& ins, MachineState& st) {
  const View& dst = view_of(ins, "dst");
  const View& src = view_of(ins, "src");
  check_same_dims(ins, "dst", dst, "src", src);
  Matrix values = st.read(src);
  apply_scalar_op(values, alu_attr(ins, "op0"),
                  st.read_scalar_operand(ins.operand("operand0"), src.partitions()),
                  bool_attr(ins, "reverse0"));
  st.write(dst, values);
  sem_util::write_reduction(ins, st, view_of(ins, "reduce_dst"), alu_attr(ins, "reduce_op"),
                            values);
}

void tensor_copy(const Instruction& ins, MachineState& st) {
  const View& dst = view_of(ins, "dst");
  const View& src = view_of(ins, "src");
  check_same_dims(ins, "dst", dst, "src", src);
  thread_local Matrix values;  // per-thread scratch, reused across instructions
  st.read_into(src, values);
  st.write(dst, values);
}

// APPROX: an exact fp32 division (IEEE: 1/0 = Inf); the hardware's iterative divide may differ
// in the last bits.
void reciprocal(const Instruction& ins, MachineState& st) {
  const View& dst = view_of(ins, "dst");
  const View& src = view_of(ins, "src");
  check_same_dims(ins, "dst", dst, "src", src);
  st.write(dst, st.read(src).inverse());
}

void memset(const Instruction& ins, MachineState& st) {
  const View& dst = view_of(ins, "dst");
  const float value = float(ins.attr("value").num);
  st.write(dst, Matrix::Constant(dst.partitions(), dst.free_elements(), value));
}

}  // namespace trnsim::isa::sem
