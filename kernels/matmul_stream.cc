#include "kernels/matmul_stream.h"

#include <algorithm>
#include <string>
#include <vector>

#include "kernels/common.h"

namespace trnsim::kernels {

using isa::DType;
using isa::Engine;
using isa::Memory;

void build_matmul_stream(Builder& b, const Ref& a_t, const Ref& w, const Ref& c, int64_t bn,
                         DType dtype) {
  const int64_t k = a_t.rows(), m = a_t.dim(1), n = w.dim(1);
  const int64_t kt = ceil_div(k, kPartitions);
  const int64_t wn = bn * kPsumBankFp32;
  TilePool chunks(b, "w_chunk", kStreamBuffers, Memory::kSbuf, kPartitions, {wn}, dtype);
  TilePool outs(b, "out", 2, Memory::kSbuf, kPartitions, {wn}, dtype);
  std::vector<TilePool> banks;
  for (int64_t j = 0; j < bn; ++j)
    banks.emplace_back(b, "acc" + std::to_string(j), 2, Memory::kPsum, kPartitions,
                       std::vector<int64_t>{kPsumBankFp32}, DType::kFp32);
  // a_t resident: K tile j of all M columns at columns [j*M, (j+1)*M).
  Ref a = b.sbuf("a_resident", kPartitions, {kt * m}, dtype);
  {
    LabelScope l(b, "load a_t");
    for_tiles(k, kPartitions, [&](int64_t k0, int64_t kk) {
      const int64_t j = k0 / kPartitions;
      b.load(a.p(0, kk).f(j * m, (j + 1) * m), a_t.p(k0, k0 + kk));
    });
  }
  int flip = 0;
  for_tiles(m, kPartitions, [&](int64_t m0, int64_t mm) {
    for_tiles(n, wn, [&](int64_t n0, int64_t nw) {
      LabelScope l(b, "stream m" + std::to_string(m0) + " n" + std::to_string(n0));
      std::vector<Ref> acc;
      for (int64_t s = 0; s * kPsumBankFp32 < nw; ++s)
        acc.push_back(
            banks[s].next().p(0, mm).f(0, std::min(kPsumBankFp32, nw - s * kPsumBankFp32)));
      for_tiles(k, kPartitions, [&](int64_t k0, int64_t kk) {
        const int64_t col = k0 / kPartitions * m + m0;
        Ref chunk = chunks.next().p(0, kk).f(0, nw);
        b.load(chunk, w.p(k0, k0 + kk).f(n0, n0 + nw));
        for (size_t s = 0; s < acc.size(); ++s) {
          const int64_t c0 = int64_t(s) * kPsumBankFp32;
          b.nc_matmul(acc[s], a.p(0, kk).f(col, col + mm), chunk.f(c0, c0 + acc[s].dim(1)),
                      k0 > 0);
        }
      });
      Ref ot = outs.next().p(0, mm).f(0, nw);
      for (size_t s = 0; s < acc.size(); ++s) {
        const int64_t c0 = int64_t(s) * kPsumBankFp32;
        b.tensor_copy(ot.f(c0, c0 + acc[s].dim(1)), acc[s],
                      flip++ % 2 ? Engine::kVector : Engine::kScalar);
      }
      b.store(c.p(m0, m0 + mm).f(n0, n0 + nw), ot);
    });
  });
}

}  // namespace trnsim::kernels
