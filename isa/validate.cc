// The validator's program-level and common per-instruction checks; the per-opcode shape
// contracts are in isa/validate_contracts.cc, tile placement in isa/allocator.cc.
#include "isa/validate.h"

#include <algorithm>
#include <cmath>

#include "isa/checked.h"
#include "isa/name_index.h"
#include "isa/trace_json.h"
#include "isa/trace_json_internal.h"
#include "isa/validate_internal.h"

namespace trnsim::isa {
namespace validate_internal {

std::string shape_text(const std::vector<int64_t>& shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + "]";
}

InstrChecker::InstrChecker(const Program& prog, const CoreLimits& limits, size_t index)
    : prog_(prog), limits_(limits), ins_(prog.instructions[index]), index_(index) {}

Error InstrChecker::error(const std::string& what) const {
  return Error("instruction " + std::to_string(index_) + " (" + std::string(opcode_name(ins_.op)) +
               ")" + (ins_.label.empty() ? "" : " '" + bounded(ins_.label) + "'") + ": " + what);
}

bool InstrChecker::has(std::string_view role) const { return ins_.operand(role).present(); }
bool InstrChecker::is_view(std::string_view role) const { return ins_.operand(role).is_view(); }
const View& InstrChecker::view(std::string_view role) const { return ins_.operand(role).view; }

std::string InstrChecker::describe(std::string_view role) const {
  const Operand& o = ins_.operand(role);
  if (o.is_imm()) return std::string(role) + " (immediate)";
  return std::string(role) + " '" + bounded(view_to_string(prog_, o.view)) + "'";
}

void InstrChecker::expect_pf(std::string_view role, int64_t p, int64_t f,
                             std::string_view form) const {
  const View& v = view(role);
  if (v.partitions() == p && v.free_elements() == f) return;
  throw error(describe(role) + " has shape " + shape_text(v.shape()) + " (" +
              std::to_string(v.partitions()) + " partitions x " +
              std::to_string(v.free_elements()) + " elements), expected " + std::string(form) +
              " = " + std::to_string(p) + " partitions x " + std::to_string(f) + " elements");
}

void InstrChecker::expect_same_pf(std::string_view role, std::string_view like) const {
  const int64_t p = partitions(like), f = free_elements(like);
  const View& v = view(role);
  if (v.partitions() == p && v.free_elements() == f) return;  // the message only on failure
  expect_pf(role, p, f, "the shape of " + std::string(like) + " [P, N]");
}

void InstrChecker::expect_scalar_operand(std::string_view role, std::string_view like) const {
  if (!is_view(role)) return;
  expect_pf(role, partitions(like), 1, "per-partition [P, 1]");
}

void InstrChecker::expect_memory(std::string_view role, Memory m, std::string_view why) const {
  if (memory(role) == m) return;
  throw error(describe(role) + " is in " + std::string(memory_name(memory(role))) +
              ", must be in " + std::string(memory_name(m)) + " (" + std::string(why) + ")");
}

void InstrChecker::expect_integer_dtype(std::string_view role, std::string_view why) const {
  if (!dtype_is_float(dtype(role))) return;
  throw error(describe(role) + " has dtype " + std::string(dtype_name(dtype(role))) +
              ", needs an integer dtype (" + std::string(why) + ")");
}

std::string InstrChecker::attr_label(std::string_view name) const {
  return "attribute '" + std::string(name) + "'";
}

void InstrChecker::expect_reduce_op(std::string_view name) const {
  const AluOp op = alu(name);
  const bool ok = alu_kind(op) == AluKind::Bitwise || op == AluOp::kAdd || op == AluOp::kMultiply ||
                  op == AluOp::kMax || op == AluOp::kMin;
  if (!ok)
    throw error(attr_label(name) + ": '" + std::string(alu_name(op)) +
                "' is not a reduction operator (add, multiply, maximum, minimum, bitwise)");
}

void InstrChecker::expect_compare_op(std::string_view name) const {
  const AluOp op = alu(name);
  if (alu_kind(op) != AluKind::Compare)
    throw error(attr_label(name) + ": '" + std::string(alu_name(op)) +
                "' is not a comparison operator");
}

namespace {

constexpr double kMaxExactIntAttr = 9007199254740992.0;  // 2^53

// Size of dim d of buffer b (partition dim first); b and d must be valid.
int64_t dim_size(const Program& prog, BufferRef b, size_t d) {
  if (b.memory == Memory::kHbm) return prog.tensors[b.index].shape[d];
  const Tile& t = prog.tiles[b.index];
  return d == 0 ? t.partitions : t.free_shape[d - 1];
}

size_t rank_of(const Program& prog, BufferRef b) {
  return b.memory == Memory::kHbm ? prog.tensors[b.index].shape.size()
                                  : prog.tiles[b.index].free_shape.size() + 1;
}

// `v` is operand `role`; `input`: it is read (kIn / kInOrImm), so a free dim may broadcast
// (step 0). Message text is built only when a check fails.
void check_view(const InstrChecker& c, std::string_view role, const View& v, Engine engine,
                bool input) {
  const Program& prog = c.prog();
  const size_t nbuf = v.buf.memory == Memory::kHbm ? prog.tensors.size() : prog.tiles.size();
  if (v.buf.index < 0 || size_t(v.buf.index) >= nbuf ||
      (v.buf.memory != Memory::kHbm && prog.tiles[v.buf.index].memory != v.buf.memory))
    throw c.error(std::string(role) + ": refers to no buffer (index " +
                  std::to_string(v.buf.index) + ")");
  const size_t rank = rank_of(prog, v.buf);
  auto name = [&] { return bounded(prog.name_of(v.buf)); };
  auto shape = [&] { return bounded(shape_text(prog.shape_of(v.buf))); };
  if (v.dims.size() != rank)
    throw c.error(c.describe(role) + " has " + std::to_string(v.dims.size()) + " slices, buffer '" +
                  name() + "' has " + std::to_string(rank) + " dims");
  const bool dma_source = role == "src" && c.ins().op == Opcode::dma_copy;
  for (size_t d = 0; d < rank; ++d) {
    const Slice& s = v.dims[d];
    const int64_t size = dim_size(prog, v.buf, d);
    auto fail = [&](const std::string& what) {
      return c.error(c.describe(role) + ": dim " + std::to_string(d) + " slice " +
                     std::to_string(s.start) + ":" + std::to_string(s.stop) + ":" +
                     std::to_string(s.step) + what);
    };
    const bool broadcast_source = d == 0 && s.step == 0 && dma_source;
    if (s.step == 0 && d == 0 && !broadcast_source)
      throw fail(" has step 0 (a partition broadcast), allowed only on a dma_copy source");
    // Step 0 on a free dim of a read operand repeats one element stop - start times (the
    // engines' access patterns take a zero stride: NKI "Access Patterns", NkiTensor.broadcast).
    const bool free_broadcast = d > 0 && s.step == 0 && input;
    if (broadcast_source || free_broadcast) {
      if (s.start < 0 || s.start >= size)
        throw fail(" broadcasts index " + std::to_string(s.start) + ", out of bounds of buffer '" +
                   name() + "' " + shape());
      if (s.stop <= s.start) throw fail(" is empty");
      continue;
    }
    if (s.step == 0) throw fail(" has step 0 (a broadcast), allowed only on an operand that is read");
    if (s.step < 0) throw fail(" has a non-positive step");
    if (s.start < 0 || s.stop > size)
      throw fail(" is out of bounds of buffer '" + name() + "' " + shape());
    if (s.stop <= s.start) throw fail(" is empty");
    // A step beyond the dim selects one element, like a step equal to it; bounding it keeps
    // step x stride within the buffer's element count.
    if (s.step > size)
      throw fail(" has a step larger than the dim's size " + std::to_string(size) +
                 " (write the single index instead)");
  }
  if (v.buf.memory == Memory::kHbm) {
    // core_barrier names the shared HBM tensor it orders accesses to; it does not access it.
    if (engine != Engine::kDma && c.ins().op != Opcode::core_barrier)
      throw c.error(c.describe(role) + " is in HBM; the " + std::string(engine_name(engine)) +
                    " engine reads and writes only SBUF/PSUM (move data with dma_copy)");
    return;
  }
  if (v.dims[0].step != 1 && !(v.dims[0].step == 0 && dma_source))
    throw c.error(c.describe(role) + ": partition step " + std::to_string(v.dims[0].step) +
                  ", on-chip views need step 1");
  if (v.partitions() > c.limits().partitions)
    throw c.error(c.describe(role) + " has " + std::to_string(v.partitions()) +
                  " partitions, limit " + std::to_string(c.limits().partitions));
  if (engine == Engine::kGpsimd && v.buf.memory == Memory::kPsum)
    throw c.error(c.describe(role) + " is in PSUM; the gpsimd engine cannot access PSUM");
}

void check_attr(const InstrChecker& c, const AttrSpec& spec, const AttrValue& a) {
  if (!a.present) {
    if (!spec.optional) throw c.error(c.attr_label(spec.name) + " is missing (required)");
    return;
  }
  auto bad = [&](const std::string& why) { return c.error(c.attr_label(spec.name) + ": " + why); };
  switch (spec.type) {
    case AttrType::kInt:
      if (a.num != std::floor(a.num)) throw bad(std::to_string(a.num) + " is not an integer");
      // Integers beyond 2^53 are not exact in the double the attribute is stored in.
      if (std::fabs(a.num) > kMaxExactIntAttr)
        throw bad(std::to_string(int64_t(std::clamp(a.num, -9.2e18, 9.2e18))) +
                  " is outside [-2^53, 2^53]");
      break;
    case AttrType::kBool:
      if (a.num != 0 && a.num != 1) throw bad(std::to_string(a.num) + " is not a bool");
      break;
    case AttrType::kAlu:
      if (!(a.num >= 0 && a.num < kNumAluOps && a.num == std::floor(a.num)))
        throw bad(std::to_string(a.num) + " is not an ALU operator");
      break;
    case AttrType::kAct:
      if (!(a.num >= 0 && a.num < num_act_funcs() && a.num == std::floor(a.num)))
        throw bad(std::to_string(a.num) + " is not an activation function");
      break;
    case AttrType::kFloat:
    case AttrType::kInts:
      break;
  }
}

// Bitwise ALU operators work on integer values: their operands and results need integer dtypes.
void check_bitwise_dtypes(const InstrChecker& c) {
  const InstrInfo& in = info(c.ins().op);
  for (const AttrSpec& spec : in.attrs) {
    if (spec.type != AttrType::kAlu || !c.attr_present(spec.name)) continue;
    if (alu_kind(c.alu(spec.name)) != AluKind::Bitwise) continue;
    const std::string why =
        std::string(alu_name(c.alu(spec.name))) + " in " + c.attr_label(spec.name);
    const bool reduction = spec.name == "reduce_op";
    for (const char* role : {"dst", "src", "src0", "src1", "reduce_dst"}) {
      if (in.operand_index(role) < 0 || !c.has(role) || !c.is_view(role)) continue;
      const bool is_reduce_dst = std::string_view(role) == "reduce_dst";
      if (reduction == is_reduce_dst || (reduction && std::string_view(role) == "dst"))
        c.expect_integer_dtype(role, why);
    }
  }
}

}  // namespace

void check_common(const InstrChecker& c) {
  const Instruction& ins = c.ins();
  const InstrInfo& in = info(ins.op);
  if (ins.operands.size() != in.operands.size() || ins.attrs.size() != in.attrs.size())
    throw c.error("has " + std::to_string(ins.operands.size()) + " operand and " +
                  std::to_string(ins.attrs.size()) + " attribute slots, the table says " +
                  std::to_string(in.operands.size()) + " and " + std::to_string(in.attrs.size()));
  if (!(in.engines & engine_bit(ins.engine)))
    throw c.error("cannot run on the " + std::string(engine_name(ins.engine)) + " engine");
  for (size_t s = 0; s < in.operands.size(); ++s) {
    const OperandSpec& spec = in.operands[s];
    const Operand& o = ins.operands[s];
    if (!o.present()) {
      if (!spec.optional) throw c.error("operand '" + spec.role + "' is missing (required)");
      continue;
    }
    if (o.is_imm() && spec.kind != OperandKind::kInOrImm)
      throw c.error("operand '" + spec.role + "' is an immediate, must be a view");
    if (o.is_view()) check_view(c, spec.role, o.view, ins.engine, spec.kind != OperandKind::kOut);
  }
  for (size_t s = 0; s < in.attrs.size(); ++s) check_attr(c, in.attrs[s], ins.attrs[s]);
  check_bitwise_dtypes(c);
}

}  // namespace validate_internal

namespace {

void check_declarations(const Program& prog, const CoreLimits& limits) {
  NameIndex names;  // views into prog's names
  names.reserve(prog.tensors.size() + prog.tiles.size());
  auto check_name = [&](const char* kind, const std::string& name) {
    if (name.empty()) throw Error(std::string(kind) + " with an empty name");
    if (!names.insert(name))
      throw Error(std::string(kind) + " '" + bounded(name) + "': duplicate buffer name");
  };
  // Positive dims whose product (times `leading`, the partitions of a tile) stays within
  // kMaxElements, so every size, offset and stride derived from the shape fits int64. `what`
  // names the buffer in a message (built only for one).
  auto check_shape = [](const auto& what, const std::vector<int64_t>& shape, int64_t leading) {
    if (shape.empty()) throw Error(what() + ": shape has no dims");
    int64_t elements = std::max<int64_t>(leading, 1);
    for (int64_t n : shape) {
      if (n <= 0)
        throw Error(what() + ": shape " + bounded(shape_to_text(shape)) +
                    " has a non-positive dim");
      if (__builtin_mul_overflow(elements, n, &elements) || elements > kMaxElements)
        throw Error(what() + ": shape " + bounded(shape_to_text(shape)) +
                    " has more than 2^48 elements (limit " + std::to_string(kMaxElements) + ")");
    }
  };
  for (const HbmTensor& t : prog.tensors) {
    const auto what = [&t] { return "tensor '" + bounded(t.name) + "'"; };
    check_name("tensor", t.name);
    check_shape(what, t.shape, 1);
    if (limits.hbm_bytes > 0 && t.bytes() > limits.hbm_bytes)
      throw Error(what() + ": " + std::to_string(t.bytes()) + " bytes, more than the " +
                  std::to_string(limits.hbm_bytes) + " bytes of device HBM");
  }
  for (const Tile& t : prog.tiles) {
    const auto what = [&t] { return "tile '" + bounded(t.name) + "'"; };
    check_name("tile", t.name);
    check_shape(what, t.free_shape, 1);
    if (t.memory == Memory::kHbm) throw Error(what() + ": memory must be sbuf or psum");
    if (t.partitions <= 0 || t.partitions > limits.partitions)
      throw Error(what() + ": " + std::to_string(t.partitions) + " partitions, limit " +
                  std::to_string(limits.partitions));
  }
}

}  // namespace

void validate(Program& prog, const CoreLimits& limits) {
  check_declarations(prog, limits);
  allocate_tiles(prog, limits);
  for (size_t i = 0; i < prog.instructions.size(); ++i) {
    const validate_internal::InstrChecker c(prog, limits, i);
    validate_internal::check_common(c);
    validate_internal::check_contract(c);
  }
}

}  // namespace trnsim::isa
