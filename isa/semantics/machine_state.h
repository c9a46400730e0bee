// Functional-plane memory images: SBUF and PSUM (partitions x bytes per partition) and one byte
// image per HBM tensor. Views are read as fp32 matrices [partitions x elements per partition]
// (C order over the free dims) and written back rounding to the destination dtype.
// No notion of time.
#pragma once

#include <Eigen/Core>
#include <cstdint>
#include <vector>

#include "isa/access_pattern.h"
#include "isa/core_limits.h"
#include "isa/program.h"

namespace trnsim::isa {

using Matrix = Eigen::Array<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

class MachineState {
 public:
  // The program must have been validated (tiles placed).
  MachineState(const Program& prog, const CoreLimits& limits);

  const Program& program() const { return prog_; }
  const CoreLimits& limits() const { return limits_; }

  Matrix read(const View& v) const;
  // `m` must be [v.partitions() x v.free_elements()]; values are rounded to the view's dtype.
  void write(const View& v, const Matrix& m);
  // Per-partition operand: a [P,1] view read as a column, or an immediate broadcast to P rows.
  Eigen::ArrayXf read_scalar_operand(const Operand& op, int64_t partitions) const;
  // Raw storage bits of each element (low dtype_bytes of each value), C order, partition-major:
  // for bit-exact copies between views of one dtype (DMA), where fp32 would lose int32 bits.
  std::vector<uint32_t> read_bits(const View& v) const;
  void write_bits(const View& v, const std::vector<uint32_t>& bits);
  // Copies the stored bytes of src's elements into dst's, in C order (a same-dtype DMA): the
  // views must have one dtype and the same element count. Contiguous runs move with one memcpy;
  // overlapping views copy as if src were read first.
  void copy_elements(const View& dst, const View& src);

  std::vector<uint8_t>& hbm(int tensor) { return hbm_[tensor]; }
  const std::vector<uint8_t>& hbm(int tensor) const { return hbm_[tensor]; }
  uint8_t* sbuf_partition(int64_t p) { return sbuf_.data() + p * limits_.sbuf_partition_bytes; }
  uint8_t* psum_partition(int64_t p) { return psum_.data() + p * limits_.psum_partition_bytes; }

 private:
  const uint8_t* element_ptr(const AccessPattern& ap, int64_t p, int64_t elem_offset) const;
  const Program& prog_;
  CoreLimits limits_;
  std::vector<uint8_t> sbuf_, psum_;
  std::vector<std::vector<uint8_t>> hbm_;
};

}  // namespace trnsim::isa
