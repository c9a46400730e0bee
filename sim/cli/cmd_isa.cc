// `trnsim isa` prints the instruction table as a reference; `trnsim schema` the trace format.
#include <iostream>
#include <sstream>

#include "isa/opcodes.h"
#include "isa/trace_json.h"
#include "sim/cli/commands.h"

namespace trnsim::cli {
namespace {

std::string engines_text(uint8_t mask, isa::Engine def) {
  std::string out;
  for (int e = 0; e < isa::kNumEngines; ++e) {
    if (!(mask & isa::engine_bit(isa::Engine(e)))) continue;
    if (!out.empty()) out += ", ";
    out += std::string(isa::engine_name(isa::Engine(e)));
    if (isa::Engine(e) == def && __builtin_popcount(mask) > 1) out += " (default)";
  }
  return out;
}

std::string isa_reference() {
  std::ostringstream out;
  out << "trnsim instruction set (" << isa::kNumOpcodes << " instructions, from "
      << "isa/instructions.def)\n\n";
  for (int i = 0; i < isa::kNumOpcodes; ++i) {
    const isa::InstrInfo& in = isa::info(isa::Opcode(i));
    out << in.name << "\n"
        << "  engines:    " << engines_text(in.engines, in.default_engine) << "\n"
        << "  operands:   " << in.operands_text << "\n";
    if (!in.attrs_text.empty()) out << "  attributes: " << in.attrs_text << "\n";
    out << "  " << in.summary << "\n\n";
  }
  out << "ALU operators:";
  for (int i = 0; i < isa::kNumAluOps; ++i) out << " " << isa::alu_name(isa::AluOp(i));
  out << "\n\nActivation functions:\n";
  for (int i = 0; i < isa::num_act_funcs(); ++i)
    out << "  " << isa::act_name(isa::ActFunc(i)) << ": " << isa::act_summary(isa::ActFunc(i))
        << "\n";
  return out.str();
}

}  // namespace

void add_isa_command(CLI::App& app) {
  auto* cmd = app.add_subcommand("isa", "Print the instruction set reference");
  cmd->callback([] { std::cout << isa_reference(); });
}

void add_schema_command(CLI::App& app) {
  auto* cmd = app.add_subcommand("schema", "Print the JSON trace format reference (version 1)");
  cmd->callback([] { std::cout << isa::trace_schema_text(); });
}

}  // namespace trnsim::cli
