// Semantics of the GpSimd index generators (NKI nki.isa.iota, nki.isa.affine_select): both
// evaluate, for every element of the dst view, the affine expression
//   offset + channel_multiplier * p + sum_j pattern[j] * i_j
// where p is the partition index within the view (0 = its first partition) and i_j the index
// along its j-th free dim; pattern has one step per free dim of dst (the counts are the view's).
// APPROX: the device computes in int32 (wrapping); we compute exactly in double and round the
// result to fp32 before the write, so values beyond 2^24 in magnitude lose their low bits.
#include <string>
#include <vector>

#include "isa/error.h"
#include "isa/semantics/semantics.h"
#include "isa/semantics/semantics_util.h"

namespace trnsim::isa::sem {
namespace {

using sem_util::sem_error;
using sem_util::view_of;

// The affine expression over `view` ([partitions x free elements], C order), as
// fp32.
Matrix affine_values(const Instruction& ins, const View& view) {
  const std::vector<int64_t>& pattern = ins.attr("pattern").ints;
  const std::vector<int64_t> shape = view.shape();
  const size_t free_dims = shape.empty() ? 0 : shape.size() - 1;
  if (pattern.size() != free_dims)
    throw sem_error(ins, "pattern has " + std::to_string(pattern.size()) + " steps but dst has " +
                             std::to_string(free_dims) + " free dims (one step per free dim)");
  const double offset = ins.attr("offset").num;
  const double channel_multiplier = ins.attr("channel_multiplier").num;
  const int64_t partitions = view.partitions();
  const int64_t elems = view.free_elements();

  // Free part of the expression, shared by every partition.
  std::vector<double> free_part(elems, 0.0);
  std::vector<int64_t> idx(free_dims, 0);
  for (int64_t f = 0; f < elems; ++f) {
    double v = 0;
    for (size_t j = 0; j < free_dims; ++j) v += double(pattern[j]) * double(idx[j]);
    free_part[f] = v;
    for (size_t j = free_dims; j-- > 0;) {
      if (++idx[j] < shape[j + 1]) break;
      idx[j] = 0;
    }
  }
  Matrix out(partitions, elems);
  for (int64_t p = 0; p < partitions; ++p) {
    const double row = offset + channel_multiplier * double(p);
    for (int64_t f = 0; f < elems; ++f) out(p, f) = static_cast<float>(row + free_part[f]);
  }
  return out;
}

}  // namespace

void iota(const Instruction& ins, MachineState& st) {
  const View& dst_view = view_of(ins, "dst");
  st.write(dst_view, affine_values(ins, dst_view));
}

// dst = src where cmp_op(affine value, 0) holds, else on_false_value.
void affine_select(const Instruction& ins, MachineState& st) {
  const View& dst_view = view_of(ins, "dst");
  const View& src_view = view_of(ins, "src");
  sem_util::check_same_dims(ins, "src", src_view, "dst", dst_view);
  const AluOp cmp = static_cast<AluOp>(static_cast<int>(ins.attr("cmp_op").num));
  const float on_false = static_cast<float>(ins.attr("on_false_value").num);
  const Matrix affine = affine_values(ins, dst_view);
  Matrix out = st.read(src_view);
  for (int64_t p = 0; p < out.rows(); ++p)
    for (int64_t f = 0; f < out.cols(); ++f)
      if (apply_alu(cmp, affine(p, f), 0.0f) == 0.0f) out(p, f) = on_false;
  st.write(dst_view, out);
}

}  // namespace trnsim::isa::sem
