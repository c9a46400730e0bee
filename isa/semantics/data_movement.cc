// Semantics of the DMA instructions: element copies in C order, and 2-D transposes.
// Between views of one dtype the storage bits are moved unchanged (a DMA is a byte mover, so
// int32 values beyond 2^24 and NaN payloads survive); otherwise each element is converted
// through fp32 and rounded to the destination dtype.
// APPROX: DMA-engine dtype casts are modelled as fp32 round-to-nearest-even conversions.
#include "isa/semantics/semantics_util.h"

namespace trnsim::isa::sem {
namespace {

using sem_util::dims_text;
using sem_util::sem_error;
using sem_util::view_of;

bool same_dtype(const MachineState& st, const View& a, const View& b) {
  return st.program().dtype_of(a.buf) == st.program().dtype_of(b.buf);
}

}  // namespace

void dma_copy(const Instruction& ins, MachineState& st) {
  const View& dst = view_of(ins, "dst");
  const View& src = view_of(ins, "src");
  const int64_t n_dst = dst.partitions() * dst.free_elements();
  const int64_t n_src = src.partitions() * src.free_elements();
  if (n_dst != n_src)
    throw sem_error(ins, "dst has " + std::to_string(n_dst) + " elements (" + dims_text(dst) +
                             ") but src has " + std::to_string(n_src) + " (" + dims_text(src) +
                             ")");
  if (same_dtype(st, dst, src)) {
    st.copy_elements(dst, src);
    return;
  }
  thread_local Matrix values;  // per-thread scratch, reused across instructions
  st.read_into(src, values);  // row-major: its storage is the C-order element list
  st.write_dense(dst, values.data(), dst.partitions(), dst.free_elements());
}

// dst[j, i] = src[i, j], with src's free dims flattened in C order.
void dma_transpose(const Instruction& ins, MachineState& st) {
  const View& dst = view_of(ins, "dst");
  const View& src = view_of(ins, "src");
  const int64_t rows = src.partitions(), cols = src.free_elements();
  if (dst.partitions() != cols || dst.free_elements() != rows)
    throw sem_error(ins, "dst is " + dims_text(dst) + ", expected the transpose of src (" +
                             dims_text(src) + ")");
  if (same_dtype(st, dst, src)) {
    const std::vector<uint32_t> in = st.read_bits(src);
    std::vector<uint32_t> out(in.size());
    for (int64_t i = 0; i < rows; ++i)
      for (int64_t j = 0; j < cols; ++j) out[size_t(j * rows + i)] = in[size_t(i * cols + j)];
    st.write_bits(dst, out);
    return;
  }
  const Matrix values = st.read(src);
  st.write(dst, values.transpose());
}

}  // namespace trnsim::isa::sem
