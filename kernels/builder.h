// A C++ front end that emits isa::Program with NKI's vocabulary: HBM tensors, SBUF/PSUM tiles,
// views with slices, and one method per instruction (dma_copy as load/store, nc_matmul,
// activation, tensor_tensor, tensor_scalar, tensor_reduce, bn_stats, ...). Loops are plain C++
// loops around these calls. Every emitted instruction carries the current label (LabelScope),
// which shows in the timeline.
//
// Tiles live for the whole program (the validator's allocator places each once), so kernels
// reuse storage through TilePool: N tiles handed out in rotation (N = 2 is double buffering;
// dependencies between uses of one buffer are derived by the simulator from address overlap).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "isa/program.h"

namespace trnsim::kernels {

// A view of an HBM tensor or an on-chip tile. Slicing returns a narrower view of the same
// buffer; dims are the buffer's dims (partition dim first), never collapsed.
struct Ref {
  isa::View view;

  int64_t dim(int d) const { return view.dims.at(d).count(); }
  int64_t rows() const { return dim(0); }  // partitions (or dim 0 of an HBM tensor)
  int rank() const { return int(view.dims.size()); }
  // Narrow dimension d to [start, stop) with `step`, relative to the current view.
  Ref sl(int d, int64_t start, int64_t stop, int64_t step = 1) const;
  // Shorthands: p = partition dim 0, f = free dim 1 (2-D buffers).
  Ref p(int64_t start, int64_t stop) const { return sl(0, start, stop); }
  Ref f(int64_t start, int64_t stop, int64_t step = 1) const { return sl(1, start, stop, step); }
};

// An operand that is either a per-partition [P,1] view or an immediate number.
struct Scalar {
  std::optional<Ref> ref;
  double imm = 0;
  Scalar(double v) : imm(v) {}  // NOLINT(runtime/explicit): immediates read naturally
  Scalar(const Ref& r) : ref(r) {}  // NOLINT(runtime/explicit)
};

class Builder {
 public:
  explicit Builder(std::string program_name);

  // ---- buffers ----
  Ref hbm(const std::string& name, std::vector<int64_t> shape, isa::DType dtype,
          isa::TensorRole role);
  Ref input(const std::string& name, std::vector<int64_t> shape, isa::DType dtype) {
    return hbm(name, std::move(shape), dtype, isa::TensorRole::kInput);
  }
  Ref output(const std::string& name, std::vector<int64_t> shape, isa::DType dtype) {
    return hbm(name, std::move(shape), dtype, isa::TensorRole::kOutput);
  }
  Ref sbuf(const std::string& name, int64_t partitions, std::vector<int64_t> free_shape,
           isa::DType dtype);
  // PSUM tiles are fp32 unless told otherwise.
  Ref psum(const std::string& name, int64_t partitions, std::vector<int64_t> free_shape,
           isa::DType dtype = isa::DType::kFp32);

  // ---- labels ----
  void set_label(std::string_view label) { label_ = label; }
  const std::string& label() const { return label_; }

  // ---- data movement ----
  void dma_copy(const Ref& dst, const Ref& src, int queue = -1);
  // load/store = dma_copy. queue -1 (the default, as in NKI, where kernels cannot pick queues)
  // lets the simulator spread the transfer over the DMA queues.
  void load(const Ref& dst_tile, const Ref& src_hbm, int queue = -1);
  void store(const Ref& dst_hbm, const Ref& src_tile, int queue = -1);
  void dma_transpose(const Ref& dst, const Ref& src, int queue = -1);

  // ---- tensor engine ----
  void nc_matmul(const Ref& dst_psum, const Ref& stationary, const Ref& moving, bool accumulate);
  void nc_transpose(const Ref& dst, const Ref& src, isa::Engine e = isa::Engine::kTensor);

  // ---- scalar engine ----
  // dst = func(src * scale + bias), optional reduction of dst into reduce_dst [P,1].
  void activation(const Ref& dst, const Ref& src, isa::ActFunc func,
                  std::optional<Ref> bias = std::nullopt, Scalar scale = 1.0,
                  std::optional<Ref> reduce_dst = std::nullopt,
                  isa::AluOp reduce_op = isa::AluOp::kAdd);

