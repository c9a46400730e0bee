#include "isa/semantics/pair.h"

#include <string>

#include "isa/semantics/semantics_util.h"

namespace trnsim::isa {
namespace {

using sem_util::sem_error;
using sem_util::view_of;

int64_t elements(const View& v) { return v.partitions() * v.free_elements(); }

// Core `self` of the pair must send to and receive from the other core.
void check_ranks(const Instruction& ins, int self) {
  const int peer = 1 - self;
  for (const char* rank : {"send_to_rank", "recv_from_rank"}) {
    if (static_cast<int>(ins.attr(rank).num) != peer)
      throw sem_error(ins, std::string(rank) + " of core " + std::to_string(self) + " is " +
                               std::to_string(static_cast<int>(ins.attr(rank).num)) +
                               "; the pair's other core is " + std::to_string(peer));
  }
}

}  // namespace

namespace sem {

void core_barrier(const Instruction&, MachineState&) {}  // orders accesses; computes nothing

void sendrecv(const Instruction& ins, MachineState&) {
  throw sem_util::sem_error(ins, "needs the peer core: run the kernel on an LNC=2 pair "
                                 "(a pair manifest, isa/PAIR_TRACE.md), not as one core");
}

}  // namespace sem

bool is_pair_instruction(Opcode op) {
  return op == Opcode::core_barrier || op == Opcode::sendrecv;
}

void execute_pair(const Instruction& a, MachineState& s0, const Instruction& b,
                  MachineState& s1) {
  if (a.op != b.op)
    throw Error("pair: core 0's " + std::string(opcode_name(a.op)) + " meets core 1's " +
                std::string(opcode_name(b.op)) +
                " (the n-th core_barrier / sendrecv of each core must match)");
  if (a.op == Opcode::core_barrier) return;
  check_ranks(a, 0);
  check_ranks(b, 1);
  const View& dst0 = view_of(a, "dst");
  const View& dst1 = view_of(b, "dst");
  const View& src0 = view_of(a, "src");
  const View& src1 = view_of(b, "src");
  if (elements(dst0) != elements(src1) || elements(dst1) != elements(src0))
    throw sem_error(a, "core 0 sends " + std::to_string(elements(src0)) + " elements into " +
                           std::to_string(elements(dst1)) + " of core 1, core 1 sends " +
                           std::to_string(elements(src1)) + " into " +
                           std::to_string(elements(dst0)));
  if (s0.program().dtype_of(dst0.buf) != s1.program().dtype_of(src1.buf) ||
      s1.program().dtype_of(dst1.buf) != s0.program().dtype_of(src0.buf))
    throw sem_error(a, "the two cores' tiles differ in dtype; sendrecv does not cast");
  const std::vector<uint32_t> from0 = s0.read_bits(src0);
  const std::vector<uint32_t> from1 = s1.read_bits(src1);
  s0.write_bits(dst0, from1);
  s1.write_bits(dst1, from0);
}

}  // namespace trnsim::isa
