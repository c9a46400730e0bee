#include "kernels/matmul.h"

#include <algorithm>

#include "isa/error.h"
#include "kernels/builder.h"
#include "kernels/common.h"
#include "kernels/matmul_stream.h"

namespace trnsim::kernels {
namespace {

using isa::AluOp;
using isa::DType;
using isa::Engine;
using isa::Memory;

constexpr int64_t kTileM = 128;  // stationary free size
constexpr int64_t kTileN = 512;  // moving free size (one PSUM bank of fp32)
constexpr int64_t kTileK = 128;  // contraction (partitions)

struct Mm {
  Builder& b;
  int64_t m, n, k;
  DType dt;
  Ref a_t, bm_, c;
};

// Copies a PSUM result to SBUF and stores it to c[m0.., n0..].
void evacuate(Mm& g, TilePool& outs, const Ref& ps, int64_t m0, int64_t n0, int flip) {
  const int64_t mm = ps.rows(), nn = ps.dim(1);
  Ref ot = outs.next().p(0, mm).f(0, nn);
  // Alternate the PSUM->SBUF copies between ScalarE and VectorE.
  g.b.tensor_copy(ot, ps, flip % 2 ? Engine::kVector : Engine::kScalar);
  g.b.store(g.c.p(m0, m0 + mm).f(n0, n0 + nn), ot);
}

void build_naive(Mm& g) {
  TilePool as(g.b, "a", 3, Memory::kSbuf, kTileK, {kTileM}, g.dt);
  TilePool bs(g.b, "b", 3, Memory::kSbuf, kTileK, {kTileN}, g.dt);
  TilePool ps(g.b, "ps", 2, Memory::kPsum, kTileM, {kTileN});
  TilePool outs(g.b, "out", 2, Memory::kSbuf, kTileM, {kTileN}, g.dt);
  int flip = 0;
  for_tiles(g.m, kTileM, [&](int64_t m0, int64_t mm) {
    for_tiles(g.n, kTileN, [&](int64_t n0, int64_t nn) {
      LabelScope l(g.b, "mm tile m" + std::to_string(m0) + " n" + std::to_string(n0));
      Ref acc = ps.next().p(0, mm).f(0, nn);
      for_tiles(g.k, kTileK, [&](int64_t k0, int64_t kk) {
        Ref at = as.next().p(0, kk).f(0, mm);
        Ref bt = bs.next().p(0, kk).f(0, nn);
        g.b.load(at, g.a_t.p(k0, k0 + kk).f(m0, m0 + mm));
        g.b.load(bt, g.bm_.p(k0, k0 + kk).f(n0, n0 + nn));
        g.b.nc_matmul(acc, at, bt, k0 > 0);
      });
      evacuate(g, outs, acc, m0, n0, flip++);
    });
  });
}

// Loads a_t[:, m0:m0+width] into `dst` [128, KT*stride]: K tile kt at columns kt*stride.
void load_a_stripe(Mm& g, const Ref& dst, int64_t m0, int64_t width, int64_t stride) {
  for_tiles(g.k, kTileK, [&](int64_t k0, int64_t kk) {
    const int64_t kt = k0 / kTileK;
    g.b.load(dst.p(0, kk).f(kt * stride, kt * stride + width),
             g.a_t.p(k0, k0 + kk).f(m0, m0 + width));
  });
}

void build_hoisted(Mm& g) {
  const int64_t kt = ceil_div(g.k, kTileK);
  TilePool as(g.b, "a_stripe", 2, Memory::kSbuf, kTileK, {kt * kTileM}, g.dt);
  TilePool bs(g.b, "b", 3, Memory::kSbuf, kTileK, {kTileN}, g.dt);
  TilePool ps(g.b, "ps", 2, Memory::kPsum, kTileM, {kTileN});
  TilePool outs(g.b, "out", 2, Memory::kSbuf, kTileM, {kTileN}, g.dt);
  int flip = 0;
  for_tiles(g.m, kTileM, [&](int64_t m0, int64_t mm) {
    Ref a = as.next();
    {
      LabelScope l(g.b, "load a_t stripe m" + std::to_string(m0));
      load_a_stripe(g, a, m0, mm, mm);
    }
    for_tiles(g.n, kTileN, [&](int64_t n0, int64_t nn) {
      LabelScope l(g.b, "mm tile m" + std::to_string(m0) + " n" + std::to_string(n0));
      Ref acc = ps.next().p(0, mm).f(0, nn);
      for_tiles(g.k, kTileK, [&](int64_t k0, int64_t kk) {
        const int64_t j = k0 / kTileK;
        Ref bt = bs.next().p(0, kk).f(0, nn);
        g.b.load(bt, g.bm_.p(k0, k0 + kk).f(n0, n0 + nn));
        g.b.nc_matmul(acc, a.p(0, kk).f(j * mm, j * mm + mm), bt, k0 > 0);
      });
      evacuate(g, outs, acc, m0, n0, flip++);
    });
  });
}

// blocked (k_block_tiles = all of K) and fully_blocked (K blocked, SBUF accumulation).
void build_blocked(Mm& g, int64_t bm, int64_t bn, int64_t bk, bool sbuf_accumulate) {
  const int64_t kt_all = ceil_div(g.k, kTileK);
  const int64_t kb = sbuf_accumulate ? std::min(bk, kt_all) : kt_all;  // K tiles per K block
  const int64_t wm = bm * kTileM, wn = bn * kTileN;
  TilePool as(g.b, "a_block", 2, Memory::kSbuf, kTileK, {kb * wm}, g.dt);
  TilePool bs(g.b, "b_block", 2, Memory::kSbuf, kTileK, {kb * wn}, g.dt);
  TilePool ps(g.b, "ps", 2, Memory::kPsum, kTileM, {kTileN});
  TilePool outs(g.b, "out", 2, Memory::kSbuf, kTileM, {kTileN}, g.dt);
  Ref acc_sb;
  if (sbuf_accumulate) acc_sb = g.b.sbuf("acc", kTileM, {bm * wn}, DType::kFp32);
  int flip = 0;
  for_tiles(g.m, wm, [&](int64_t mb0, int64_t mbw) {
    for_tiles(g.n, wn, [&](int64_t nb0, int64_t nbw) {
      const int64_t kblock_elems = kb * kTileK;
      for_tiles(g.k, kblock_elems, [&](int64_t kb0, int64_t kbw) {
        const bool first_k = kb0 == 0, last_k = kb0 + kbw == g.k;
        Ref a = as.next(), bb = bs.next();
        {
          LabelScope l(g.b, "load blocks m" + std::to_string(mb0) + " n" + std::to_string(nb0) +
                                " k" + std::to_string(kb0));
          // One DMA per K tile row of the block: [kk, block width] (large transfers).
          for_tiles(kbw, kTileK, [&](int64_t k0, int64_t kk) {
            const int64_t j = k0 / kTileK;
            g.b.load(a.p(0, kk).f(j * wm, j * wm + mbw),
                     g.a_t.p(kb0 + k0, kb0 + k0 + kk).f(mb0, mb0 + mbw));
            g.b.load(bb.p(0, kk).f(j * wn, j * wn + nbw),
                     g.bm_.p(kb0 + k0, kb0 + k0 + kk).f(nb0, nb0 + nbw));
          });
        }
        for_tiles(mbw, kTileM, [&](int64_t m0, int64_t mm) {
          for_tiles(nbw, kTileN, [&](int64_t n0, int64_t nn) {
            LabelScope l(g.b, "mm tile m" + std::to_string(mb0 + m0) + " n" +
                                  std::to_string(nb0 + n0));
            Ref acc = ps.next().p(0, mm).f(0, nn);
            for_tiles(kbw, kTileK, [&](int64_t k0, int64_t kk) {
              const int64_t j = k0 / kTileK;
              g.b.nc_matmul(acc, a.p(0, kk).f(j * wm + m0, j * wm + m0 + mm),
                            bb.p(0, kk).f(j * wn + n0, j * wn + n0 + nn), k0 > 0);
            });
            if (!sbuf_accumulate) {
              evacuate(g, outs, acc, mb0 + m0, nb0 + n0, flip++);
              return;
            }
            const int64_t col = (m0 / kTileM) * wn + n0;
            Ref sb = acc_sb.p(0, mm).f(col, col + nn);
            if (first_k) {
              g.b.tensor_copy(sb, acc, Engine::kScalar);
            } else {
              g.b.tensor_tensor(sb, sb, acc, AluOp::kAdd);
            }
            if (last_k) {
              Ref ot = outs.next().p(0, mm).f(0, nn);
              g.b.tensor_copy(ot, sb, Engine::kScalar);
              g.b.store(g.c.p(mb0 + m0, mb0 + m0 + mm).f(nb0 + n0, nb0 + n0 + nn), ot);
            }
          });
        });
      });
    });
  });
}

void build_thin(Mm& g, int64_t bn) {
  const int64_t kt = ceil_div(g.k, kTileK);
  const int64_t wn = bn * kTileN;
  TilePool bs(g.b, "b_chunk", 3, Memory::kSbuf, kTileK, {wn}, g.dt);
  TilePool outs(g.b, "out", 2, Memory::kSbuf, kTileM, {wn}, g.dt);
  std::vector<TilePool> ps;
  for (int64_t j = 0; j < bn; ++j)
    ps.emplace_back(g.b, "ps" + std::to_string(j), 2, Memory::kPsum, kTileM,
                    std::vector<int64_t>{kTileN}, DType::kFp32);
  // All of a_t resident: M tile i, K tile j at columns (i*KT + j)*128.
  const int64_t mt = ceil_div(g.m, kTileM);
  Ref a = g.b.sbuf("a_resident", kTileK, {mt * kt * kTileM}, g.dt);
  {
    LabelScope l(g.b, "load a_t");
    for_tiles(g.m, kTileM, [&](int64_t m0, int64_t mm) {
      const int64_t i = m0 / kTileM;
      load_a_stripe(g, a.f(i * kt * kTileM, (i + 1) * kt * kTileM), m0, mm, kTileM);
    });
  }
  int flip = 0;
  for_tiles(g.n, wn, [&](int64_t nb0, int64_t nbw) {
    for_tiles(g.m, kTileM, [&](int64_t m0, int64_t mm) {
      const int64_t i = m0 / kTileM;
      LabelScope l(g.b, "thin n" + std::to_string(nb0) + " m" + std::to_string(m0));
      std::vector<Ref> acc;
      for (int64_t j = 0; j * kTileN < nbw; ++j)
        acc.push_back(ps[j].next().p(0, mm).f(0, std::min(kTileN, nbw - j * kTileN)));
      for_tiles(g.k, kTileK, [&](int64_t k0, int64_t kk) {
        const int64_t j = k0 / kTileK;
        Ref bc = bs.next().p(0, kk).f(0, nbw);
        g.b.load(bc, g.bm_.p(k0, k0 + kk).f(nb0, nb0 + nbw));
        const int64_t col = (i * kt + j) * kTileM;
        for (size_t s = 0; s < acc.size(); ++s) {
          const int64_t c0 = int64_t(s) * kTileN;
          g.b.nc_matmul(acc[s], a.p(0, kk).f(col, col + mm), bc.f(c0, c0 + acc[s].dim(1)), k0 > 0);
        }
      });
      Ref ot = outs.next().p(0, mm).f(0, nbw);
      for (size_t s = 0; s < acc.size(); ++s) {
        const int64_t c0 = int64_t(s) * kTileN;
        g.b.tensor_copy(ot.f(c0, c0 + acc[s].dim(1)), acc[s],
                        flip++ % 2 ? Engine::kVector : Engine::kScalar);
      }
      g.b.store(g.c.p(m0, m0 + mm).f(nb0, nb0 + nbw), ot);
    });
  });
}

}  // namespace

KernelDef matmul_kernel() {
  KernelDef d;
  d.name = "matmul";
  d.summary = "c[M,N] = a_t[K,M]^T @ b[K,N], fp32 accumulation";
  d.params = {{"M", 512, "rows of c (tokens)", false},
              {"N", 1024, "cols of c", false},
              {"K", 512, "contraction size", false},
              {"bm", 2, "M tiles (of 128) per block", true},
              {"bn", 2, "N tiles (of 512) per block", true},
              {"bk", 4, "K tiles (of 128) per block (fully_blocked)", true}};
  d.variants = {{"naive", "loads of both operands inside the contraction loop"},
                {"hoisted", "a_t stripe loaded once per M tile, reused across N tiles"},
                {"blocked", "free dims blocked: bm x bn output tiles share their loads"},
                {"fully_blocked", "M/N/K blocked, large DMAs, SBUF accumulation over K blocks"},
                {"thin", "decode GEMM/GEMV: a_t resident, b streamed in bn*512-wide chunks"},
                {"stream", "decode GEMV/GEMM: b streamed at DMA peak, 8 chunks in flight"}};
  d.dtypes = {DType::kBf16, DType::kFp32};
  d.test_points = {{{"M", 128}, {"N", 512}, {"K", 128}},
                   {{"M", 200}, {"N", 700}, {"K", 300}, {"bm", 2}, {"bn", 2}, {"bk", 2}},
                   {{"M", 7}, {"N", 1000}, {"K", 260}, {"bm", 1}, {"bn", 1}, {"bk", 1}}};
  d.build = [](const KernelConfig& c, const std::string& variant) {
    require_range(c, "matmul", "bm", 1, 16);
    require_range(c, "matmul", "bn", 1, 4);
    require_range(c, "matmul", "bk", 1, 64);
    const int64_t m = c.get("M"), n = c.get("N"), k = c.get("K");
    Builder b("matmul_" + variant);
    Mm g{b, m, n, k, c.dtype, b.input("a_t", {k, m}, c.dtype), b.input("b", {k, n}, c.dtype),
         b.output("c", {m, n}, c.dtype)};
    if (variant == "naive") {
      build_naive(g);
    } else if (variant == "hoisted") {
      build_hoisted(g);
    } else if (variant == "blocked") {
      build_blocked(g, c.get("bm"), c.get("bn"), 0, false);
    } else if (variant == "fully_blocked") {
      build_blocked(g, c.get("bm"), c.get("bn"), c.get("bk"), true);
    } else if (variant == "thin") {
      build_thin(g, c.get("bn"));
    } else if (variant == "stream") {
      build_matmul_stream(b, g.a_t, g.bm_, g.c, c.get("bn"), c.dtype);
    } else {
      throw Error("kernel matmul: unknown variant '" + variant + "'");
    }
    return b.take();
  };
  d.reference = [](const KernelConfig&, const Tensors& in) {
    return Tensors{{"c", in.at("a_t").transpose() * in.at("b")}};
  };
  d.flops = [](const KernelConfig& c) {
    return 2.0 * c.get("M") * c.get("N") * c.get("K");
  };
  d.min_hbm_bytes = [](const KernelConfig& c) {
    const double m = c.get("M"), n = c.get("N"), k = c.get("K");
    return isa::dtype_bytes(c.dtype) * (m * k + k * n + m * n);
  };
  return d;
}

}  // namespace trnsim::kernels
