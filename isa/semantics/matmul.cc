// Semantics of the tensor engine: nc_matmul and nc_transpose.
// Operands are read at their stored precision (already rounded to their dtype); products and
// sums are fp32; the result is rounded to dst's dtype on write (fp32 for a PSUM accumulator).
#include "isa/semantics/matmul_kernel.h"
#include "isa/semantics/semantics_util.h"

namespace trnsim::isa::sem {
namespace {

using sem_util::bool_attr;
using sem_util::dims_text;
using sem_util::sem_error;
using sem_util::view_of;

}  // namespace

// dst[M,N] (+)= stationary[K,M]^T @ moving[K,N].
// APPROX: accumulation order. Each output element is summed in fp32 over the contraction index
// k = 0..K-1 in partition order, starting from 0: acc = acc + s[k,m] * v[k,n], the product
// rounded to fp32, then the sum (no fused multiply-add: the library builds with
// -ffp-contract=off, and the CPU-specific kernels only vectorise across outputs). With
// accumulate=true the finished sum is then added to the value PSUM holds (one more fp32
// rounding). This mirrors a systolic column summing down the partitions and the PSUM
// accumulate-on-write, but the hardware's internal adder tree and its rounding are not
// documented. Products of bf16/fp16/fp8 operands are exact.
void nc_matmul(const Instruction& ins, MachineState& st) {
  const View& dst = view_of(ins, "dst");
  const View& stationary = view_of(ins, "stationary");
  const View& moving = view_of(ins, "moving");
  const int64_t k_dim = stationary.partitions();
  const int64_t m_dim = stationary.free_elements();
  const int64_t n_dim = moving.free_elements();
  if (moving.partitions() != k_dim)
    throw sem_error(ins, "stationary has " + std::to_string(k_dim) + " partitions but moving has " +
                             std::to_string(moving.partitions()) + " (the contraction dim K)");
  if (dst.partitions() != m_dim || dst.free_elements() != n_dim)
    throw sem_error(ins, "dst is " + dims_text(dst) + ", expected " + std::to_string(m_dim) +
                             " x " + std::to_string(n_dim) + " (stationary free x moving free)");
  // Per-thread scratch: operands converted to fp32 once per instruction, allocated once.
  thread_local Matrix s, v, acc;
  st.read_into(stationary, s);  // [K, M]
  st.read_into(moving, v);      // [K, N]
  const bool accumulate = bool_attr(ins, "accumulate");
  // The kernel keeps the documented k order for every output element
  // (isa/semantics/matmul_kernel.h). An fp32 dst with contiguous rows (a PSUM tile) is summed
  // into in place; any other dst goes through a dense result and the rounding write.
  int64_t row_stride = 0;
  if (float* rows = st.fp32_rows(dst, &row_stride)) {
    matmul_kernel()(s.data(), v.data(), rows, m_dim, k_dim, n_dim, row_stride, accumulate);
    return;
  }
  if (accumulate) {
    st.read_into(dst, acc);
  } else {
    acc.resize(m_dim, n_dim);
  }
  matmul_kernel()(s.data(), v.data(), acc.data(), m_dim, k_dim, n_dim, n_dim, accumulate);
  st.write(dst, acc);
}

// dst[F,P] = src[P,F] (src's free dims flattened in C order). Values pass through the engine in
// fp32 (an identity matmul) and are rounded to dst's dtype on write.
void nc_transpose(const Instruction& ins, MachineState& st) {
  const View& dst = view_of(ins, "dst");
  const View& src = view_of(ins, "src");
  if (dst.partitions() != src.free_elements() || dst.free_elements() != src.partitions())
    throw sem_error(ins, "dst is " + dims_text(dst) + ", expected the transpose of src (" +
                             dims_text(src) + ")");
  const Matrix values = st.read(src);
  st.write(dst, values.transpose());
}

}  // namespace trnsim::isa::sem
