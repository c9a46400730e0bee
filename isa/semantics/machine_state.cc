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
      for (int64_t i = 0; i < n; ++i) {
        uint16_t h;
        std::memcpy(&h, p + i * stride * 2, 2);
        const uint32_t bits = uint32_t(h) << 16;
        std::memcpy(out + i, &bits, 4);
      }
      return;
    default:
      for (int64_t i = 0; i < n; ++i) out[i] = load_element(t, p + i * stride * esize);
  }
}

// bf16 round-to-nearest-even of fp32 bits, NaN quieted: the same bits as encode(kBf16, v)
// (isa/dtype.cc), inlined for the hot write path; semantics_state_test sweeps the equality.
inline uint16_t bf16_bits(uint32_t in) {
  if ((in & 0x7FFFFFFFu) > 0x7F800000u) return uint16_t((in >> 16) | 0x0040u);
  return uint16_t((in + 0x7FFFu + ((in >> 16) & 1u)) >> 16);
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
    for (int64_t i = 0; i < n; ++i) {
      uint32_t bits;
      std::memcpy(&bits, in + i, 4);
      const uint16_t h = bf16_bits(bits);
      std::memcpy(p + i * stride * 2, &h, 2);
    }
    return;
  }
  const int esize = dtype_bytes(t);
  for (int64_t i = 0; i < n; ++i) store_element(t, in[i], p + i * stride * esize);
}

}  // namespace

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
  sbuf_.assign(size_t(limits.partitions * limits.sbuf_partition_bytes), 0);
  psum_.assign(size_t(limits.partitions * limits.psum_partition_bytes), 0);
  hbm_.reserve(prog.tensors.size());
  for (const HbmTensor& t : prog.tensors) hbm_.emplace_back(size_t(t.bytes()), 0);
}

const uint8_t* MachineState::element_ptr(const AccessPattern& ap, int64_t p,
                                         int64_t elem_offset) const {
  const int esize = dtype_bytes(ap.dtype);
  if (ap.memory == Memory::kHbm) {
    return hbm_[ap.tensor].data() + (ap.offset_elems + p * ap.partition_stride_elems +
                                     elem_offset) * esize;
  }
  const bool sbuf = ap.memory == Memory::kSbuf;
  const uint8_t* image = sbuf ? sbuf_.data() : psum_.data();
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
  const AccessPattern ap = lower(prog_, v);
  check_bounds(prog_, limits_, hbm_, v, ap);
  const int64_t cols = ap.elems_per_partition();
  Matrix m(ap.partitions, cols);
  if (cols == 0) return m;
  const int esize = dtype_bytes(ap.dtype);
  const int64_t stride = run_stride(ap), n = run_count(ap);
  for (int64_t p = 0; p < ap.partitions; ++p) {
    float* row = m.data() + p * cols;
    for_each_run(ap, element_ptr(ap, p, 0), esize, [&](const uint8_t* run, int64_t i) {
      load_run(ap.dtype, run, stride, n, row + i);
    });
  }
  return m;
}

void MachineState::write(const View& v, const Matrix& m) {
  const AccessPattern ap = lower(prog_, v);
  check_bounds(prog_, limits_, hbm_, v, ap);
  const int64_t cols = ap.elems_per_partition();
  if (m.rows() != ap.partitions || m.cols() != cols)
    throw Error("functional plane: writing a " + std::to_string(m.rows()) + " x " +
                std::to_string(m.cols()) + " result into view of '" + prog_.name_of(v.buf) +
                "' of " + std::to_string(ap.partitions) + " x " + std::to_string(cols));
  if (cols == 0) return;
  const int esize = dtype_bytes(ap.dtype);
  const int64_t stride = run_stride(ap), n = run_count(ap);
  for (int64_t p = 0; p < ap.partitions; ++p) {
    const float* row = m.data() + p * cols;
    uint8_t* base = const_cast<uint8_t*>(element_ptr(ap, p, 0));
    for_each_run(ap, base, esize, [&](uint8_t* run, int64_t i) {
      store_run(ap.dtype, row + i, run, stride, n);
    });
  }
}