  // ---- vector / gpsimd ----
  void tensor_tensor(const Ref& dst, const Ref& a, const Ref& b, isa::AluOp op,
                     isa::Engine e = isa::Engine::kVector);
  // dst = (src op0 operand0) [op1 operand1]
  void tensor_scalar(const Ref& dst, const Ref& src, isa::AluOp op0, Scalar operand0,
                     std::optional<isa::AluOp> op1 = std::nullopt, Scalar operand1 = 0.0,
                     isa::Engine e = isa::Engine::kVector, bool reverse0 = false,
                     bool reverse1 = false);
  // dst = (src0 op0 operand0) op1 src1
  void scalar_tensor_tensor(const Ref& dst, const Ref& src0, isa::AluOp op0, Scalar operand0,
                            isa::AluOp op1, const Ref& src1,
                            isa::Engine e = isa::Engine::kVector);
  void tensor_scalar_reduce(const Ref& dst, const Ref& src, isa::AluOp op0, Scalar operand0,
                            const Ref& reduce_dst, isa::AluOp reduce_op = isa::AluOp::kAdd);
  void tensor_copy(const Ref& dst, const Ref& src, isa::Engine e = isa::Engine::kVector);
  void reciprocal(const Ref& dst, const Ref& src);
  void memset(const Ref& dst, double value, isa::Engine e = isa::Engine::kVector);
  // Reduction over the free axes `axis` (1 = first free dim); default: all free dims.
  void tensor_reduce(const Ref& dst, const Ref& src, isa::AluOp op, std::vector<int64_t> axis = {},
                     bool negate = false, isa::Engine e = isa::Engine::kVector);
  void tensor_partition_reduce(const Ref& dst, const Ref& src, isa::AluOp op);
  void bn_stats(const Ref& dst, const Ref& src);
  void bn_aggr(const Ref& dst, const Ref& src);
  void max8(const Ref& dst, const Ref& src);
  void nc_find_index8(const Ref& dst, const Ref& src, const Ref& vals);
  void nc_match_replace8(const Ref& dst, const Ref& src, const Ref& vals, double imm_value);
  void iota(const Ref& dst, std::vector<int64_t> pattern, double offset = 0,
            int64_t channel_multiplier = 0);
  // dst = src where (offset + channel_multiplier*p + sum pattern[j]*i_j) cmp_op 0, else fill.
  void affine_select(const Ref& dst, const Ref& src, std::vector<int64_t> pattern, double offset,
                     int64_t channel_multiplier, isa::AluOp cmp_op, double on_false_value);

  // Generic emitter: operands by role (views or immediates), attributes set by the caller.
  isa::Instruction& emit(isa::Instruction ins);

  const isa::Program& program() const { return prog_; }
  isa::Program take() { return std::move(prog_); }

 private:
  Ref add_tile(const std::string& name, isa::Memory mem, int64_t partitions,
               std::vector<int64_t> free_shape, isa::DType dtype);
  isa::Program prog_;
  isa::Label label_;  // interned once per set_label, not per instruction
};

// Sets the builder's label for its lifetime, restoring the previous one after.
class LabelScope {
 public:
  LabelScope(Builder& b, std::string label) : b_(b), saved_(b.label()) {
    b.set_label(std::move(label));
  }
  ~LabelScope() { b_.set_label(saved_); }
  LabelScope(const LabelScope&) = delete;
  LabelScope& operator=(const LabelScope&) = delete;

 private:
  Builder& b_;
  std::string saved_;
};

// `count` tiles of one shape handed out in rotation: next() returns tile i % count.
class TilePool {
 public:
  TilePool(Builder& b, const std::string& name, int count, isa::Memory mem, int64_t partitions,
           std::vector<int64_t> free_shape, isa::DType dtype = isa::DType::kFp32);
  Ref next();
  const Ref& at(int i) const { return tiles_.at(i); }
  int size() const { return int(tiles_.size()); }

 private:
  std::vector<Ref> tiles_;
  int next_ = 0;
};

// Ceiling division, for tile counts with edge tiles.
inline int64_t ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }

}  // namespace trnsim::kernels
