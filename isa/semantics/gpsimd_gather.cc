// Semantics of the GpSimd gather and segment instructions (NKI ISA reference):
// - local_gather: each of the eight GpSimd cores owns 16 contiguous partitions;
// it flattens its
//   16-partition slice of `index` partition first (numpy order 'F', so the free
//   dims are column-major too), keeps the first num_valid_indices indices and
//   gathers, for every partition it owns, the num_elem_per_idx contiguous
//   elements starting at index*k of that partition's free elements (the
//   reference's numpy equivalent: np.take along the first free axis, one index
//   list per core). Storage bits are copied: no dtype cast.
// - sequence_bounds: the reference's numpy equivalent, one forward scan for the
// start indices
//   and one backward scan for the (exclusive) end indices; padding (id 0) gets
//   n and -1.
// Values the references leave undefined (an index past src, a negative or
// fractional segment id) are run-time errors naming the instruction, the
// element and the allowed range.
#include <cmath>
#include <string>
#include <vector>

#include "isa/semantics/semantics_util.h"

namespace trnsim::isa::sem {
namespace {

using sem_util::sem_error;
using sem_util::view_of;

constexpr int64_t kPartitionsPerCore = 16;

// The C-order position, among `dims` (the free dims' counts), of the element
// whose position in column-major (numpy order 'F') order is `f`.
int64_t c_order_of_f_order(int64_t f, const std::vector<int64_t> &dims) {
  std::vector<int64_t> coord(dims.size());
  for (size_t d = 0; d < dims.size(); ++d) {
    coord[d] = f % dims[d];
    f /= dims[d];
  }
  int64_t c = 0;
  for (size_t d = 0; d < dims.size(); ++d)
    c = c * dims[d] + coord[d];
  return c;
}

// The indices core `core` uses: index[16c:16c+16] flattened in order 'F', the
// first `valid`.
std::vector<int64_t> core_indices(const std::vector<uint32_t> &index_bits,
                                  const std::vector<int64_t> &free_dims,
                                  int64_t free_elements, int64_t core,
                                  int64_t valid) {
  std::vector<int64_t> out(static_cast<size_t>(valid));
  for (int64_t j = 0; j < valid; ++j) {
    const int64_t q = core * kPartitionsPerCore + j % kPartitionsPerCore;
    const int64_t f = c_order_of_f_order(j / kPartitionsPerCore, free_dims);
    out[size_t(j)] =
        index_bits[size_t(q * free_elements + f)] & 0xffffu; // validated uint16
  }
  return out;
}

} // namespace

void local_gather(const Instruction &ins, MachineState &st) {
  const View &dst = view_of(ins, "dst");
  const View &src = view_of(ins, "src");
  const View &index = view_of(ins, "index");
  const int64_t k = int64_t(ins.attr("num_elem_per_idx").num);
  const std::vector<int64_t> shape = index.shape();
  const std::vector<int64_t> index_free(shape.begin() + 1, shape.end());
  const int64_t index_free_elements = index.free_elements();
  const int64_t valid = ins.attr("num_valid_indices").present
                            ? int64_t(ins.attr("num_valid_indices").num)
                            : kPartitionsPerCore * index_free_elements;
  const std::vector<uint32_t> index_bits = st.read_bits(index);
  const std::vector<uint32_t> in = st.read_bits(src);
  const int64_t n_in = src.free_elements(),
                n_out = dst.free_elements(); // n_out = valid * k
  std::vector<uint32_t> out(size_t(dst.partitions() * n_out));
  for (int64_t core = 0; core < src.partitions() / kPartitionsPerCore; ++core) {
    const std::vector<int64_t> idx =
        core_indices(index_bits, index_free, index_free_elements, core, valid);
    for (int64_t j = 0; j < valid; ++j) {
      const int64_t first = idx[size_t(j)] * k;
      if (first + k > n_in)
        throw sem_error(
            ins, "index " + std::to_string(idx[size_t(j)]) + " (core " +
                     std::to_string(core) + ", valid index " +
                     std::to_string(j) + ") is out of range: src has " +
                     std::to_string(n_in) + " elements per partition, " +
                     std::to_string(n_in / k) +
                     " groups of num_elem_per_idx = " + std::to_string(k));
      for (int64_t q = core * kPartitionsPerCore;
           q < (core + 1) * kPartitionsPerCore; ++q)
        for (int64_t e = 0; e < k; ++e)
          out[size_t(q * n_out + j * k + e)] = in[size_t(q * n_in + first + e)];
    }
  }
  st.write_bits(dst, out); // validated: dst has src's dtype
}

namespace {

// The segment ids as exact values (int32 from its bits, fp32 as stored), each
// checked to be a non-negative integer.
std::vector<double> segment_ids(const Instruction &ins, const MachineState &st,
                                const View &v) {
  const bool is_int = st.program().dtype_of(v.buf) == DType::kInt32;
  const std::vector<uint32_t> bits = st.read_bits(v);
  const Matrix values = is_int ? Matrix() : st.read(v);
  std::vector<double> ids(bits.size());
  for (size_t i = 0; i < bits.size(); ++i) {
    ids[i] =
        is_int ? double(int32_t(bits[i])) : double(values(0, Eigen::Index(i)));
    if (!(ids[i] >= 0) || ids[i] != std::floor(ids[i]))
      throw sem_error(
          ins,
          "segment_ids[0, " + std::to_string(i) +
              "] = " + std::to_string(ids[i]) +
              " is not a non-negative integer (segment ids are >= 0, 0 marks "
              "padding)");
  }
  return ids;
}

} // namespace

void sequence_bounds(const Instruction &ins, MachineState &st) {
  const View &dst = view_of(ins, "dst");
  const std::vector<double> ids =
      segment_ids(ins, st, view_of(ins, "segment_ids"));
  const int64_t n = int64_t(ids.size());
  const float start_pad = float(n), end_pad = -1.0f;
  Matrix out(1, 2 * n);
  for (int64_t i = 0; i < n; ++i) {
    float start = float(i);
    if (ids[size_t(i)] == 0)
      start = start_pad;
    else if (i > 0 && ids[size_t(i)] == ids[size_t(i - 1)])
      start = out(0, i - 1);
    out(0, i) = start;
  }
  for (int64_t i = n - 1; i >= 0; --i) {
    float end = float(i + 1);
    if (ids[size_t(i)] == 0)
      end = end_pad;
    else if (i + 1 < n && ids[size_t(i)] == ids[size_t(i + 1)])
      end = out(0, n + i + 1);
    out(0, n + i) = end;
  }
  st.write(dst,
           out); // n <= SBUF elements per partition: exact in fp32 and int32
}

} // namespace trnsim::isa::sem
