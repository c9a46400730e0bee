// Functional-plane memory images: SBUF and PSUM (partitions x bytes per partition) and one byte
// image per HBM tensor. Views are read as fp32 matrices [partitions x elements per partition]
// (C order over the free dims) and written back rounding to the destination dtype.
// No notion of time.
#pragma once

#include <Eigen/Core>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <vector>

#include "isa/access_pattern.h"
#include "isa/core_limits.h"
#include "isa/program.h"

namespace trnsim::isa {

using Matrix = Eigen::Array<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

// Stores n fp32 values as dense elements of `t` at `out` (each rounded as a write of that dtype
// rounds it: the bits of store_element, with fast paths for fp32 and bf16).
void encode_values(DType t, const float* in, int64_t n, uint8_t* out);

class MachineState {
 public:
  // The program must have been validated (tiles placed).
  MachineState(const Program& prog, const CoreLimits& limits);

  const Program& program() const { return prog_; }
  const CoreLimits& limits() const { return limits_; }

  Matrix read(const View& v) const;
  // read() into `out`, resized to the view (no allocation when it already has that size).
  void read_into(const View& v, Matrix& out) const;
  // `m` must be [v.partitions() x v.free_elements()]; values are rounded to the view's dtype.
  void write(const View& v, const Matrix& m);
  // The view's storage as fp32 rows, when it is an fp32 view whose elements of each partition
  // are one contiguous run: the first element of partition 0, with *row_stride (in floats)
  // between partitions. nullptr otherwise (then use read/write). Checks bounds like read().
  float* fp32_rows(const View& v, int64_t* row_stride);
  // write() of a dense row-major [rows x cols] array (C order over the view's elements).
  void write_dense(const View& v, const float* values, int64_t rows, int64_t cols);
  // Per-partition operand: a [P,1] view read as a column, or an immediate broadcast to P rows.
  Eigen::ArrayXf read_scalar_operand(const Operand& op, int64_t partitions) const;
  // Raw storage bits of each element (low dtype_bytes of each value), C order, partition-major:
  // for bit-exact copies between views of one dtype (DMA), where fp32 would lose int32 bits.
  std::vector<uint32_t> read_bits(const View& v) const;
  void write_bits(const View& v, const std::vector<uint32_t>& bits);
  // Copies the stored bytes of src's elements into dst's, in C order (a same-dtype DMA): the
  // views must have one dtype and the same element count. Runs of both views are paired up and
  // moved directly (one memcpy where both are contiguous); views whose footprints may overlap
  // are staged through a buffer, so they copy as if src were read first.
  void copy_elements(const View& dst, const View& src);

  std::vector<uint8_t>& hbm(int tensor) { return (*hbm_)[tensor]; }
  const std::vector<uint8_t>& hbm(int tensor) const { return (*hbm_)[tensor]; }
  // From now on this state reads and writes owner's HBM images (the two cores of an LNC=2
  // pair share HBM). Throws trnsim::Error unless both programs declare the same tensors (names
  // and sizes, in order).
  void share_hbm_with(MachineState& owner);
  uint8_t* sbuf_partition(int64_t p) { return sbuf_.get() + p * limits_.sbuf_partition_bytes; }
  uint8_t* psum_partition(int64_t p) { return psum_.get() + p * limits_.psum_partition_bytes; }

 private:
  const uint8_t* element_ptr(const AccessPattern& ap, int64_t p, int64_t elem_offset) const;
  // Bytes between consecutive partitions of `ap` (its partition step included).
  int64_t partition_bytes(const AccessPattern& ap) const;
  struct FreeBytes {
    void operator()(uint8_t* p) const { std::free(p); }
  };
  // Zeroed with calloc: the untouched pages of a mostly unused SBUF are never written.
  using ZeroedBytes = std::unique_ptr<uint8_t[], FreeBytes>;
  static ZeroedBytes zeroed_bytes(int64_t bytes);

  const Program& prog_;
  CoreLimits limits_;
  ZeroedBytes sbuf_, psum_;
  using HbmImages = std::vector<std::vector<uint8_t>>;
  std::shared_ptr<HbmImages> hbm_;  // own, or shared with the other core of a pair
};

}  // namespace trnsim::isa
