// Semantics of the instructions with runtime (data-dependent) addressing: the offset or index
// values are read from the machine state when the instruction executes.
// - tensor_copy_dynamic_src / _dst (NKI ISA reference): one runtime offset k selects a window
//   of the bounding range along one free dim; the other side is static.
// - nc_n_gather (NKI ISA reference): per partition, data's free dims flattened in C order are
//   indexed by the indices tile of the same partition.
// Same-dtype copies move storage bits unchanged (the reference: Vector and GpSimd copy
// bit-accurately when the dtypes match); otherwise values go through fp32 and are rounded to
// the destination dtype, as tensor_copy does.
// Out-of-range runtime indices: the references do not say what the hardware does, so they are
// a run-time error naming the instruction, the index and the allowed range.
#include <string>
#include <vector>

#include "isa/dynamic_view.h"
#include "isa/semantics/semantics_util.h"

namespace trnsim::isa::sem {
namespace {

using sem_util::sem_error;
using sem_util::view_of;

// An integer index stored with bits `bits` in dtype `t` (validated: an integer dtype).
int64_t index_value(DType t, uint32_t bits) {
  switch (t) {
    case DType::kInt8:
      return int8_t(bits & 0xffu);
    case DType::kInt16:
      return int16_t(bits & 0xffffu);
    case DType::kInt32:
      return int32_t(bits);
    case DType::kUint8:
      return bits & 0xffu;
    case DType::kUint16:
      return bits & 0xffffu;
    default:
      return bits;  // uint32
  }
}

std::vector<int64_t> read_indices(const MachineState& st, const View& v) {
  const DType t = st.program().dtype_of(v.buf);
  const std::vector<uint32_t> bits = st.read_bits(v);
  std::vector<int64_t> out(bits.size());
  for (size_t i = 0; i < bits.size(); ++i) out[i] = index_value(t, bits[i]);
  return out;
}

DType dtype_of(const MachineState& st, const View& v) { return st.program().dtype_of(v.buf); }

// dst = src element by element in C order (same partitions and elements per partition).
void copy_values(MachineState& st, const View& dst, const View& src) {
  if (dtype_of(st, dst) == dtype_of(st, src)) {
    st.write_bits(dst, st.read_bits(src));
    return;
  }
  st.write(dst, st.read(src));
}

// The window of `bound` the instruction's runtime offset selects.
View runtime_window(const Instruction& ins, const MachineState& st, const View& bound,
                    const char* role) {
  const int dim = static_cast<int>(ins.attr("dim").num);
  const int64_t window = static_cast<int64_t>(ins.attr("window").num);
  const int64_t k = read_indices(st, view_of(ins, "offset"))[0];
  if (!window_fits(bound, dim, window, k)) {
    const int64_t count = bound.dims[size_t(dim)].count();
    throw sem_error(ins, "runtime offset " + std::to_string(k) + " of " + role + " dim " +
                             std::to_string(dim) + " is out of range: a window of " +
                             std::to_string(window) + " indices needs an offset in [0, " +
                             std::to_string(count - window) + "] (the dim has " +
                             std::to_string(count) + " indices)");
  }
  return window_view(bound, dim, window, k);
}

}  // namespace

void tensor_copy_dynamic_src(const Instruction& ins, MachineState& st) {
  const View& dst = view_of(ins, "dst");
  copy_values(st, dst, runtime_window(ins, st, view_of(ins, "src"), "src"));
}

void tensor_copy_dynamic_dst(const Instruction& ins, MachineState& st) {
  const View& src = view_of(ins, "src");
  copy_values(st, runtime_window(ins, st, view_of(ins, "dst"), "dst"), src);
}

// The DMA forms move the same elements; only the engine (a DMA queue) differs.
void dma_copy_dynamic_src(const Instruction& ins, MachineState& st) {
  tensor_copy_dynamic_src(ins, st);
}

void dma_copy_dynamic_dst(const Instruction& ins, MachineState& st) {
  tensor_copy_dynamic_dst(ins, st);
}

namespace {

// Row `k` of `bound` (its view dim 0), or nullopt-like false when k is out of range and the
// instruction skips such indices; out of range without oob_skip is an error.
bool row_of(const Instruction& ins, const View& bound, int64_t k, int64_t p, const char* role,
            View* row) {
  const Slice& rows = bound.dims[0];
  if (k < 0 || k >= rows.count()) {
    if (sem_util::bool_attr(ins, "oob_skip")) return false;
    throw sem_error(ins, "indices[" + std::to_string(p) + "] = " + std::to_string(k) +
                             " is out of range: " + role + " has " +
                             std::to_string(rows.count()) +
                             " rows (set oob_skip to leave such rows alone)");
  }
  *row = window_view(bound, 0, 1, k);
  return true;
}

View partition_of(const View& v, int64_t p) { return window_view(v, 0, 1, p); }

}  // namespace

void dma_copy_indirect_src(const Instruction& ins, MachineState& st) {
  const View& dst = view_of(ins, "dst");
  const View& src = view_of(ins, "src");
  const std::vector<int64_t> idx = read_indices(st, view_of(ins, "indices"));
  for (int64_t p = 0; p < dst.partitions(); ++p) {
    View row;
    if (row_of(ins, src, idx[size_t(p)], p, "src", &row))
      copy_values(st, partition_of(dst, p), row);
  }
}

void dma_copy_indirect_dst(const Instruction& ins, MachineState& st) {
  const View& dst = view_of(ins, "dst");
  const View& src = view_of(ins, "src");
  const std::vector<int64_t> idx = read_indices(st, view_of(ins, "indices"));
  const bool accumulate = sem_util::bool_attr(ins, "accumulate");
  for (int64_t p = 0; p < src.partitions(); ++p) {
    View row;
    if (!row_of(ins, dst, idx[size_t(p)], p, "dst", &row)) continue;
    const View from = partition_of(src, p);
    if (!accumulate) {
      copy_values(st, row, from);
      continue;
    }
    // APPROX: the add is done in fp32 and rounded to dst's dtype, one source row at a time.
    st.write(row, st.read(row) + st.read(from));
  }
}

void nc_n_gather(const Instruction& ins, MachineState& st) {
  const View& dst = view_of(ins, "dst");
  const View& data = view_of(ins, "data");
  const std::vector<int64_t> idx = read_indices(st, view_of(ins, "indices"));
  const std::vector<uint32_t> in = st.read_bits(data);
  const int64_t partitions = dst.partitions(), n_out = dst.free_elements();
  const int64_t n_in = data.free_elements();
  std::vector<uint32_t> out(size_t(partitions * n_out));
  for (int64_t p = 0; p < partitions; ++p) {
    for (int64_t j = 0; j < n_out; ++j) {
      const int64_t i = idx[size_t(p * n_out + j)];
      if (i < 0 || i >= n_in)
        throw sem_error(ins, "indices[" + std::to_string(p) + ", " + std::to_string(j) +
                                 "] = " + std::to_string(i) + " is out of range: data has " +
                                 std::to_string(n_in) + " elements per partition");
      out[size_t(p * n_out + j)] = in[size_t(p * n_in + i)];
    }
  }
  st.write_bits(dst, out);  // validated: dst has data's dtype
}

}  // namespace trnsim::isa::sem

namespace trnsim::isa::sem {

// The partitions a GpSimd core owns start every 16 SBUF partitions; the instruction works on
// the first partition of each (NKI reference, nonzero_with_count), counted in SBUF partitions.
void nonzero_with_count(const Instruction& ins, MachineState& st) {
  constexpr int64_t kPartitionsPerCore = 16;
  const View& dst = view_of(ins, "dst");
  const View& src = view_of(ins, "src");
  const Matrix in = st.read(src);
  Matrix out = st.read(dst);  // the partitions no core owns keep their values
  const double offset = ins.attr("index_offset").num;
  const float padding = static_cast<float>(ins.attr("padding_val").num);
  const Slice& rows = src.dims[0];
  const int64_t t = in.cols();
  for (int64_t q = 0; q < in.rows(); ++q) {
    if ((rows.start + q * rows.step) % kPartitionsPerCore != 0) continue;
    int64_t n = 0;
    for (int64_t f = 0; f < t; ++f)
      if (in(q, f) != 0.0f) out(q, n++) = static_cast<float>(double(f) + offset);
    for (int64_t f = n; f < t; ++f) out(q, f) = padding;
    out(q, t) = static_cast<float>(n);
  }
  st.write(dst, out);
}

}  // namespace trnsim::isa::sem
