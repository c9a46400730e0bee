// The functional plane of the instructions that couple the two NeuronCores of an LNC=2 pair
// (isa/instructions.def, "the two NeuronCores of a pair"). Each core has its own MachineState
// (SBUF, PSUM) and both share one HBM image (MachineState::share_hbm_with).
// A matched pair (the n-th such instruction of core 0 and of core 1) executes once, as one
// step, when both are done in the timing plane: sendrecv reads both src tiles before it writes
// either dst, so an exchange in place (dst == src) swaps the tiles.
#pragma once

#include "isa/program.h"
#include "isa/semantics/machine_state.h"

namespace trnsim::isa {

// Whether `op` couples the two cores (core_barrier, sendrecv).
bool is_pair_instruction(Opcode op);

// Executes the matched instructions a (on core 0, state s0) and b (core 1, state s1). Throws
// trnsim::Error when they differ in opcode, or a sendrecv's ranks or shapes do not meet.
void execute_pair(const Instruction& a, MachineState& s0, const Instruction& b,
                  MachineState& s1);

}  // namespace trnsim::isa
