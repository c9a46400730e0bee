#include "kernels/builder.h"

#include <utility>

#include "isa/error.h"

namespace trnsim::kernels {
namespace {

using isa::Instruction;
using isa::Opcode;

void set_view(Instruction& ins, std::string_view role, const Ref& r) {
  isa::Operand& o = ins.operand(role);
  o.kind = isa::Operand::Kind::kView;
  o.view = r.view;
}

void set_scalar(Instruction& ins, std::string_view role, const Scalar& s) {
  if (s.ref) {
    set_view(ins, role, *s.ref);
  } else {
    isa::Operand& o = ins.operand(role);
    o.kind = isa::Operand::Kind::kImm;
    o.imm = s.imm;
  }
}

void set_num(Instruction& ins, std::string_view name, double v) {
  isa::AttrValue& a = ins.attr(name);
  a.present = true;
  a.num = v;
}

void set_alu(Instruction& ins, std::string_view name, isa::AluOp op) {
  set_num(ins, name, static_cast<int>(op));
}

void set_ints(Instruction& ins, std::string_view name, std::vector<int64_t> v) {
  isa::AttrValue& a = ins.attr(name);
  a.present = true;
  a.ints = std::move(v);
}

// An instruction of `op` with its "dst" and "src" operands set, the shape most opcodes share.
Instruction dst_src_instruction(Opcode op, const Ref& dst, const Ref& src) {
  Instruction ins = isa::make_instruction(op);
  set_view(ins, "dst", dst);
  set_view(ins, "src", src);
  return ins;
}

}  // namespace

Ref Ref::sl(int d, int64_t start, int64_t stop, int64_t step) const {
  if (d < 0 || d >= rank())
    throw Error("kernel builder: slice of dim " + std::to_string(d) + " on a view of rank " +
                std::to_string(rank()));
  const isa::Slice& s = view.dims[d];
  if (start < 0 || stop > s.count() || start > stop || step < 1)
    throw Error("kernel builder: slice [" + std::to_string(start) + ":" + std::to_string(stop) +
                ":" + std::to_string(step) + "] out of range for dim " + std::to_string(d) +
                " of extent " + std::to_string(s.count()));
  Ref out = *this;
  isa::Slice& o = out.view.dims[d];
  o.start = s.start + start * s.step;
  o.stop = s.start + stop * s.step;
  if (o.stop > s.stop) o.stop = s.stop;
  o.step = s.step * step;
  return out;
}

// The library's kernels stand for what the NKI compiler's default flow emits, where neuronx-cc
// orders the instructions (scheduling=False): the same DMA issue order the front end gives
// that flow (kernels/nki/trnsim_nki/compiler/schedule.py), so the two front ends time alike.
Builder::Builder(std::string program_name) {
  prog_.name = std::move(program_name);
  prog_.dma_issue = isa::DmaIssue::kAsap;
}

Ref Builder::hbm(const std::string& name, std::vector<int64_t> shape, isa::DType dtype,
                 isa::TensorRole role) {
  if (prog_.find(name)) throw Error("kernel builder: duplicate buffer name '" + name + "'");
  isa::HbmTensor t;
  t.name = name;
  t.shape = std::move(shape);
  t.dtype = dtype;
  t.role = role;
  prog_.tensors.push_back(std::move(t));
  isa::BufferRef ref{isa::Memory::kHbm, int32_t(prog_.tensors.size() - 1)};
  return Ref{prog_.whole(ref)};
}

Ref Builder::add_tile(const std::string& name, isa::Memory mem, int64_t partitions,
                      std::vector<int64_t> free_shape, isa::DType dtype) {
  if (prog_.find(name)) throw Error("kernel builder: duplicate buffer name '" + name + "'");
  isa::Tile t;
  t.name = name;
  t.memory = mem;
  t.partitions = partitions;
  t.free_shape = std::move(free_shape);
  t.dtype = dtype;
  prog_.tiles.push_back(std::move(t));
  isa::BufferRef ref{mem, int32_t(prog_.tiles.size() - 1)};
  return Ref{prog_.whole(ref)};
}

Ref Builder::sbuf(const std::string& name, int64_t partitions, std::vector<int64_t> free_shape,
                  isa::DType dtype) {
  return add_tile(name, isa::Memory::kSbuf, partitions, std::move(free_shape), dtype);
}

Ref Builder::psum(const std::string& name, int64_t partitions, std::vector<int64_t> free_shape,
                  isa::DType dtype) {
  return add_tile(name, isa::Memory::kPsum, partitions, std::move(free_shape), dtype);
}

Instruction& Builder::emit(Instruction ins) {
  ins.label = label_;
  prog_.instructions.push_back(std::move(ins));
  return prog_.instructions.back();
}

void Builder::dma_copy(const Ref& dst, const Ref& src, int queue) {
  Instruction ins = dst_src_instruction(Opcode::dma_copy, dst, src);
  set_num(ins, "queue", queue);
  emit(std::move(ins));
}

void Builder::load(const Ref& dst_tile, const Ref& src_hbm, int queue) {
  dma_copy(dst_tile, src_hbm, queue);
}

void Builder::store(const Ref& dst_hbm, const Ref& src_tile, int queue) {
  dma_copy(dst_hbm, src_tile, queue);
}

void Builder::dma_transpose(const Ref& dst, const Ref& src, int queue) {
  Instruction ins = dst_src_instruction(Opcode::dma_transpose, dst, src);
  set_num(ins, "queue", queue);
  emit(std::move(ins));
}

void Builder::nc_matmul(const Ref& dst_psum, const Ref& stationary, const Ref& moving,
                        bool accumulate) {
  Instruction ins = isa::make_instruction(Opcode::nc_matmul);
  set_view(ins, "dst", dst_psum);
  set_view(ins, "stationary", stationary);
  set_view(ins, "moving", moving);
  set_num(ins, "accumulate", accumulate ? 1 : 0);
  emit(std::move(ins));
}

void Builder::nc_transpose(const Ref& dst, const Ref& src, isa::Engine e) {
  Instruction ins = dst_src_instruction(Opcode::nc_transpose, dst, src);
  ins.engine = e;
  emit(std::move(ins));
}

void Builder::activation(const Ref& dst, const Ref& src, isa::ActFunc func, std::optional<Ref> bias,
                         Scalar scale, std::optional<Ref> reduce_dst, isa::AluOp reduce_op) {
  Instruction ins = dst_src_instruction(Opcode::activation, dst, src);
  if (bias) set_view(ins, "bias", *bias);
  set_scalar(ins, "scale", scale);
  if (reduce_dst) set_view(ins, "reduce_dst", *reduce_dst);
  set_num(ins, "func", static_cast<int>(func));
  set_alu(ins, "reduce_op", reduce_op);
  emit(std::move(ins));
}

void Builder::tensor_tensor(const Ref& dst, const Ref& a, const Ref& b, isa::AluOp op,
                            isa::Engine e) {
  Instruction ins = isa::make_instruction(Opcode::tensor_tensor);
  ins.engine = e;
  set_view(ins, "dst", dst);
  set_view(ins, "src0", a);
  set_view(ins, "src1", b);
  set_alu(ins, "alu_op", op);
  emit(std::move(ins));
}

void Builder::tensor_scalar(const Ref& dst, const Ref& src, isa::AluOp op0, Scalar operand0,
                            std::optional<isa::AluOp> op1, Scalar operand1, isa::Engine e,
                            bool reverse0, bool reverse1) {
  Instruction ins = dst_src_instruction(Opcode::tensor_scalar, dst, src);
  ins.engine = e;
  set_scalar(ins, "operand0", operand0);
  set_alu(ins, "op0", op0);
  set_num(ins, "reverse0", reverse0 ? 1 : 0);
  if (op1) {
    set_scalar(ins, "operand1", operand1);
    set_alu(ins, "op1", *op1);
    set_num(ins, "reverse1", reverse1 ? 1 : 0);
  }
  emit(std::move(ins));
}

void Builder::scalar_tensor_tensor(const Ref& dst, const Ref& src0, isa::AluOp op0,
                                   Scalar operand0, isa::AluOp op1, const Ref& src1,
                                   isa::Engine e) {
  Instruction ins = isa::make_instruction(Opcode::scalar_tensor_tensor);
  ins.engine = e;
  set_view(ins, "dst", dst);
  set_view(ins, "src0", src0);
  set_scalar(ins, "operand0", operand0);
  set_view(ins, "src1", src1);
  set_alu(ins, "op0", op0);
  set_alu(ins, "op1", op1);
  emit(std::move(ins));
}

void Builder::tensor_scalar_reduce(const Ref& dst, const Ref& src, isa::AluOp op0,
                                   Scalar operand0, const Ref& reduce_dst,
                                   isa::AluOp reduce_op) {
  Instruction ins = dst_src_instruction(Opcode::tensor_scalar_reduce, dst, src);
  set_scalar(ins, "operand0", operand0);
  set_view(ins, "reduce_dst", reduce_dst);
  set_alu(ins, "op0", op0);
  set_alu(ins, "reduce_op", reduce_op);
  emit(std::move(ins));
}

void Builder::tensor_copy(const Ref& dst, const Ref& src, isa::Engine e) {
  Instruction ins = dst_src_instruction(Opcode::tensor_copy, dst, src);
  ins.engine = e;
  emit(std::move(ins));
}

void Builder::reciprocal(const Ref& dst, const Ref& src) {
  emit(dst_src_instruction(Opcode::reciprocal, dst, src));
}

void Builder::memset(const Ref& dst, double value, isa::Engine e) {
  Instruction ins = isa::make_instruction(Opcode::memset);
  ins.engine = e;
  set_view(ins, "dst", dst);
  set_num(ins, "value", value);
  emit(std::move(ins));
}

void Builder::tensor_reduce(const Ref& dst, const Ref& src, isa::AluOp op,
                            std::vector<int64_t> axis, bool negate, isa::Engine e) {
  if (axis.empty())
    for (int d = 1; d < src.rank(); ++d) axis.push_back(d);
  Instruction ins = dst_src_instruction(Opcode::tensor_reduce, dst, src);
  ins.engine = e;
  set_alu(ins, "alu_op", op);
  set_ints(ins, "axis", std::move(axis));
  set_num(ins, "negate", negate ? 1 : 0);
  emit(std::move(ins));
}

void Builder::tensor_partition_reduce(const Ref& dst, const Ref& src, isa::AluOp op) {
  Instruction ins = dst_src_instruction(Opcode::tensor_partition_reduce, dst, src);
  set_alu(ins, "alu_op", op);
  emit(std::move(ins));
}

void Builder::bn_stats(const Ref& dst, const Ref& src) {
  emit(dst_src_instruction(Opcode::bn_stats, dst, src));
}

void Builder::bn_aggr(const Ref& dst, const Ref& src) {
  emit(dst_src_instruction(Opcode::bn_aggr, dst, src));
}

void Builder::max8(const Ref& dst, const Ref& src) {
  emit(dst_src_instruction(Opcode::max8, dst, src));
}

void Builder::nc_find_index8(const Ref& dst, const Ref& src, const Ref& vals) {
  Instruction ins = dst_src_instruction(Opcode::nc_find_index8, dst, src);
  set_view(ins, "vals", vals);
  emit(std::move(ins));
}

void Builder::nc_match_replace8(const Ref& dst, const Ref& src, const Ref& vals,
                                double imm_value) {
  Instruction ins = dst_src_instruction(Opcode::nc_match_replace8, dst, src);
  set_view(ins, "vals", vals);
  set_num(ins, "imm_value", imm_value);
  emit(std::move(ins));
}

void Builder::iota(const Ref& dst, std::vector<int64_t> pattern, double offset,
                   int64_t channel_multiplier) {
  Instruction ins = isa::make_instruction(Opcode::iota);
  set_view(ins, "dst", dst);
  set_ints(ins, "pattern", std::move(pattern));
  set_num(ins, "offset", offset);
  set_num(ins, "channel_multiplier", double(channel_multiplier));
  emit(std::move(ins));
}

void Builder::affine_select(const Ref& dst, const Ref& src, std::vector<int64_t> pattern,
                            double offset, int64_t channel_multiplier, isa::AluOp cmp_op,
                            double on_false_value) {
  Instruction ins = dst_src_instruction(Opcode::affine_select, dst, src);
  set_ints(ins, "pattern", std::move(pattern));
  set_num(ins, "offset", offset);
  set_num(ins, "channel_multiplier", double(channel_multiplier));
  set_alu(ins, "cmp_op", cmp_op);
  set_num(ins, "on_false_value", on_false_value);
  emit(std::move(ins));
}

TilePool::TilePool(Builder& b, const std::string& name, int count, isa::Memory mem,
                   int64_t partitions, std::vector<int64_t> free_shape, isa::DType dtype) {
  if (count < 1) throw Error("kernel builder: tile pool '" + name + "' needs at least 1 tile");
  for (int i = 0; i < count; ++i) {
    std::string n = name + "_" + std::to_string(i);
    tiles_.push_back(mem == isa::Memory::kPsum ? b.psum(n, partitions, free_shape, dtype)
                                               : b.sbuf(n, partitions, free_shape, dtype));
  }
}

Ref TilePool::next() {
  Ref r = tiles_[next_];
  next_ = (next_ + 1) % int(tiles_.size());
  return r;
}

}  // namespace trnsim::kernels
