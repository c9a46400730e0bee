// Functional-plane memory images and the view <-> matrix conversions. Every read/write lowers
// the view once (isa/access_pattern.h), checks the whole access against the image bounds once,
// then walks innermost runs: an outer odometer over the free dims, an inner loop over the
// innermost [stride, count] pair with one dtype switch per run (memcpy for dense fp32).
#include "isa/semantics/machine_state.h"

#include <algorithm>
#include <cstring>
#include <string>

#include "isa/error.h"
#include "isa/host_memory.h"

namespace trnsim::isa {
namespace {

// Calls fn(run start pointer, C-order index of the run's first element) for every innermost run
// of one partition. Runs have ap.free.back() as [stride, count] (a single element if no free dims).
template <typename Byte, typename Fn>
void for_each_run(const AccessPattern& ap, Byte* base, int esize, Fn&& fn) {
  const auto& f = ap.free;
  if (f.empty()) {
    fn(base, int64_t{0});
    return;
  }
  const int outer = int(f.size()) - 1;
  const int64_t inner_count = f.back().second;
  int64_t runs = 1;
  for (int d = 0; d < outer; ++d) runs *= f[d].second;
  int64_t idx[16] = {0};
  std::vector<int64_t> big_idx;
  int64_t* index = idx;
  if (outer > 16) {
    big_idx.assign(outer, 0);
    index = big_idx.data();
  }
  int64_t offset = 0;  // elements from base
  for (int64_t r = 0; r < runs; ++r) {
    fn(base + offset * esize, r * inner_count);
    for (int d = outer - 1; d >= 0; --d) {
      offset += f[d].first;
      if (++index[d] < f[d].second) break;
      offset -= f[d].first * f[d].second;
      index[d] = 0;
    }
  }
}

int64_t run_stride(const AccessPattern& ap) { return ap.free.empty() ? 1 : ap.free.back().first; }
int64_t run_count(const AccessPattern& ap) { return ap.free.empty() ? 1 : ap.free.back().second; }

// bf16 storage -> fp32: the bits shifted up (exact). Written branch-free over dense arrays so
// that the compiler vectorises the contiguous case.
void bf16_to_fp32(const uint8_t* p, int64_t stride, int64_t n, float* out) {
  if (stride == 1) {
    for (int64_t i = 0; i < n; ++i) {
      uint16_t h;
      std::memcpy(&h, p + i * 2, 2);
      const uint32_t bits = uint32_t(h) << 16;
      std::memcpy(out + i, &bits, 4);
    }
    return;
  }
  for (int64_t i = 0; i < n; ++i) {
    uint16_t h;
    std::memcpy(&h, p + i * stride * 2, 2);
    const uint32_t bits = uint32_t(h) << 16;
    std::memcpy(out + i, &bits, 4);
  }
}

void load_run(DType t, const uint8_t* p, int64_t stride, int64_t n, float* out) {
  const int esize = dtype_bytes(t);
  switch (t) {
    case DType::kFp32:
      if (stride == 1) {
        std::memcpy(out, p, size_t(n) * 4);
      } else {
        for (int64_t i = 0; i < n; ++i) std::memcpy(out + i, p + i * stride * 4, 4);
      }
      return;
    case DType::kBf16:
      bf16_to_fp32(p, stride, n, out);
      return;
    default:
      for (int64_t i = 0; i < n; ++i) out[i] = load_element(t, p + i * stride * esize);
  }
}

// bf16 round-to-nearest-even of fp32 bits, NaN quieted: the same bits as encode(kBf16, v)
// (isa/dtype.cc), inlined and branch-free (a select) for the hot write path;
// semantics_state_test sweeps the equality.
inline uint16_t bf16_bits(uint32_t in) {
  const uint32_t nan = (in >> 16) | 0x0040u;
  const uint32_t rounded = (in + 0x7FFFu + ((in >> 16) & 1u)) >> 16;
  return uint16_t((in & 0x7FFFFFFFu) > 0x7F800000u ? nan : rounded);
}

void fp32_to_bf16(const float* in, uint8_t* p, int64_t stride, int64_t n) {
  if (stride == 1) {
    for (int64_t i = 0; i < n; ++i) {
      uint32_t bits;
      std::memcpy(&bits, in + i, 4);
      const uint16_t h = bf16_bits(bits);
      std::memcpy(p + i * 2, &h, 2);
    }
    return;
  }
  for (int64_t i = 0; i < n; ++i) {
    uint32_t bits;
    std::memcpy(&bits, in + i, 4);
    const uint16_t h = bf16_bits(bits);
    std::memcpy(p + i * stride * 2, &h, 2);
  }
}

void store_run(DType t, const float* in, uint8_t* p, int64_t stride, int64_t n) {
  if (t == DType::kFp32) {
    if (stride == 1) {
      std::memcpy(p, in, size_t(n) * 4);
    } else {
      for (int64_t i = 0; i < n; ++i) std::memcpy(p + i * stride * 4, in + i, 4);
    }
    return;
  }
  if (t == DType::kBf16) {
    fp32_to_bf16(in, p, stride, n);
    return;
  }
  const int esize = dtype_bytes(t);
  for (int64_t i = 0; i < n; ++i) store_element(t, in[i], p + i * stride * esize);
}

}  // namespace

void encode_values(DType t, const float* in, int64_t n, uint8_t* out) {
  store_run(t, in, out, 1, n);
}

namespace {

// Refuses, before allocating, HBM images that cannot fit in host memory.
void check_host_images(const Program& prog) {
  int64_t total = 0;
  for (const HbmTensor& t : prog.tensors)
    if (__builtin_add_overflow(total, t.bytes(), &total))
      throw Error("functional plane: HBM tensors total more than 2^63 bytes");
  check_host_memory(total, "functional plane: the program's HBM tensors (values)",
                    "run with --timing-only, or use smaller tensors");
}

}  // namespace

MachineState::MachineState(const Program& prog, const CoreLimits& limits)
    : prog_(prog), limits_(limits) {
  check_host_images(prog);
  sbuf_ = zeroed_bytes(limits.partitions * limits.sbuf_partition_bytes);
  psum_ = zeroed_bytes(limits.partitions * limits.psum_partition_bytes);
  hbm_ = std::make_shared<HbmImages>();
  hbm_->reserve(prog.tensors.size());
  for (const HbmTensor& t : prog.tensors) hbm_->emplace_back(size_t(t.bytes()), 0);
}

void MachineState::share_hbm_with(MachineState& owner) {
  const std::vector<HbmTensor>& mine = prog_.tensors;
  const std::vector<HbmTensor>& theirs = owner.prog_.tensors;
  if (mine.size() != theirs.size())
    throw Error("shared HBM: the programs declare " + std::to_string(mine.size()) + " and " +
                std::to_string(theirs.size()) + " HBM tensors; both cores need the same table");
  for (size_t i = 0; i < mine.size(); ++i) {
    if (mine[i].name != theirs[i].name || mine[i].bytes() != theirs[i].bytes())
      throw Error("shared HBM: tensor " + std::to_string(i) + " is '" + mine[i].name + "' (" +
                  std::to_string(mine[i].bytes()) + " bytes) on one core and '" +
                  theirs[i].name + "' (" + std::to_string(theirs[i].bytes()) +
                  " bytes) on the other");
  }
  hbm_ = owner.hbm_;
}

MachineState::ZeroedBytes MachineState::zeroed_bytes(int64_t bytes) {
  void* p = std::calloc(size_t(std::max<int64_t>(bytes, 1)), 1);
  if (!p)
    throw Error("functional plane: cannot allocate " + std::to_string(bytes) +
                " bytes of on-chip memory images");
  return ZeroedBytes(static_cast<uint8_t*>(p));
}

const uint8_t* MachineState::element_ptr(const AccessPattern& ap, int64_t p,
                                         int64_t elem_offset) const {
  const int esize = dtype_bytes(ap.dtype);
  if (ap.memory == Memory::kHbm) {
    return (*hbm_)[ap.tensor].data() + (ap.offset_elems + p * ap.partition_stride_elems +
                                     elem_offset) * esize;
  }
  const bool sbuf = ap.memory == Memory::kSbuf;
  const uint8_t* image = sbuf ? sbuf_.get() : psum_.get();
  const int64_t partition_bytes = sbuf ? limits_.sbuf_partition_bytes
                                       : limits_.psum_partition_bytes;
  return image + (ap.partition_start + p * ap.partition_step) * partition_bytes +
         (ap.offset_elems + elem_offset) * esize;
}

namespace {

// Throws unless every element of `ap` lies inside its memory image.
void check_bounds(const Program& prog, const CoreLimits& limits,
                  const std::vector<std::vector<uint8_t>>& hbm, const View& v,
                  const AccessPattern& ap) {
  if (ap.partitions == 0 || ap.elems_per_partition() == 0) return;
  const bool hbm_view = ap.memory == Memory::kHbm;
  // HBM images exist for the tensors declared when the state was built.
  const int64_t count = hbm_view ? int64_t(std::min(prog.tensors.size(), hbm.size()))
                                 : int64_t(prog.tiles.size());
  if (ap.tensor < 0 || ap.tensor >= count)
    throw Error("functional plane: view of " + std::string(memory_name(ap.memory)) +
                " buffer index " + std::to_string(ap.tensor) + " out of range");
  const std::string where = "functional plane: view of '" + prog.name_of(v.buf) + "'";
  const int64_t esize = dtype_bytes(ap.dtype);
  // Address arithmetic in checked steps: a wrapped sum would pass the comparisons below.
  const auto overflow = [&] { return Error(where + ": address arithmetic overflows int64"); };
  const auto mul_add = [&](int64_t acc, int64_t a, int64_t b) {
    int64_t r = 0;
    if (__builtin_mul_overflow(a, b, &r) || __builtin_add_overflow(acc, r, &r)) throw overflow();
    return r;
  };
  int64_t last = ap.offset_elems;
  for (const auto& d : ap.free) last = mul_add(last, d.second - 1, d.first);
  if (hbm_view) last = mul_add(last, ap.partitions - 1, ap.partition_stride_elems);
  const int64_t first_byte = mul_add(0, ap.offset_elems, esize);
  const int64_t end_byte = mul_add(0, mul_add(1, last, 1), esize);
  if (hbm_view) {
    const int64_t size = int64_t(hbm[ap.tensor].size());
    if (ap.offset_elems < 0 || end_byte > size)
      throw Error(where + ": bytes [" + std::to_string(first_byte) + ", " +
                  std::to_string(end_byte) + ") outside the tensor's " + std::to_string(size) +
                  " bytes");
    return;
  }
  const Tile& tile = prog.tiles[ap.tensor];
  if (tile.address < 0) throw Error(where + ": tile has no address (program not validated)");
  const int64_t partition_bytes =
      ap.memory == Memory::kSbuf ? limits.sbuf_partition_bytes : limits.psum_partition_bytes;
  const int64_t p_last = mul_add(ap.partition_start, ap.partitions - 1, ap.partition_step);
  if (ap.partition_start < 0 || p_last >= limits.partitions)
    throw Error(where + ": partitions [" + std::to_string(ap.partition_start) + ", " +
                std::to_string(p_last + 1) + ") outside the " +
                std::to_string(limits.partitions) + " partitions");
  if (ap.offset_elems < 0 || end_byte > partition_bytes)
    throw Error(where + ": bytes [" + std::to_string(first_byte) + ", " +
                std::to_string(end_byte) + ") outside the " +
                std::to_string(partition_bytes) + " bytes of a " +
                std::string(memory_name(ap.memory)) + " partition");
}

}  // namespace

Matrix MachineState::read(const View& v) const {
  Matrix m;
  read_into(v, m);
  return m;
}

void MachineState::read_into(const View& v, Matrix& m) const {
  const AccessPattern ap = lower(prog_, v);
  check_bounds(prog_, limits_, *hbm_, v, ap);
  const int64_t cols = ap.elems_per_partition();
  m.resize(ap.partitions, cols);
  if (cols == 0) return;
  const int esize = dtype_bytes(ap.dtype);
  const int64_t stride = run_stride(ap), n = run_count(ap);
  for (int64_t p = 0; p < ap.partitions; ++p) {
    float* row = m.data() + p * cols;
    for_each_run(ap, element_ptr(ap, p, 0), esize, [&](const uint8_t* run, int64_t i) {
      load_run(ap.dtype, run, stride, n, row + i);
    });
  }
}

void MachineState::write(const View& v, const Matrix& m) {
  write_dense(v, m.data(), m.rows(), m.cols());
}

void MachineState::write_dense(const View& v, const float* values, int64_t rows, int64_t cols_in) {
  const AccessPattern ap = lower(prog_, v);
  check_bounds(prog_, limits_, *hbm_, v, ap);
  const int64_t cols = ap.elems_per_partition();
  if (rows != ap.partitions || cols_in != cols)
    throw Error("functional plane: writing a " + std::to_string(rows) + " x " +
                std::to_string(cols_in) + " result into view of '" + prog_.name_of(v.buf) +
                "' of " + std::to_string(ap.partitions) + " x " + std::to_string(cols));
  if (cols == 0) return;
  const int esize = dtype_bytes(ap.dtype);
  const int64_t stride = run_stride(ap), n = run_count(ap);
  for (int64_t p = 0; p < ap.partitions; ++p) {
    const float* row = values + p * cols;
    uint8_t* base = const_cast<uint8_t*>(element_ptr(ap, p, 0));
    for_each_run(ap, base, esize, [&](uint8_t* run, int64_t i) {
      store_run(ap.dtype, row + i, run, stride, n);
    });
  }
}

float* MachineState::fp32_rows(const View& v, int64_t* row_stride) {
  const AccessPattern ap = lower(prog_, v);
  if (ap.dtype != DType::kFp32 || ap.partitions == 0 || ap.elems_per_partition() == 0)
    return nullptr;
  // One run per partition: every free dim but the innermost has a single index.
  for (size_t d = 0; d + 1 < ap.free.size(); ++d)
    if (ap.free[d].second != 1) return nullptr;
  if (run_count(ap) > 1 && run_stride(ap) != 1) return nullptr;
  const int64_t bytes = ap.partitions > 1 ? partition_bytes(ap) : 4;
  if (bytes % 4 != 0 || (ap.partitions > 1 && bytes / 4 < ap.elems_per_partition()))
    return nullptr;  // rows not float-aligned, or overlapping
  check_bounds(prog_, limits_, *hbm_, v, ap);
  uint8_t* first = const_cast<uint8_t*>(element_ptr(ap, 0, 0));
  if (reinterpret_cast<uintptr_t>(first) % alignof(float) != 0) return nullptr;
  *row_stride = bytes / 4;
  return reinterpret_cast<float*>(first);
}

std::vector<uint32_t> MachineState::read_bits(const View& v) const {
  const AccessPattern ap = lower(prog_, v);
  check_bounds(prog_, limits_, *hbm_, v, ap);
  const int64_t cols = ap.elems_per_partition();
  std::vector<uint32_t> out(size_t(ap.partitions * cols), 0);
  if (cols == 0) return out;
  const int esize = dtype_bytes(ap.dtype);
  const int64_t stride = run_stride(ap), n = run_count(ap);
  for (int64_t p = 0; p < ap.partitions; ++p) {
    uint32_t* row = out.data() + p * cols;
    for_each_run(ap, element_ptr(ap, p, 0), esize, [&](const uint8_t* run, int64_t i) {
      for (int64_t k = 0; k < n; ++k) std::memcpy(row + i + k, run + k * stride * esize, esize);
    });
  }
  return out;
}

void MachineState::write_bits(const View& v, const std::vector<uint32_t>& bits) {
  const AccessPattern ap = lower(prog_, v);
  check_bounds(prog_, limits_, *hbm_, v, ap);
  const int64_t cols = ap.elems_per_partition();
  if (int64_t(bits.size()) != ap.partitions * cols)
    throw Error("functional plane: writing " + std::to_string(bits.size()) +
                " elements into view of '" + prog_.name_of(v.buf) + "' of " +
                std::to_string(ap.partitions * cols));
  if (cols == 0) return;
  const int esize = dtype_bytes(ap.dtype);
  const int64_t stride = run_stride(ap), n = run_count(ap);
  for (int64_t p = 0; p < ap.partitions; ++p) {
    const uint32_t* row = bits.data() + p * cols;
    uint8_t* base = const_cast<uint8_t*>(element_ptr(ap, p, 0));
    for_each_run(ap, base, esize, [&](uint8_t* run, int64_t i) {
      for (int64_t k = 0; k < n; ++k) std::memcpy(run + k * stride * esize, row + i + k, esize);
    });
  }
}

namespace {

// Walks the elements of an access pattern in C order (partition-major, then the free dims) as
// innermost runs: take(n) hands out up to n elements of the current run as (pointer, stride).
class RunWalker {
 public:
  // `first` points at partition 0's first element, `partition_bytes` between partitions.
  RunWalker(const AccessPattern& ap, uint8_t* first, int64_t partition_bytes)
      : free_(ap.free), esize_(dtype_bytes(ap.dtype)), partitions_(ap.partitions),
        partition_bytes_(partition_bytes), first_(first),
        stride_(free_.empty() ? 1 : free_.back().second > 1 ? free_.back().first : 1),
        run_count_(free_.empty() ? 1 : free_.back().second), index_(free_.size(), 0) {
    start_run();
  }
  bool done() const { return p_ >= partitions_; }
  int64_t stride() const { return stride_; }
  int64_t left() const { return left_; }
  uint8_t* at() const { return run_; }
  // Consumes n <= left() elements of the current run.
  void advance(int64_t n) {
    run_ += n * stride_ * esize_;
    left_ -= n;
    if (left_ == 0) next_run();
  }