std::vector<uint32_t> MachineState::read_bits(const View& v) const {
  const AccessPattern ap = lower(prog_, v);
  check_bounds(prog_, limits_, hbm_, v, ap);
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
  check_bounds(prog_, limits_, hbm_, v, ap);
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

// Moves n elements of `esize` bytes between a strided run (stride in elements) and a dense
// buffer; memcpy for a contiguous run, fixed-size moves otherwise.
template <int kSize>
void gather_fixed(const uint8_t* run, int64_t stride, int64_t n, uint8_t* out) {
  for (int64_t k = 0; k < n; ++k) std::memcpy(out + k * kSize, run + k * stride * kSize, kSize);
}
template <int kSize>
void scatter_fixed(const uint8_t* in, int64_t stride, int64_t n, uint8_t* run) {
  for (int64_t k = 0; k < n; ++k) std::memcpy(run + k * stride * kSize, in + k * kSize, kSize);
}
void gather(const uint8_t* run, int esize, int64_t stride, int64_t n, uint8_t* out) {
  if (stride == 1) {
    std::memcpy(out, run, size_t(n * esize));
  } else if (esize == 1) {
    gather_fixed<1>(run, stride, n, out);
  } else if (esize == 2) {
    gather_fixed<2>(run, stride, n, out);
  } else {
    gather_fixed<4>(run, stride, n, out);
  }
}
void scatter(const uint8_t* in, int esize, int64_t stride, int64_t n, uint8_t* run) {
  if (stride == 1) {
    std::memcpy(run, in, size_t(n * esize));
  } else if (esize == 1) {
    scatter_fixed<1>(in, stride, n, run);
  } else if (esize == 2) {
    scatter_fixed<2>(in, stride, n, run);
  } else {
    scatter_fixed<4>(in, stride, n, run);
  }
}

}  // namespace

void MachineState::copy_elements(const View& dst, const View& src) {
  const AccessPattern in = lower(prog_, src), out = lower(prog_, dst);
  check_bounds(prog_, limits_, hbm_, src, in);
  check_bounds(prog_, limits_, hbm_, dst, out);
  const int64_t in_cols = in.elems_per_partition(), out_cols = out.elems_per_partition();
  if (in.dtype != out.dtype || in.partitions * in_cols != out.partitions * out_cols)
    throw Error("functional plane: copying " + std::to_string(in.partitions * in_cols) + " " +
                std::string(dtype_name(in.dtype)) + " elements of '" + prog_.name_of(src.buf) +
                "' into " + std::to_string(out.partitions * out_cols) + " " +
                std::string(dtype_name(out.dtype)) + " elements of '" + prog_.name_of(dst.buf) + "'");
  if (in_cols == 0 || out_cols == 0) return;
  const int esize = dtype_bytes(in.dtype);
  // The dense C-order byte list of src, then written out to dst (src and dst may overlap).
  std::vector<uint8_t> bytes(size_t(in.partitions * in_cols * esize));
  const int64_t in_stride = run_stride(in), in_n = run_count(in);
  for (int64_t p = 0; p < in.partitions; ++p) {
    uint8_t* row = bytes.data() + p * in_cols * esize;
    for_each_run(in, element_ptr(in, p, 0), esize, [&](const uint8_t* run, int64_t i) {
      gather(run, esize, in_stride, in_n, row + i * esize);
    });
  }
  const int64_t out_stride = run_stride(out), out_n = run_count(out);
  for (int64_t p = 0; p < out.partitions; ++p) {
    const uint8_t* row = bytes.data() + p * out_cols * esize;
    uint8_t* base = const_cast<uint8_t*>(element_ptr(out, p, 0));
    for_each_run(out, base, esize, [&](uint8_t* run, int64_t i) {
      scatter(row + i * esize, esize, out_stride, out_n, run);
    });
  }
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
