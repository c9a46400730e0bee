// Test bench for functional-plane semantics tests: a small program of SBUF
// tiles placed by hand (no validator needed), a MachineState over it, and
// helpers to build instructions.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "isa/program.h"
#include "isa/semantics/machine_state.h"
#include "isa/semantics/semantics.h"

namespace trnsim::isa::testing {

class SemBench {
 public:
  SemBench() {
    limits_.partitions = 128;
    limits_.sbuf_partition_bytes = 192 * 1024;
    limits_.psum_partition_bytes = 16 * 1024;
    limits_.psum_bank_bytes = 2 * 1024;
  }

  // Declares an SBUF tile; call every add_tile before the first state() use.
  View add_tile(const std::string& name, int64_t partitions, std::vector<int64_t> free_shape,
                DType dtype = DType::kFp32) {
    Tile t;
    t.name = name;
    t.memory = Memory::kSbuf;
    t.partitions = partitions;
    t.free_shape = std::move(free_shape);
    t.dtype = dtype;
    t.address = next_address_;
    next_address_ += (t.bytes_per_partition() + 63) / 64 * 64;
    prog_.tiles.push_back(t);
    return prog_.whole(BufferRef{Memory::kSbuf, int32_t(prog_.tiles.size() - 1)});
  }

  MachineState& state() {
    if (!state_) state_ = std::make_unique<MachineState>(prog_, limits_);
    return *state_;
  }
  void fill(const View& v, const Matrix& m) { state().write(v, m); }
  Matrix get(const View& v) { return state().read(v); }

 private:
  Program prog_;
  CoreLimits limits_;
  int64_t next_address_ = 0;
  std::unique_ptr<MachineState> state_;
};

inline Operand view_operand(const View& v) {
  Operand o;
  o.kind = Operand::Kind::kView;
  o.view = v;
  return o;
}
inline Operand imm_operand(double x) {
  Operand o;
  o.kind = Operand::Kind::kImm;
  o.imm = x;
  return o;
}
inline void set_attr(Instruction& ins, const char* name, double value) {
  ins.attr(name).present = true;
  ins.attr(name).num = value;
}
inline void set_alu(Instruction& ins, const char* name, AluOp op) {
  set_attr(ins, name, static_cast<int>(op));
}
inline void set_ints(Instruction& ins, const char* name, std::vector<int64_t> values) {
  ins.attr(name).present = true;
  ins.attr(name).ints = std::move(values);
}

// Row-major matrix from a flat list.
inline Matrix rows(int64_t r, int64_t c, std::vector<float> values) {
  Matrix m(r, c);
  for (int64_t i = 0; i < r * c; ++i) m(i / c, i % c) = values[i];
  return m;
}

}  // namespace trnsim::isa::testing
