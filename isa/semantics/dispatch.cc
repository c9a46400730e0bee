// execute(): the functional plane's entry point, dispatching through a function table generated
// from isa/instructions.def (one entry per opcode, in enum order).
#include <string>

#include "isa/error.h"
#include "isa/semantics/semantics.h"

namespace trnsim::isa {
namespace {

using SemanticsFn = void (*)(const Instruction&, MachineState&);

constexpr SemanticsFn kSemantics[] = {
#define TRNSIM_INSTRUCTION(name, engines, def_engine, cost, operands, attrs, summary) &sem::name,
#include "isa/instructions.def"
#undef TRNSIM_INSTRUCTION
};
static_assert(sizeof(kSemantics) / sizeof(kSemantics[0]) == size_t(kNumOpcodes),
              "every opcode of isa/instructions.def needs semantics");

}  // namespace

void execute(const Instruction& ins, MachineState& st) {
  const int index = static_cast<int>(ins.op);
  if (index < 0 || index >= kNumOpcodes)
    throw Error("functional plane: unknown opcode " + std::to_string(index));
  kSemantics[index](ins, st);
}

void execute_all(const Program& prog, MachineState& st) {
  for (size_t i = 0; i < prog.instructions.size(); ++i) {
    const Instruction& ins = prog.instructions[i];
    try {
      execute(ins, st);
    } catch (const Error& e) {
      std::string where = "instruction " + std::to_string(i);
      if (!ins.label.empty()) where += " [" + ins.label + "]";
      throw Error(where + ": " + e.what());
    }
  }
}

}  // namespace trnsim::isa
