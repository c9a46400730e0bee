#include "kernels/common.h"

#include <algorithm>

#include "isa/error.h"

namespace trnsim::kernels {

void for_tiles(int64_t total, int64_t tile, const std::function<void(int64_t, int64_t)>& fn) {
  for (int64_t s = 0; s < total; s += tile) fn(s, std::min(tile, total - s));
}

Ref broadcast_row(Builder& b, const std::string& name, const Ref& row, isa::DType dtype) {
  LabelScope label(b, "broadcast " + name);
  const int64_t cols = row.dim(1);
  Ref ones = b.sbuf(name + "_ones", 1, {kPartitions}, dtype);
  TilePool chunks(b, name + "_row", 2, isa::Memory::kSbuf, 1, {kPsumBankFp32}, dtype);
  Ref dst = b.sbuf(name, kPartitions, {cols}, dtype);
  TilePool ps(b, name + "_ps", 2, isa::Memory::kPsum, kPartitions, {kPsumBankFp32},
              isa::DType::kFp32);
  b.memset(ones, 1.0);
  for_tiles(cols, kPsumBankFp32, [&](int64_t c0, int64_t n) {
    Ref src = chunks.next().f(0, n);
    b.load(src, row.f(c0, c0 + n));
    Ref p = ps.next().f(0, n);
    b.nc_matmul(p, ones, src, false);
    b.tensor_copy(dst.f(c0, c0 + n), p, isa::Engine::kScalar);
  });
  return dst;
}

Ref constant_column(Builder& b, const std::string& name, double value, int64_t partitions) {
  Ref t = b.sbuf(name, partitions, {1}, isa::DType::kFp32);
  b.memset(t, value);
  return t;
}

Mat round_mat(const Mat& m, isa::DType dtype) {
  Mat out(m.rows(), m.cols());
  for (Eigen::Index i = 0; i < m.size(); ++i)
    out.data()[i] = isa::round_to(dtype, float(m.data()[i]));
  return out;
}

void require_range(const KernelConfig& cfg, const std::string& kernel, const std::string& name,
                   int64_t lo, int64_t hi) {
  const int64_t v = cfg.get(name);
  if (v < lo || v > hi)
    throw Error("kernel " + kernel + ": parameter " + name + "=" + std::to_string(v) +
                " outside [" + std::to_string(lo) + ", " + std::to_string(hi) + "]");
}

}  // namespace trnsim::kernels
