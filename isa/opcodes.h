// Opcodes, engines and operator enums, all generated from the .def tables, plus the parsed
// operand/attribute specs of each instruction (isa/instructions.def is the only declaration).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace trnsim::isa {

enum class Engine : uint8_t { kTensor, kVector, kScalar, kGpsimd, kDma };
inline constexpr int kNumEngines = 5;
inline constexpr uint8_t E_TENSOR = 1u << 0;
inline constexpr uint8_t E_VECTOR = 1u << 1;
inline constexpr uint8_t E_SCALAR = 1u << 2;
inline constexpr uint8_t E_GPSIMD = 1u << 3;
inline constexpr uint8_t E_DMA = 1u << 4;
inline constexpr uint8_t engine_bit(Engine e) { return uint8_t(1u << static_cast<int>(e)); }
// "tensor", "vector", "scalar", "gpsimd", "dma" (also accepts "act" for scalar, "pool" for gpsimd).
std::string_view engine_name(Engine e);
bool parse_engine(std::string_view name, Engine* out);

// Timing formula families; sim/cost/ has one function per class.
enum class CostClass : uint8_t {
  kMatmul,           // nc_matmul
  kTranspose,        // nc_transpose (tensor or vector path)
  kStream1,          // one input stream over N elements per partition
  kStream2,          // two input streams
  kBnAggr,           // bn_aggr
  kReciprocal,       // reciprocal (iterative divide)
  kGpsimdIndex,      // iota, affine_select
  kPartitionReduce,  // cross-partition reduction on GpSimd
  kDma,              // DMA copy
  kDmaTranspose,     // DMA with transpose
  kDynamicCopy,      // tensor_copy_dynamic_src / _dst (runtime offset)
  kGather,           // nc_n_gather (per-partition gather by an index tile)
  kSemaphore,        // core_barrier: a semaphore write to the peer core and a wait
};

enum class Opcode : uint16_t {
#define TRNSIM_INSTRUCTION(name, engines, def_engine, cost, operands, attrs, summary) name,
#include "isa/instructions.def"
#undef TRNSIM_INSTRUCTION
};
inline constexpr int kNumOpcodes = 0
#define TRNSIM_INSTRUCTION(name, engines, def_engine, cost, operands, attrs, summary) +1
#include "isa/instructions.def"
#undef TRNSIM_INSTRUCTION
    ;

enum class AluOp : uint8_t {
#define TRNSIM_ALU_OP(e, name, kind) e,
#include "isa/alu_ops.def"
#undef TRNSIM_ALU_OP
};
inline constexpr int kNumAluOps = 0
#define TRNSIM_ALU_OP(e, name, kind) +1
#include "isa/alu_ops.def"
#undef TRNSIM_ALU_OP
    ;
enum class AluKind : uint8_t { Arith, Compare, Bitwise };
std::string_view alu_name(AluOp op);
AluKind alu_kind(AluOp op);
bool parse_alu(std::string_view name, AluOp* out);

enum class ActFunc : uint8_t {
#define TRNSIM_ACT_FUNC(e, name, summary) e,
#include "isa/activation_functions.def"
#undef TRNSIM_ACT_FUNC
};
std::string_view act_name(ActFunc f);
std::string_view act_summary(ActFunc f);
bool parse_act(std::string_view name, ActFunc* out);
int num_act_funcs();

// ---- parsed specs ----
enum class OperandKind : uint8_t { kOut, kIn, kInOrImm };
struct OperandSpec {
  std::string role;
  OperandKind kind;
  bool optional = false;
  std::optional<double> default_imm;  // kInOrImm only
};
enum class AttrType : uint8_t { kInt, kFloat, kBool, kAlu, kAct, kInts };
struct AttrSpec {
  std::string name;
  AttrType type;
  bool optional = false;
  std::optional<std::string> default_text;  // as written in the table, parsed by the codec
};

struct InstrInfo {
  Opcode op;
  std::string_view name;
  uint8_t engines;  // mask of engine_bit()
  Engine default_engine;
  CostClass cost_class;
  std::vector<OperandSpec> operands;  // index = operand slot of Instruction::operands
  std::vector<AttrSpec> attrs;        // index = attribute slot of Instruction::attrs
  std::string_view operands_text, attrs_text, summary;
  int operand_index(std::string_view role) const;  // -1 if absent
  int attr_index(std::string_view name) const;     // -1 if absent
};

const InstrInfo& info(Opcode op);
std::string_view opcode_name(Opcode op);
bool parse_opcode(std::string_view name, Opcode* out);

}  // namespace trnsim::isa
