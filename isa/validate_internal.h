// Internal to the validator (isa/validate.cc, isa/validate_contracts.cc): checks on one
// instruction with errors in the form "instruction <i> (<opcode>)[ '<label>']: <what>".
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "isa/core_limits.h"
#include "isa/error.h"
#include "isa/program.h"

namespace trnsim::isa::validate_internal {

std::string shape_text(const std::vector<int64_t>& shape);

class InstrChecker {
 public:
  InstrChecker(const Program& prog, const CoreLimits& limits, size_t index);

  const Program& prog() const { return prog_; }
  const CoreLimits& limits() const { return limits_; }
  const Instruction& ins() const { return ins_; }

  // "instruction 3 (nc_matmul) 'label': what". The location text is built only on error.
  Error error(const std::string& what) const;

  // Operands by role. view() requires the operand to be a view (checked by the common pass).
  bool has(std::string_view role) const;
  bool is_view(std::string_view role) const;
  const View& view(std::string_view role) const;
  int64_t partitions(std::string_view role) const { return view(role).partitions(); }
  int64_t free_elements(std::string_view role) const { return view(role).free_elements(); }
  DType dtype(std::string_view role) const { return prog_.dtype_of(view(role).buf); }
  Memory memory(std::string_view role) const { return view(role).buf.memory; }
  // "moving 'w[0:256, :]'": how errors name an operand.
  std::string describe(std::string_view role) const;

  // Shape contracts on views, in terms of partitions P and free elements per partition F.
  void expect_pf(std::string_view role, int64_t p, int64_t f, std::string_view form) const;
  void expect_same_pf(std::string_view role, std::string_view like) const;
  // A per-partition scalar operand: a [P,1] view (P = partitions of `like`) or an immediate.
  void expect_scalar_operand(std::string_view role, std::string_view like) const;
  void expect_memory(std::string_view role, Memory m, std::string_view why) const;
  void expect_integer_dtype(std::string_view role, std::string_view why) const;

  // Attributes.
  bool attr_present(std::string_view name) const { return ins_.attr(name).present; }
  AluOp alu(std::string_view name) const { return AluOp(int(ins_.attr(name).num)); }
  bool flag(std::string_view name) const { return ins_.attr(name).num != 0; }
  const std::vector<int64_t>& ints(std::string_view name) const { return ins_.attr(name).ints; }
  // How errors name an attribute (its table name is also its trace key).
  std::string attr_label(std::string_view name) const;
  void expect_reduce_op(std::string_view name) const;
  void expect_compare_op(std::string_view name) const;

 private:
  const Program& prog_;
  const CoreLimits& limits_;
  const Instruction& ins_;
  size_t index_;
};

// The common checks of every instruction: slots, engine, operand presence and kinds, view
// bounds and on-chip rules, attribute presence and ranges, dtype rules of ALU operators.
void check_common(const InstrChecker& c);
// The per-opcode shape contracts (the summaries of isa/instructions.def).
void check_contract(const InstrChecker& c);
// The contracts of the runtime-addressing instructions (isa/validate_dynamic.cc).
void check_dynamic_copy(const InstrChecker& c);
void check_indirect_copy(const InstrChecker& c);
void check_n_gather(const InstrChecker& c);
void check_nonzero_with_count(const InstrChecker& c);
// The contracts of the GpSimd gather and segment instructions (isa/validate_gpsimd.cc).
void check_local_gather(const InstrChecker& c);
void check_sequence_bounds(const InstrChecker& c);

}  // namespace trnsim::isa::validate_internal
