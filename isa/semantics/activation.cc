// Semantics of the scalar (activation) engine: dst = func(src * scale + bias), with the fused
// per-partition reduction of the activated values.
// Reduction precision: NKI documents that ScalarE reduces "the activated data" into 32-bit
// per-lane registers, which are then read out into reduce_res
// (awsdocs-neuron nki.isa.activation / nki.isa.activation_reduce). So the reduction folds the
// fp32 activation outputs *before* they are rounded to dst's dtype; only the final sum is
// rounded, to reduce_dst's dtype.
// APPROX: fp32 `src * scale` then `+ bias`, each rounded (no fused multiply-add); the reduction
// folds in free-index order from the identity (hardware order undocumented); any reduction
// operator of the table is accepted although NKI documents add only. The reduce_regs carried
// between instructions (reduce_cmd) are not modelled: every reduction starts from the identity.
#include "isa/semantics/semantics_util.h"

namespace trnsim::isa::sem {
namespace {

using sem_util::act_attr;
using sem_util::alu_attr;
using sem_util::check_same_dims;
using sem_util::view_of;

void run_activation(const Instruction& ins, MachineState& st) {
  const View& dst = view_of(ins, "dst");
  const View& src = view_of(ins, "src");
  check_same_dims(ins, "dst", dst, "src", src);
  const int64_t partitions = src.partitions();
  const Eigen::ArrayXf scale = st.read_scalar_operand(ins.operand("scale"), partitions);
  const Operand& bias_op = ins.operand("bias");
  const Eigen::ArrayXf bias = bias_op.present() ? st.read_scalar_operand(bias_op, partitions)
                                                : Eigen::ArrayXf::Zero(partitions).eval();
  const ActFunc func = act_attr(ins, "func");
  Matrix values = st.read(src);
  values.colwise() *= scale;
  values.colwise() += bias;
  values = values.unaryExpr([func](float x) { return apply_act(func, x); });
  st.write(dst, values);
  const Operand& reduce_dst = ins.operand("reduce_dst");
  if (reduce_dst.present()) {
    sem_util::write_reduction(ins, st, view_of(ins, "reduce_dst"), alu_attr(ins, "reduce_op"),
                              values);
  }
}

}  // namespace

void activation(const Instruction& ins, MachineState& st) { run_activation(ins, st); }

void activation_reduce(const Instruction& ins, MachineState& st) {
  view_of(ins, "reduce_dst");  // required here
  run_activation(ins, st);
}

}  // namespace trnsim::isa::sem