 private:
  void start_run() {
    run_ = first_ + p_ * partition_bytes_ + offset_ * esize_;
    left_ = run_count_;
  }
  void next_run() {
    const int outer = int(free_.size()) - 1;
    for (int d = outer - 1; d >= 0; --d) {
      offset_ += free_[d].first;
      if (++index_[d] < free_[d].second) return start_run();
      offset_ -= free_[d].first * free_[d].second;
      index_[d] = 0;
    }
    ++p_;
    if (!done()) start_run();
  }

  const std::vector<std::pair<int64_t, int64_t>>& free_;
  const int64_t esize_, partitions_, partition_bytes_;
  uint8_t* const first_;
  const int64_t stride_, run_count_;
  std::vector<int64_t> index_;  // odometer over the outer free dims
  int64_t p_ = 0, offset_ = 0;  // partition; element offset of the run within the partition
  uint8_t* run_ = nullptr;
  int64_t left_ = 0;
};

// Moves n elements of kSize bytes between two strided runs (strides in elements).
template <int kSize>
void move_fixed(const uint8_t* from, int64_t from_stride, uint8_t* to, int64_t to_stride,
                int64_t n) {
  for (int64_t k = 0; k < n; ++k)
    std::memcpy(to + k * to_stride * kSize, from + k * from_stride * kSize, kSize);
}
void move_run(const uint8_t* from, int64_t from_stride, uint8_t* to, int64_t to_stride,
              int64_t n, int esize) {
  if (from_stride == 1 && to_stride == 1) {
    std::memcpy(to, from, size_t(n * esize));
  } else if (esize == 1) {
    move_fixed<1>(from, from_stride, to, to_stride, n);
  } else if (esize == 2) {
    move_fixed<2>(from, from_stride, to, to_stride, n);
  } else {
    move_fixed<4>(from, from_stride, to, to_stride, n);
  }
}

// Copies every element of `from` to the element of the same C-order index of `to` (the same
// dtype and element count), pairing up their runs.
void copy_runs(RunWalker& from, RunWalker& to, int esize) {
  while (!from.done() && !to.done()) {
    const int64_t n = std::min(from.left(), to.left());
    move_run(from.at(), from.stride(), to.at(), to.stride(), n, esize);
    from.advance(n);
    to.advance(n);
  }
}

}  // namespace

int64_t MachineState::partition_bytes(const AccessPattern& ap) const {
  if (ap.memory == Memory::kHbm) return ap.partition_stride_elems * dtype_bytes(ap.dtype);
  const int64_t bytes = ap.memory == Memory::kSbuf ? limits_.sbuf_partition_bytes
                                                   : limits_.psum_partition_bytes;
  return ap.partition_step * bytes;
}

void MachineState::copy_elements(const View& dst, const View& src) {
  const AccessPattern in = lower(prog_, src), out = lower(prog_, dst);
  check_bounds(prog_, limits_, *hbm_, src, in);
  check_bounds(prog_, limits_, *hbm_, dst, out);
  const int64_t in_cols = in.elems_per_partition(), out_cols = out.elems_per_partition();
  if (in.dtype != out.dtype || in.partitions * in_cols != out.partitions * out_cols)
    throw Error("functional plane: copying " + std::to_string(in.partitions * in_cols) + " " +
                std::string(dtype_name(in.dtype)) + " elements of '" + prog_.name_of(src.buf) +
                "' into " + std::to_string(out.partitions * out_cols) + " " +
                std::string(dtype_name(out.dtype)) + " elements of '" + prog_.name_of(dst.buf) + "'");
  if (in.partitions * in_cols == 0) return;
  const int esize = dtype_bytes(in.dtype);
  RunWalker to(out, const_cast<uint8_t*>(element_ptr(out, 0, 0)), partition_bytes(out));
  if (!footprint(prog_, src).overlaps(footprint(prog_, dst))) {
    RunWalker from(in, const_cast<uint8_t*>(element_ptr(in, 0, 0)), partition_bytes(in));
    copy_runs(from, to, esize);
    return;
  }
  // The views may overlap: src's dense C-order bytes first, then written out to dst.
  thread_local std::vector<uint8_t> staged;
  staged.resize(size_t(in.partitions * in_cols * esize));
  AccessPattern dense;
  dense.dtype = in.dtype;
  dense.partitions = 1;
  dense.free = {{1, in.partitions * in_cols}};
  RunWalker from(in, const_cast<uint8_t*>(element_ptr(in, 0, 0)), partition_bytes(in));
  RunWalker buffer_in(dense, staged.data(), 0);
  copy_runs(from, buffer_in, esize);
  RunWalker buffer(dense, staged.data(), 0);
  copy_runs(buffer, to, esize);
}

Eigen::ArrayXf MachineState::read_scalar_operand(const Operand& op, int64_t partitions) const {
  if (op.is_imm()) return Eigen::ArrayXf::Constant(partitions, float(op.imm));
  if (!op.is_view()) throw Error("functional plane: missing per-partition operand");
  const View& v = op.view;
  if (v.partitions() != partitions || v.free_elements() != 1)
    throw Error("functional plane: per-partition operand '" + prog_.name_of(v.buf) + "' is " +
                std::to_string(v.partitions()) + " x " + std::to_string(v.free_elements()) +
                ", expected " + std::to_string(partitions) + " x 1");
  const Matrix m = read(v);
  return Eigen::Map<const Eigen::ArrayXf>(m.data(), partitions);
}

}  // namespace trnsim::isa
