// Helpers for timing-plane tests: build small programs in C++ with isa::make_instruction and
// run them on a shipped config.
#pragma once

#include <string>
#include <vector>

#include "isa/program.h"
#include "isa/validate.h"
#include "sim/config/hw_config.h"
#include "sim/simulate.h"

namespace trnsim::sim::testing {

class ProgramBuilder {
 public:
  explicit ProgramBuilder(std::string name) { prog_.name = std::move(name); }

  isa::BufferRef tensor(const std::string& name, std::vector<int64_t> shape,
                        isa::DType dt = isa::DType::kFp32,
                        isa::TensorRole role = isa::TensorRole::kInput) {
    isa::HbmTensor t;
    t.name = name;
    t.shape = std::move(shape);
    t.dtype = dt;
    t.role = role;
    prog_.tensors.push_back(t);
    return {isa::Memory::kHbm, int32_t(prog_.tensors.size() - 1)};
  }
  isa::BufferRef tile(const std::string& name, isa::Memory mem, int64_t partitions,
                      std::vector<int64_t> free_shape, isa::DType dt = isa::DType::kFp32) {
    isa::Tile t;
    t.name = name;
    t.memory = mem;
    t.partitions = partitions;
    t.free_shape = std::move(free_shape);
    t.dtype = dt;
    prog_.tiles.push_back(t);
    return {mem, int32_t(prog_.tiles.size() - 1)};
  }
  isa::View whole(isa::BufferRef b) const { return prog_.whole(b); }

  // Appends an instruction; `views` fill the operand slots by role, then `attrs` by name.
  isa::Instruction& add(isa::Opcode op, std::vector<std::pair<std::string, isa::View>> views,
                        isa::Engine engine) {
    isa::Instruction ins = isa::make_instruction(op);
    ins.engine = engine;
    for (auto& [role, v] : views) {
      isa::Operand& o = ins.operand(role);
      o.kind = isa::Operand::Kind::kView;
      o.view = v;
    }
    prog_.instructions.push_back(ins);
    return prog_.instructions.back();
  }
  isa::Instruction& add(isa::Opcode op, std::vector<std::pair<std::string, isa::View>> views) {
    return add(op, std::move(views), isa::info(op).default_engine);
  }
  int32_t last() const { return int32_t(prog_.instructions.size()) - 1; }

  isa::Instruction& dma(isa::View dst, isa::View src, int queue = -1) {
    isa::Instruction& ins = add(isa::Opcode::dma_copy, {{"dst", dst}, {"src", src}});
    ins.attr("queue").present = true;
    ins.attr("queue").num = queue;
    return ins;
  }
  isa::Instruction& matmul(isa::View dst, isa::View st, isa::View mv, bool acc = false) {
    isa::Instruction& ins =
        add(isa::Opcode::nc_matmul, {{"dst", dst}, {"stationary", st}, {"moving", mv}});
    ins.attr("accumulate").num = acc ? 1 : 0;
    return ins;
  }
  // activation(copy) on the scalar engine.
  isa::Instruction& act(isa::View dst, isa::View src) {
    isa::Instruction& ins = add(isa::Opcode::activation, {{"dst", dst}, {"src", src}});
    isa::ActFunc f;
    parse_act("copy", &f);
    ins.attr("func").present = true;
    ins.attr("func").num = static_cast<int>(f);
    return ins;
  }
  isa::Instruction& tensor_tensor(isa::View dst, isa::View a, isa::View b,
                                  isa::Engine e = isa::Engine::kVector) {
    isa::Instruction& ins =
        add(isa::Opcode::tensor_tensor, {{"dst", dst}, {"src0", a}, {"src1", b}}, e);
    ins.attr("alu_op").present = true;
    ins.attr("alu_op").num = static_cast<int>(isa::AluOp{});
    return ins;
  }
  isa::Instruction& copy(isa::View dst, isa::View src, isa::Engine e = isa::Engine::kVector) {
    return add(isa::Opcode::tensor_copy, {{"dst", dst}, {"src", src}}, e);
  }

  // Validates (places tiles) and returns the program.
  isa::Program& build(const HwConfig& cfg) {
    isa::validate(prog_, cfg.memory.limits);
    return prog_;
  }
  isa::Program& raw() { return prog_; }

 private:
  isa::Program prog_;
};

inline isa::View slice(isa::View v, size_t dim, int64_t start, int64_t stop, int64_t step = 1) {
  v.dims[dim] = {start, stop, step};
  return v;
}

inline RunResult time_only(const isa::Program& p, const HwConfig& cfg) {
  return simulate(p, cfg, Mode::kTimingOnly, nullptr);
}

// Rewrites the dependency edges of a two-instruction plan into the cycle 0 <- 1 <- 0, which no
// schedule can satisfy, each edge with `sync_ps` of synchronisation cost.
inline void inject_two_instruction_cycle(TimingPlan& plan, int64_t sync_ps) {
  plan.dep_begin = {0, 1, 2};
  plan.dep_producer = {1, 0};
  plan.dep_sync_ps = {sync_ps, sync_ps};
  plan.dep_raw = {1, 1};
}

inline const std::vector<std::string>& all_targets() {
  static const std::vector<std::string> t = {"trn1", "trn2", "trn3"};
  return t;
}

}  // namespace trnsim::sim::testing
