// The binary trace writer (format: isa/TRACE_BINARY.md). Every slot of every instruction is
// written (defaults included, an absent slot as null), so reading gives back the program field
// for field whatever defaults the reading build's table has.
#include <cmath>
#include <cstring>
#include <fstream>
#include <unordered_map>

#include "isa/error.h"
#include "isa/trace_binary.h"
#include "isa/trace_binary_internal.h"

namespace trnsim::isa {
namespace {

using namespace binary_internal;

class Encoder {
 public:
  void u8(uint8_t v) { out_.push_back(char(v)); }
  void u32(uint32_t v) {
    for (int i = 0; i < 4; ++i) u8(uint8_t(v >> (8 * i)));
  }
  void uvar(uint64_t v) {
    while (v >= 0x80) {
      u8(uint8_t(v) | 0x80);
      v >>= 7;
    }
    u8(uint8_t(v));
  }
  void svar(int64_t v) { uvar(zigzag(v)); }
  void f64(double v) {
    uint64_t bits = 0;
    std::memcpy(&bits, &v, sizeof bits);
    for (int i = 0; i < 8; ++i) u8(uint8_t(bits >> (8 * i)));
  }
  void bytes(std::string_view s) { out_.append(s.data(), s.size()); }
  // A number value: an integer value below 2^53 (not -0.0) as a short integer, which reads back
  // as the same double; anything else as its 8 bytes.
  void number(double v) {
    if (v == std::trunc(v) && std::fabs(v) < 0x1p53 && !(v == 0 && std::signbit(v))) {
      u8(binary_internal::kInteger);
      svar(int64_t(v));
    } else {
      u8(binary_internal::kNumber);
      f64(v);
    }
  }
  // Writes the id of `s` in the string table, adding it on first use.
  void str(std::string_view s) { uvar(intern(s)); }
  uint64_t intern(std::string_view s) {
    auto [it, added] = ids_.try_emplace(std::string(s), uint64_t(strings_.size()));
    if (added) strings_.push_back(&it->first);
    return it->second;
  }
  void dims(const std::vector<int64_t>& d) {
    uvar(d.size());
    for (int64_t n : d) svar(n);
  }
  std::string& body() { return out_; }
  const std::vector<const std::string*>& strings() const { return strings_; }

