// Test bench for every functional-plane semantics test: a program with SBUF/PSUM tiles at
// hand-placed addresses (no validator needed) and HBM tensors, a MachineState over it, and
// instruction-building helpers.
#pragma once

#include <cstdint>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "isa/dtype.h"
#include "isa/program.h"
#include "isa/semantics/machine_state.h"
#include "isa/semantics/semantics.h"

namespace trnsim::isa::core_testing {

class CoreBench {
 public:
  CoreBench() {
    limits_.partitions = 128;
    limits_.sbuf_partition_bytes = 192 * 1024;
    limits_.psum_partition_bytes = 16 * 1024;
    limits_.psum_bank_bytes = 2 * 1024;
  }

  // Declare every buffer before the first state() call.
  View sbuf(const std::string& name, int64_t partitions, std::vector<int64_t> free_shape,
            DType dtype = DType::kFp32) {
    return add_tile(name, Memory::kSbuf, partitions, std::move(free_shape), dtype, &sbuf_next_);
  }
  View psum(const std::string& name, int64_t partitions, std::vector<int64_t> free_shape,
            DType dtype = DType::kFp32) {
    return add_tile(name, Memory::kPsum, partitions, std::move(free_shape), dtype, &psum_next_);
  }
  View hbm(const std::string& name, std::vector<int64_t> shape, DType dtype = DType::kFp32) {
    HbmTensor t;
    t.name = name;
    t.shape = std::move(shape);
    t.dtype = dtype;
    prog_.tensors.push_back(t);
    return prog_.whole(BufferRef{Memory::kHbm, int32_t(prog_.tensors.size() - 1)});
  }
  // A tile at a chosen byte address (for bounds tests).
  View sbuf_at(const std::string& name, int64_t partitions, std::vector<int64_t> free_shape,
               int64_t address, DType dtype = DType::kFp32) {
    int64_t next = address;
    return add_tile(name, Memory::kSbuf, partitions, std::move(free_shape), dtype, &next);
  }

  Program& program() { return prog_; }
  const CoreLimits& limits() const { return limits_; }
  MachineState& state() {
    if (!state_) state_ = std::make_unique<MachineState>(prog_, limits_);
    return *state_;
  }
  void fill(const View& v, const Matrix& m) { state().write(v, m); }
  Matrix get(const View& v) { return state().read(v); }

 private:
  View add_tile(const std::string& name, Memory mem, int64_t partitions,
                std::vector<int64_t> free_shape, DType dtype, int64_t* next) {
    Tile t;
    t.name = name;
    t.memory = mem;
    t.partitions = partitions;
    t.free_shape = std::move(free_shape);
    t.dtype = dtype;
    t.address = *next;
    *next += (t.bytes_per_partition() + 63) / 64 * 64;
    prog_.tiles.push_back(t);
    return prog_.whole(BufferRef{mem, int32_t(prog_.tiles.size() - 1)});
  }

  Program prog_;
  CoreLimits limits_;
  int64_t sbuf_next_ = 0, psum_next_ = 0;
  std::unique_ptr<MachineState> state_;
};

// A view of `whole`'s buffer with explicit slices, partition dim first.
inline View slice(const View& whole, std::vector<Slice> dims) { return View{whole.buf, dims}; }

inline Operand view_op(const View& v) {
  Operand o;
  o.kind = Operand::Kind::kView;
  o.view = v;
  return o;
}
inline Operand imm_op(double x) {
  Operand o;
  o.kind = Operand::Kind::kImm;
  o.imm = x;
  return o;
}
inline void set_num(Instruction& ins, const char* name, double value) {
  ins.attr(name).present = true;
  ins.attr(name).num = value;
}
inline void set_alu(Instruction& ins, const char* name, AluOp op) {
  set_num(ins, name, static_cast<int>(op));
}
inline void set_act(Instruction& ins, const char* name, ActFunc f) {
  set_num(ins, name, static_cast<int>(f));
}
inline void set_ints(Instruction& ins, const char* name, std::vector<int64_t> values) {
  ins.attr(name).present = true;
  ins.attr(name).ints = std::move(values);
}

// Row-major matrix from a flat list.
inline Matrix mat(int64_t r, int64_t c, std::vector<float> values) {
  Matrix m(r, c);
  for (int64_t i = 0; i < r * c; ++i) m(i / c, i % c) = values[size_t(i)];
  return m;
}

inline Matrix random_matrix(int64_t r, int64_t c, unsigned seed, float lo, float hi) {
  std::mt19937 gen(seed);
  std::uniform_real_distribution<float> dist(lo, hi);
  Matrix m(r, c);
  for (int64_t i = 0; i < r * c; ++i) m(i / c, i % c) = dist(gen);
  return m;
}

inline Instruction two_operand(Opcode op, const View& dst, const View& src) {
  Instruction ins = make_instruction(op);
  ins.operand("dst") = view_op(dst);
  ins.operand("src") = view_op(src);
  return ins;
}

}  // namespace trnsim::isa::core_testing
