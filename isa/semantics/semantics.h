// The functional plane: what each instruction of the table computes on a MachineState.
// One function per instruction, named after it; execute() dispatches through a table
// generated from isa/instructions.def, so an instruction without semantics does not link.
// Instructions must have passed the validator: semantics assume well-formed shapes.
#pragma once

#include "isa/program.h"
#include "isa/semantics/machine_state.h"

namespace trnsim::isa {

namespace sem {
#define TRNSIM_INSTRUCTION(name, engines, def_engine, cost, operands, attrs, summary) \
  void name(const Instruction& ins, MachineState& st);
#include "isa/instructions.def"
#undef TRNSIM_INSTRUCTION
}  // namespace sem

void execute(const Instruction& ins, MachineState& st);

// Runs every instruction in program order (values-only mode).
void execute_all(const Program& prog, MachineState& st);

// Shared scalar helpers, used by every instruction that applies them.
float apply_alu(AluOp op, float a, float b);
float apply_act(ActFunc f, float x);
// Identity element of a reduction with `op` (0 for add, -inf for max, ...).
float reduce_identity(AluOp op);

}  // namespace trnsim::isa