 private:
  std::string out_;
  std::unordered_map<std::string, uint64_t> ids_;
  std::vector<const std::string*> strings_;
};

// The C++ writer lists every operand and attribute of the opcode, in table order.
void write_opcode_entry(Encoder& e, const InstrInfo& in) {
  e.str(in.name);
  e.uvar(in.operands.size() + in.attrs.size());
  for (const OperandSpec& s : in.operands) e.str(s.role);
  for (const AttrSpec& s : in.attrs) e.str(s.name);
}

// `where()` names the instruction in errors.
template <typename Where>
void write_attr(Encoder& e, const AttrSpec& spec, const AttrValue& a, const Where& where) {
  if (!a.present) {
    e.u8(kNull);
    return;
  }
  switch (spec.type) {
    case AttrType::kInt: {
      // An int attribute holds an integer below 2^63 (the JSON reader's range).
      if (!(a.num == std::trunc(a.num) && a.num >= -0x1p63 && a.num < 0x1p63))
        throw Error(where() + ": attribute '" + spec.name + "': " + std::to_string(a.num) +
                    " is not a 64-bit integer");
      e.u8(kInteger);
      e.svar(int64_t(a.num));
      break;
    }
    case AttrType::kFloat:
      e.number(a.num);
      break;
    case AttrType::kBool:
      e.u8(a.num != 0 ? kTrue : kFalse);
      break;
    case AttrType::kAlu:
      if (!(a.num >= 0 && a.num < kNumAluOps))
        throw Error(where() + ": attribute '" + spec.name + "': no ALU operator " +
                    std::to_string(a.num));
      e.u8(kName);
      e.str(alu_name(AluOp(int(a.num))));
      break;
    case AttrType::kAct:
      if (!(a.num >= 0 && a.num < num_act_funcs()))
        throw Error(where() + ": attribute '" + spec.name + "': no activation function " +
                    std::to_string(a.num));
      e.u8(kName);
      e.str(act_name(ActFunc(int(a.num))));
      break;
    case AttrType::kInts:
      e.u8(kIntList);
      e.uvar(a.ints.size());
      for (int64_t x : a.ints) e.svar(x);
      break;
  }
}

// True if `v` has slice 0:size:1 on every dim of its buffer (rank already checked).
bool is_whole(const Program& prog, const View& v) {
  const auto whole_dim = [&](size_t d, int64_t size) {
    const Slice& s = v.dims[d];
    return s.start == 0 && s.stop == size && s.step == 1;
  };
  if (v.buf.memory == Memory::kHbm) {
    const std::vector<int64_t>& shape = prog.tensors[v.buf.index].shape;
    for (size_t d = 0; d < shape.size(); ++d)
      if (!whole_dim(d, shape[d])) return false;
    return true;
  }
  const Tile& t = prog.tiles[v.buf.index];
  if (!whole_dim(0, t.partitions)) return false;
  for (size_t d = 0; d < t.free_shape.size(); ++d)
    if (!whole_dim(d + 1, t.free_shape[d])) return false;
  return true;
}

template <typename Where>
void write_view(Encoder& e, const Program& prog, const View& v, const Where& where,
                const std::string& role) {
  const size_t n = v.buf.memory == Memory::kHbm ? prog.tensors.size() : prog.tiles.size();
  if (v.buf.index < 0 || size_t(v.buf.index) >= n)
    throw Error(where() + ": operand '" + role + "': no buffer " + std::to_string(v.buf.index));
  const size_t rank = v.buf.memory == Memory::kHbm
                          ? prog.tensors[v.buf.index].shape.size()
                          : prog.tiles[v.buf.index].free_shape.size() + 1;
  if (v.dims.size() != rank)
    throw Error(where() + ": operand '" + role + "': a view of " + std::to_string(v.dims.size()) +
                " dims of the " + std::to_string(rank) + "-D buffer '" + prog.name_of(v.buf) +
                "' (a trace view has one slice per buffer dim)");
  const uint64_t buffer = v.buf.memory == Memory::kHbm
                              ? uint64_t(v.buf.index)
                              : uint64_t(prog.tensors.size()) + uint64_t(v.buf.index);
  if (is_whole(prog, v)) {
    e.u8(kWholeBuffer);
    e.uvar(buffer);
    return;
  }
  e.u8(kView);
  e.uvar(buffer);
  for (const Slice& s : v.dims) {
    e.svar(s.start);
    e.svar(s.stop);
    e.svar(s.step);
  }
}

void write_instruction(Encoder& e, const Program& prog, const Instruction& ins, size_t index,
                       const std::vector<int64_t>& local_opcode) {
  const InstrInfo& in = info(ins.op);
  // Where errors point; built only for an error (this runs once per instruction).
  const auto where = [&] {
    return "instruction " + std::to_string(index) + " (" + std::string(in.name) + ")";
  };
  if (ins.operands.size() != in.operands.size() || ins.attrs.size() != in.attrs.size())
    throw Error(where() + ": operand/attribute slots do not match the instruction table");
  e.uvar(uint64_t(local_opcode[size_t(ins.op)]));
  e.str(engine_name(ins.engine));
  e.str(ins.label);
  for (size_t s = 0; s < in.operands.size(); ++s) {
    const Operand& o = ins.operands[s];
    if (o.is_view()) {
      write_view(e, prog, o.view, where, in.operands[s].role);
    } else if (o.is_imm()) {
      e.number(o.imm);
    } else {
      e.u8(kNull);
    }
  }
  for (size_t s = 0; s < in.attrs.size(); ++s) write_attr(e, in.attrs[s], ins.attrs[s], where);
}

}  // namespace

std::string program_to_binary(const Program& prog) {
  Encoder e;
  e.intern("");  // id 0
  e.str(prog.name);
  e.str(dma_issue_name(prog.dma_issue));
  e.uvar(prog.tensors.size());
  for (const HbmTensor& t : prog.tensors) {
    e.str(t.name);
    e.dims(t.shape);
    e.str(dtype_name(t.dtype));
    e.str(role_name(t.role));
  }
  e.uvar(prog.tiles.size());
  for (const Tile& t : prog.tiles) {
    e.str(t.name);
    e.str(memory_name(t.memory));
    e.svar(t.partitions);
    e.dims(t.free_shape);
    e.str(dtype_name(t.dtype));
    e.u8(t.fixed_address ? 1 : 0);
    if (t.fixed_address) e.svar(*t.fixed_address);
  }
  // The opcode table lists the opcodes used, in order of first use.
  std::vector<int64_t> local_opcode(size_t(kNumOpcodes), -1);
  std::vector<Opcode> used;
  for (const Instruction& ins : prog.instructions) {
    if (size_t(ins.op) >= local_opcode.size()) throw Error("instruction with an unknown opcode");
    if (local_opcode[size_t(ins.op)] < 0) {
      local_opcode[size_t(ins.op)] = int64_t(used.size());
      used.push_back(ins.op);
    }
  }
  e.uvar(used.size());
  for (Opcode op : used) write_opcode_entry(e, info(op));
  e.uvar(prog.instructions.size());
  for (size_t i = 0; i < prog.instructions.size(); ++i)
    write_instruction(e, prog, prog.instructions[i], i, local_opcode);

  Encoder head;
  head.bytes(kBinaryTraceMagic);
  head.u32(uint32_t(kBinaryTraceVersion));
  head.u32(0);  // flags
  head.uvar(e.strings().size());
  for (const std::string* s : e.strings()) {
    head.uvar(s->size());
    head.bytes(*s);
  }
  std::string out = std::move(head.body());
  out += e.body();
  return out;
}

void write_binary_trace_file(const Program& prog, const std::string& path) {
  const std::string bytes = program_to_binary(prog);
  std::ofstream f(path, std::ios::binary);
  if (!f) throw Error(path + ": cannot write trace file");
  f.write(bytes.data(), std::streamsize(bytes.size()));
  if (!f) throw Error(path + ": cannot write trace file");
}

}  // namespace trnsim::isa
