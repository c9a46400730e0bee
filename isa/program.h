// A program: HBM tensors, on-chip tiles and an ordered list of instructions whose operands are
// views of those buffers. Every front end (JSON trace, C++ builder, NKI Python) produces one;
// the validator checks it and places tiles; the functional and timing planes consume it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "isa/dtype.h"
#include "isa/label.h"
#include "isa/opcodes.h"

namespace trnsim::isa {

enum class Memory : uint8_t { kHbm, kSbuf, kPsum };
std::string_view memory_name(Memory m);  // "hbm", "sbuf", "psum"

// kSpill: HBM space the compiler spills SBUF tiles to and reloads them from (like scratch, but
// counted as spill/reload traffic in stats).
enum class TensorRole : uint8_t { kInput, kOutput, kConstant, kScratch, kSpill };
std::string_view role_name(TensorRole r);  // "input", "output", "constant", "scratch", "spill"
bool parse_role(std::string_view name, TensorRole* out);

// "[4, 128]": how messages print a shape.
std::string shape_to_text(const std::vector<int64_t>& shape);

// A tensor in device HBM. Its first dimension plays the partition role when viewed.
struct HbmTensor {
  std::string name;
  std::vector<int64_t> shape;
  DType dtype = DType::kFp32;
  TensorRole role = TensorRole::kInput;
  int64_t elements() const;
  int64_t bytes() const;  // elements() x element size; both throw trnsim::Error on overflow
};

// A tile in SBUF or PSUM: `partitions` partitions starting at partition 0, each holding the
// free shape in C order at byte `address` of the partition.
struct Tile {
  std::string name;
  Memory memory = Memory::kSbuf;
  int64_t partitions = 128;
  std::vector<int64_t> free_shape;
  DType dtype = DType::kFp32;
  std::optional<int64_t> fixed_address;  // as declared; otherwise the allocator chooses
  int64_t address = -1;                  // resolved byte offset within each partition
  int64_t free_elements() const;        // throws trnsim::Error on overflow
  int64_t bytes_per_partition() const;  // free_elements() x element size, checked
};

struct BufferRef {
  Memory memory = Memory::kHbm;
  int32_t index = -1;  // into Program::tensors (kHbm) or Program::tiles (kSbuf/kPsum)
  bool operator==(const BufferRef& o) const { return memory == o.memory && index == o.index; }
};

// Half-open range with positive step, like a Python slice with explicit bounds. Step 0 is a
// broadcast: stop - start repetitions of index `start` (allowed on the free dims of a read
// operand and on the partition dim of a dma_copy source, see validate.cc).
struct Slice {
  int64_t start = 0, stop = 0, step = 1;
  // Number of indices; exact for any int64 bounds (no wrap-around), 0 when step < 0. Step 0
  // (a broadcast) counts stop - start repetitions.
  int64_t count() const {
    if (stop <= start || step < 0) return 0;
    const uint64_t span = uint64_t(stop) - uint64_t(start);  // exact: stop > start
    const uint64_t n = step == 0 ? span : (span - 1) / uint64_t(step) + 1;  // <= span
    return n > uint64_t(INT64_MAX) ? INT64_MAX : int64_t(n);  // saturates past 2^63 - 1
  }
  bool operator==(const Slice& o) const {
    return start == o.start && stop == o.stop && step == o.step;
  }
};

// A view: one slice per dimension of the buffer (partition dimension first). Its shape is the
// slice counts; element order is C order over that shape.
struct View {
  BufferRef buf;
  std::vector<Slice> dims;
  int64_t partitions() const { return dims.empty() ? 0 : dims[0].count(); }
  int64_t free_elements() const;  // product of counts of dims[1..]; throws Error on overflow
  std::vector<int64_t> shape() const;
  bool operator==(const View& o) const { return buf == o.buf && dims == o.dims; }
};

struct Operand {
  enum class Kind : uint8_t { kAbsent, kView, kImm };
  Kind kind = Kind::kAbsent;
  View view;
  double imm = 0;
  bool is_view() const { return kind == Kind::kView; }
  bool is_imm() const { return kind == Kind::kImm; }
  bool present() const { return kind != Kind::kAbsent; }
};

// int, float, bool, alu and act attributes live in `num` (enums as their integer value);
// ints attributes in `ints`. `present` is false only for an optional attribute left out.
struct AttrValue {
  bool present = false;
  double num = 0;
  std::vector<int64_t> ints;
};

struct Instruction {
  Opcode op{};
  Engine engine = Engine::kVector;
  std::vector<Operand> operands;  // slots as in info(op).operands
  std::vector<AttrValue> attrs;   // slots as in info(op).attrs
  Label label;                    // free text shown in timelines (kernel name, source line)

  // Accessors by role/attribute name; throw trnsim::Error if the table has no such name.
  const Operand& operand(std::string_view role) const;
  Operand& operand(std::string_view role);
  const AttrValue& attr(std::string_view name) const;
  AttrValue& attr(std::string_view name);
};

// Builds an instruction with every slot sized and defaults applied (engine = default engine,
// optional immediates and attributes set to their table defaults).
Instruction make_instruction(Opcode op);

// How DMA queues order the transfers they serve (the trigger model, sim/core/neuron_core.h).
// The front end sets it from the kernel's CompileConfig:
// - kProgramOrder: each queue starts its transfers in program order; a transfer waiting for a
//   producer holds up the later transfers of its queue (neuronx-cc's flow and NKI scheduling
//   with SchedulingHeuristic.TRIVIAL: the engines keep the kernel's order).
// - kPrefetch: loads (HBM -> SBUF/PSUM) start as soon as their dependencies allow, ahead of
//   earlier transfers still waiting; the other transfers keep program order
//   (CompileConfig.prefetch_auto).
// - kAsap: every transfer starts as soon as its dependencies allow (NKI scheduling,
//   scheduling=True, with its default SchedulingHeuristic.ASAP: "select the instruction that
//   can start first").
enum class DmaIssue : uint8_t { kProgramOrder, kPrefetch, kAsap };
std::string_view dma_issue_name(DmaIssue d);  // "program_order", "prefetch", "asap"
bool parse_dma_issue(std::string_view name, DmaIssue* out);

struct Program {
  std::string name;
  DmaIssue dma_issue = DmaIssue::kProgramOrder;
  std::vector<HbmTensor> tensors;
  std::vector<Tile> tiles;
  std::vector<Instruction> instructions;

  // Name lookup over tensors and tiles; nullopt if no such buffer.
  std::optional<BufferRef> find(std::string_view buffer_name) const;
  DType dtype_of(BufferRef b) const;
  std::vector<int64_t> shape_of(BufferRef b) const;  // partition dim first
  const std::string& name_of(BufferRef b) const;
  // A view of a whole buffer.
  View whole(BufferRef b) const;
};

}  // namespace trnsim::isa
