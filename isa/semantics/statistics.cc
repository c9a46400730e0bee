// Semantics of the batch-norm statistics pair bn_stats / bn_aggr (NKI nki.isa.bn_stats,
// nki.isa.bn_aggr). bn_stats writes, per partition, two (count, mean, count*variance) triples:
// one for the even and one for the odd free indices (C order over the src view). bn_aggr reads
// any number of such triples per partition and writes (mean, population variance) of all the
// elements they describe. Everything is computed in fp32 and rounded once, on write.
// APPROX: bn_stats uses a two-pass fp32 mean/variance; the device's exact fp32 algorithm is
// not documented, so results may differ from hardware in the last bits.
#include <string>

#include "isa/error.h"
#include "isa/semantics/semantics.h"
#include "isa/semantics/semantics_util.h"

namespace trnsim::isa::sem {
namespace {

using sem_util::sem_error;
using sem_util::view_of;

// (count, mean, m2) with m2 = sum of squared deviations from the mean = count *
// variance.
struct Moments {
  float count = 0, mean = 0, m2 = 0;
};

// Two-pass moments of src(p, first), src(p, first + 2), ... in fp32.
Moments strided_moments(const Matrix& src, int64_t p, int64_t first) {
  Moments m;
  float sum = 0;
  for (int64_t f = first; f < src.cols(); f += 2) {
    sum += src(p, f);
    m.count += 1;
  }
  if (m.count == 0) return m;
  m.mean = sum / m.count;
  for (int64_t f = first; f < src.cols(); f += 2) {
    const float d = src(p, f) - m.mean;
    m.m2 += d * d;
  }
  return m;
}

// Parallel combination of two groups' moments (Chan, Golub, LeVeque), in fp32.
Moments combine(const Moments& a, const Moments& b) {
  if (b.count <= 0) return a;
  if (a.count <= 0) return b;
  Moments r;
  r.count = a.count + b.count;
  const float delta = b.mean - a.mean;
  r.mean = a.mean + delta * (b.count / r.count);
  r.m2 = a.m2 + b.m2 + delta * delta * (a.count * b.count / r.count);
  return r;
}

}  // namespace

void bn_stats(const Instruction& ins, MachineState& st) {
  const View& src_view = view_of(ins, "src");
  const View& dst_view = view_of(ins, "dst");
  if (dst_view.free_elements() != 6 || dst_view.partitions() != src_view.partitions())
    throw sem_error(ins, "dst must be [" + std::to_string(src_view.partitions()) + ", 6]");
  const Matrix src = st.read(src_view);
  Matrix out(src.rows(), 6);
  for (int64_t p = 0; p < src.rows(); ++p) {
    for (int parity = 0; parity < 2; ++parity) {
      const Moments m = strided_moments(src, p, parity);
      out(p, 3 * parity + 0) = m.count;
      out(p, 3 * parity + 1) = m.mean;
      out(p, 3 * parity + 2) = m.m2;
    }
  }
  st.write(dst_view, out);
}

// Triples with count 0 (e.g. the odd half of a 1-element bn_stats) are ignored;
// a partition whose triples all have count 0 gets (0, 0).
void bn_aggr(const Instruction& ins, MachineState& st) {
  const View& src_view = view_of(ins, "src");
  const View& dst_view = view_of(ins, "dst");
  const int64_t n = src_view.free_elements();
  if (n % 3 != 0)
    throw sem_error(
        ins, "src has " + std::to_string(n) + " elements per partition, not a multiple of 3");
  if (dst_view.free_elements() != 2 || dst_view.partitions() != src_view.partitions())
    throw sem_error(ins, "dst must be [" + std::to_string(src_view.partitions()) + ", 2]");
  const Matrix src = st.read(src_view);
  Matrix out(src.rows(), 2);
  for (int64_t p = 0; p < src.rows(); ++p) {
    Moments acc;
    for (int64_t t = 0; t < n; t += 3)
      acc = combine(acc, {src(p, t), src(p, t + 1), src(p, t + 2)});
    out(p, 0) = acc.mean;
    out(p, 1) = acc.count > 0 ? acc.m2 / acc.count : 0.0f;
  }
  st.write(dst_view, out);
}

}  // namespace trnsim::isa::sem
