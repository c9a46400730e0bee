#include "isa/program.h"

#include <cstdlib>
#include <sstream>

#include "isa/checked.h"
#include "isa/error.h"

namespace trnsim::isa {
namespace {

// Parses a default written in the instruction table ("1", "false", "add", "[-1,2]").
AttrValue default_attr(const AttrSpec& spec, std::string_view instr) {
  AttrValue v;
  if (!spec.default_text) return v;
  const std::string& text = *spec.default_text;
  v.present = true;
  auto bad = [&] {
    return Error("instruction table: " + std::string(instr) + ": bad default '" + text +
                 "' for attribute '" + spec.name + "'");
  };
  switch (spec.type) {
    case AttrType::kInt:
    case AttrType::kFloat:
      v.num = std::strtod(text.c_str(), nullptr);
      break;
    case AttrType::kBool:
      if (text != "true" && text != "false") throw bad();
      v.num = text == "true" ? 1 : 0;
      break;
    case AttrType::kAlu: {
      AluOp op;
      if (!parse_alu(text, &op)) throw bad();
      v.num = static_cast<int>(op);
      break;
    }
    case AttrType::kAct: {
      ActFunc f;
      if (!parse_act(text, &f)) throw bad();
      v.num = static_cast<int>(f);
      break;
    }
    case AttrType::kInts: {
      std::string body = text;
      for (char& c : body)
        if (c == '[' || c == ']' || c == ',') c = ' ';
      std::istringstream in(body);
      for (int64_t x; in >> x;) v.ints.push_back(x);
      break;
    }
  }
  return v;
}

}  // namespace

std::string_view memory_name(Memory m) {
  switch (m) {
    case Memory::kHbm:
      return "hbm";
    case Memory::kSbuf:
      return "sbuf";
    case Memory::kPsum:
      return "psum";
  }
  return "?";
}

std::string_view role_name(TensorRole r) {
  switch (r) {
    case TensorRole::kInput:
      return "input";
    case TensorRole::kOutput:
      return "output";
    case TensorRole::kConstant:
      return "constant";
    case TensorRole::kScratch:
      return "scratch";
    case TensorRole::kSpill:
      return "spill";
  }
  return "?";
}

std::string_view dma_issue_name(DmaIssue d) {
  switch (d) {
    case DmaIssue::kProgramOrder:
      return "program_order";
    case DmaIssue::kPrefetch:
      return "prefetch";
    case DmaIssue::kAsap:
      return "asap";
  }
  return "?";
}

bool parse_dma_issue(std::string_view name, DmaIssue* out) {
  for (DmaIssue d : {DmaIssue::kProgramOrder, DmaIssue::kPrefetch, DmaIssue::kAsap}) {
    if (name == dma_issue_name(d)) {
      *out = d;
      return true;
    }
  }
  return false;
}

bool parse_role(std::string_view name, TensorRole* out) {
  for (TensorRole r : {TensorRole::kInput, TensorRole::kOutput, TensorRole::kConstant,
                       TensorRole::kScratch, TensorRole::kSpill}) {
    if (name == role_name(r)) {
      *out = r;
      return true;
    }
  }
  return false;
}

namespace {

// Product of `factors` times `scale`; the message names the buffer only on overflow (these run
// on hot paths).
int64_t buffer_size(const std::vector<int64_t>& factors, int64_t scale, const char* kind,
                    const std::string& name, const char* quantity) {
  int64_t n = scale;
  for (int64_t f : factors) {
    if (__builtin_mul_overflow(n, f, &n))
      throw Error(std::string(kind) + " '" + bounded(name) + "': " + quantity + " of shape " +
                  bounded(shape_to_text(factors)) + " overflows a 64-bit integer");
  }
  return n;
}

}  // namespace

std::string shape_to_text(const std::vector<int64_t>& shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + "]";
}

int64_t HbmTensor::elements() const { return buffer_size(shape, 1, "tensor", name, "element count"); }
int64_t HbmTensor::bytes() const {
  return buffer_size(shape, dtype_bytes(dtype), "tensor", name, "byte size");
}
int64_t Tile::free_elements() const {
  return buffer_size(free_shape, 1, "tile", name, "element count");
}
int64_t Tile::bytes_per_partition() const {
  return buffer_size(free_shape, dtype_bytes(dtype), "tile", name, "bytes per partition");
}

int64_t View::free_elements() const {
  int64_t n = 1;
  for (size_t i = 1; i < dims.size(); ++i) {
    if (__builtin_mul_overflow(n, dims[i].count(), &n))
      throw Error("view element count overflows a 64-bit integer");
  }
  return n;
}

std::vector<int64_t> View::shape() const {
  std::vector<int64_t> s;
  s.reserve(dims.size());
  for (const Slice& d : dims) s.push_back(d.count());
  return s;
}

const Operand& Instruction::operand(std::string_view role) const {
  int i = info(op).operand_index(role);
  if (i < 0 || size_t(i) >= operands.size())
    throw Error(std::string(opcode_name(op)) + " has no operand '" + std::string(role) + "'");
  return operands[i];
}
Operand& Instruction::operand(std::string_view role) {
  return const_cast<Operand&>(static_cast<const Instruction*>(this)->operand(role));
}

const AttrValue& Instruction::attr(std::string_view name) const {
  int i = info(op).attr_index(name);
  if (i < 0 || size_t(i) >= attrs.size())
    throw Error(std::string(opcode_name(op)) + " has no attribute '" + std::string(name) + "'");
  return attrs[i];
}
AttrValue& Instruction::attr(std::string_view name) {
  return const_cast<AttrValue&>(static_cast<const Instruction*>(this)->attr(name));
}

namespace {

Instruction build_instruction(Opcode op) {
  const InstrInfo& in = info(op);
  Instruction ins;
  ins.op = op;
  ins.engine = in.default_engine;
  ins.operands.resize(in.operands.size());
  for (size_t i = 0; i < in.operands.size(); ++i) {
    if (in.operands[i].default_imm) {
      ins.operands[i].kind = Operand::Kind::kImm;
      ins.operands[i].imm = *in.operands[i].default_imm;
    }
  }
  ins.attrs.reserve(in.attrs.size());
  for (const AttrSpec& spec : in.attrs) ins.attrs.push_back(default_attr(spec, in.name));
  return ins;
}

}  // namespace

Instruction make_instruction(Opcode op) {
  // One prototype per opcode, built on first use (readers make one instruction per line of a
  // trace; the table defaults are parsed once). A bad table default throws on every call.
  static const std::vector<std::optional<Instruction>> prototypes = [] {
    std::vector<std::optional<Instruction>> p(kNumOpcodes);
    for (int o = 0; o < kNumOpcodes; ++o) {
      try {
        p[o] = build_instruction(Opcode(o));
      } catch (const Error&) {
        // left empty: make_instruction rebuilds it and throws the table error
      }
    }
    return p;
  }();
  const std::optional<Instruction>& prototype = prototypes[static_cast<int>(op)];
  return prototype ? *prototype : build_instruction(op);
}

std::optional<BufferRef> Program::find(std::string_view buffer_name) const {
  for (size_t i = 0; i < tensors.size(); ++i)
    if (tensors[i].name == buffer_name) return BufferRef{Memory::kHbm, int32_t(i)};
  for (size_t i = 0; i < tiles.size(); ++i)
    if (tiles[i].name == buffer_name) return BufferRef{tiles[i].memory, int32_t(i)};
  return std::nullopt;
}

DType Program::dtype_of(BufferRef b) const {
  return b.memory == Memory::kHbm ? tensors[b.index].dtype : tiles[b.index].dtype;
}

std::vector<int64_t> Program::shape_of(BufferRef b) const {
  if (b.memory == Memory::kHbm) return tensors[b.index].shape;
  const Tile& t = tiles[b.index];
  std::vector<int64_t> s{t.partitions};
  s.insert(s.end(), t.free_shape.begin(), t.free_shape.end());
  return s;
}

const std::string& Program::name_of(BufferRef b) const {
  return b.memory == Memory::kHbm ? tensors[b.index].name : tiles[b.index].name;
}

View Program::whole(BufferRef b) const {
  View v;
  v.buf = b;
  for (int64_t n : shape_of(b)) v.dims.push_back(Slice{0, n, 1});
  return v;
}

}  // namespace trnsim::isa
