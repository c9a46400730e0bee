// Helpers shared by the semantics files of the functional plane (not part of its interface):
// typed attribute access, error messages naming the instruction, shape checks, and the
// per-row fold used by every fused free-axis reduction.
#pragma once

#include <string>
#include <string_view>

#include "isa/error.h"
#include "isa/semantics/semantics.h"

namespace trnsim::isa::sem_util {

inline AluOp alu_attr(const Instruction& ins, std::string_view name) {
  return static_cast<AluOp>(static_cast<int>(ins.attr(name).num));
}
inline ActFunc act_attr(const Instruction& ins, std::string_view name) {
  return static_cast<ActFunc>(static_cast<int>(ins.attr(name).num));
}
inline bool bool_attr(const Instruction& ins, std::string_view name) {
  return ins.attr(name).present && ins.attr(name).num != 0;
}

// "<opcode>: <what>"; execute_all() prefixes the instruction index.
inline Error sem_error(const Instruction& ins, const std::string& what) {
  return Error(std::string(opcode_name(ins.op)) + ": " + what);
}

inline std::string dims_text(const View& v) {
  return std::to_string(v.partitions()) + " x " + std::to_string(v.free_elements());
}

// The view of a required view operand.
inline const View& view_of(const Instruction& ins, std::string_view role) {
  const Operand& o = ins.operand(role);
  if (!o.is_view()) throw sem_error(ins, "operand '" + std::string(role) + "' must be a view");
  return o.view;
}

// Throws unless `a` and `b` have the same partitions and elements per partition.
inline void check_same_dims(const Instruction& ins, std::string_view a_role, const View& a,
                            std::string_view b_role, const View& b) {
  if (a.partitions() != b.partitions() || a.free_elements() != b.free_elements())
    throw sem_error(ins, std::string(a_role) + " is " + dims_text(a) + " but " +
                             std::string(b_role) + " is " + dims_text(b));
}

// The "dst", "src0" and "src1" views of a two-source elementwise instruction, checked to have
// the same partitions and elements per partition.
struct TwoSourceViews {
  const View& dst;
  const View& src0;
  const View& src1;
};
inline TwoSourceViews two_source_views(const Instruction& ins) {
  const View& dst = view_of(ins, "dst");
  const View& src0 = view_of(ins, "src0");
  const View& src1 = view_of(ins, "src1");
  check_same_dims(ins, "dst", dst, "src0", src0);
  check_same_dims(ins, "src0", src0, "src1", src1);
  return {dst, src0, src1};
}

// Per-partition fold of `m` along its columns with `op`, in free-index order from the
// reduction identity, in fp32: the [P,1] result of a fused reduction.
inline Matrix fold_rows(AluOp op, const Matrix& m) {
  Matrix out = Matrix::Constant(m.rows(), 1, reduce_identity(op));
  for (Eigen::Index p = 0; p < m.rows(); ++p) {
    float acc = out(p, 0);
    for (Eigen::Index f = 0; f < m.cols(); ++f) acc = apply_alu(op, acc, m(p, f));
    out(p, 0) = acc;
  }
  return out;
}

// Writes the [P,1] reduction of `values` into the view `reduce_dst`.
inline void write_reduction(const Instruction& ins, MachineState& st, const View& reduce_dst,
                            AluOp op, const Matrix& values) {
  if (reduce_dst.partitions() != values.rows() || reduce_dst.free_elements() != 1)
    throw sem_error(ins, "reduce_dst is " + dims_text(reduce_dst) + ", expected " +
                             std::to_string(values.rows()) + " x 1");
  st.write(reduce_dst, fold_rows(op, values));
}

}  // namespace trnsim::isa::sem_util
