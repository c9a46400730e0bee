// decode_attention: one query token per sequence against its KV cache (see attention.h).
// Tensors: q_t [D, B*Hq] (column b*Hq + h), k_t [D, B*Hkv*L] (columns (b*Hkv + g)*L + j),
// v [B*Hkv*L, D] (rows likewise), o [B*Hq, D]. The G = Hq/Hkv query heads sharing a kv head
// are the M (stationary free) dimension of the score matmul, so scores are [G, keys].
#include <algorithm>
#include <cmath>

#include "isa/error.h"
#include "kernels/attention.h"
#include "kernels/builder.h"
#include "kernels/common.h"

namespace trnsim::kernels {
namespace {

using isa::ActFunc;
using isa::AluOp;
using isa::DType;
using isa::Engine;
using isa::Memory;

struct Decode {
  Builder& b;
  int64_t batch, hq, hkv, d, ctx;
  DType dt;
  Ref q_t, k_t, v, out;
  int64_t group() const { return hq / hkv; }
  int64_t cache_col(int64_t bi, int64_t g) const { return (bi * hkv + g) * ctx; }
};

struct Pools {
  TilePool ks, vs, s_ps, s_sb, p_sb, pt_ps, pt_sb, o_ps, stats;
  int flip = 0;
};

Pools make_pools(Decode& g, int64_t span) {
  const int64_t gq = g.group();
  return Pools{TilePool(g.b, "k", 2, Memory::kSbuf, kPartitions, {kPsumBankFp32}, g.dt),
               TilePool(g.b, "v", 3, Memory::kSbuf, kPartitions, {g.d}, g.dt),
               TilePool(g.b, "s_ps", 2, Memory::kPsum, gq, {kPsumBankFp32}),
               TilePool(g.b, "s", 2, Memory::kSbuf, gq, {span}),
               TilePool(g.b, "p", 2, Memory::kSbuf, gq, {span}, g.dt),
               TilePool(g.b, "pt_ps", 2, Memory::kPsum, kPartitions, {gq}),
               TilePool(g.b, "pt", 2, Memory::kSbuf, kPartitions, {gq}, g.dt),
               TilePool(g.b, "o_ps", 2, Memory::kPsum, gq, {g.d}),
               TilePool(g.b, "stat", 6, Memory::kSbuf, gq, {1})};
}

// Scores and unnormalised softmax numerators of keys [j0, j0 + len) of (sequence bi, kv head
// gi): writes -max into negm, the row sum into sum, and P@V (unnormalised) into the returned
// PSUM tile [G, D].
Ref emit_span(Decode& g, Pools& pl, const Ref& qg, int64_t bi, int64_t gi, int64_t j0,
              int64_t len, const Ref& negm, const Ref& sum) {
  const int64_t gq = g.group(), col = g.cache_col(bi, gi);
  Ref s = pl.s_sb.next().f(0, len), p = pl.p_sb.next().f(0, len);
  for_tiles(len, kPsumBankFp32, [&](int64_t c0, int64_t cn) {
    Ref kt = pl.ks.next().p(0, g.d).f(0, cn);
    g.b.load(kt, g.k_t.f(col + j0 + c0, col + j0 + c0 + cn));
    Ref sp = pl.s_ps.next().f(0, cn);
    g.b.nc_matmul(sp, qg, kt, false);
    g.b.activation(s.f(c0, c0 + cn), sp, ActFunc::kIdentity, std::nullopt,
                   1.0 / std::sqrt(double(g.d)));
  });
  g.b.tensor_reduce(negm, s, AluOp::kMax, {}, true);
  g.b.activation(p, s, ActFunc::kExp, negm, 1.0, sum);
  Ref op = pl.o_ps.next();
  for_tiles(len, kPartitions, [&](int64_t c0, int64_t cn) {
    Ref vt = pl.vs.next().p(0, cn);
    g.b.load(vt, g.v.p(col + j0 + c0, col + j0 + c0 + cn));
    Ref tp = pl.pt_ps.next().p(0, cn).f(0, gq);
    g.b.nc_transpose(tp, p.f(c0, c0 + cn));
    Ref ts = pl.pt_sb.next().p(0, cn).f(0, gq);
    g.b.tensor_copy(ts, tp, pl.flip++ % 2 ? Engine::kVector : Engine::kScalar);
    g.b.nc_matmul(op, ts, vt, c0 > 0);
  });
  return op;
}

void build(Decode& g, int64_t splits) {
  const int64_t gq = g.group();
  const int64_t span = splits <= 1 ? g.ctx : ceil_div(ceil_div(g.ctx, splits), kPartitions) *
                                                 kPartitions;
  const int64_t parts = ceil_div(g.ctx, span);
  Pools pl = make_pools(g, span);
  TilePool qs(g.b, "q", 2, Memory::kSbuf, kPartitions, {gq}, g.dt);
  TilePool os(g.b, "o", 2, Memory::kSbuf, gq, {g.d}, g.dt);
  // Split state (flash_decode): -max, sum and partial output of each part side by side.
  TilePool negm_all(g.b, "negm_parts", 2, Memory::kSbuf, gq, {parts});
  TilePool sum_all(g.b, "sum_parts", 2, Memory::kSbuf, gq, {parts});
  TilePool o_all(g.b, "o_parts", 2, Memory::kSbuf, gq, {parts * g.d});
  TilePool comb(g.b, "combine", 2, Memory::kSbuf, gq, {parts});
  TilePool accs(g.b, "acc", 2, Memory::kSbuf, gq, {g.d});
  for (int64_t bi = 0; bi < g.batch; ++bi) {
    for (int64_t gi = 0; gi < g.hkv; ++gi) {
      const std::string where = " b" + std::to_string(bi) + " g" + std::to_string(gi);
      const int64_t row0 = bi * g.hq + gi * gq;
      Ref qg = qs.next().p(0, g.d);
      g.b.load(qg, g.q_t.f(row0, row0 + gq));
      Ref o = os.next();
      if (parts == 1) {
        LabelScope l(g.b, "decode" + where);
        Ref negm = pl.stats.next(), sum = pl.stats.next(), rs = pl.stats.next();
        Ref op = emit_span(g, pl, qg, bi, gi, 0, g.ctx, negm, sum);
        g.b.reciprocal(rs, sum);
        g.b.tensor_scalar(o, op, AluOp::kMultiply, rs);
      } else {
        Ref nm = negm_all.next(), sm = sum_all.next(), oa = o_all.next();
        for (int64_t s = 0; s < parts; ++s) {
          LabelScope l(g.b, "decode split " + std::to_string(s) + where);
          const int64_t j0 = s * span, len = std::min(span, g.ctx - j0);
          Ref op = emit_span(g, pl, qg, bi, gi, j0, len, nm.f(s, s + 1), sm.f(s, s + 1));
          g.b.tensor_copy(oa.f(s * g.d, (s + 1) * g.d), op,
                          s % 2 ? Engine::kVector : Engine::kScalar);
        }
        LabelScope l(g.b, "decode combine" + where);
        // -(global max) = min over parts of -(part max); w_s = exp(m_s - m).
        Ref gm = pl.stats.next(), lsum = pl.stats.next(), rs = pl.stats.next();
        Ref w = comb.next(), wl = comb.next();
        g.b.tensor_reduce(gm, nm, AluOp::kMin);
        g.b.activation(w, nm, ActFunc::kExp, gm, -1.0);
        g.b.tensor_tensor(wl, w, sm, AluOp::kMultiply);
        g.b.tensor_reduce(lsum, wl, AluOp::kAdd);
        g.b.reciprocal(rs, lsum);
        Ref acc = accs.next();
        g.b.tensor_scalar(acc, oa.f(0, g.d), AluOp::kMultiply, w.f(0, 1));
        for (int64_t s = 1; s < parts; ++s)
          g.b.scalar_tensor_tensor(acc, oa.f(s * g.d, (s + 1) * g.d), AluOp::kMultiply,
                                   w.f(s, s + 1), AluOp::kAdd, acc);
        g.b.tensor_scalar(o, acc, AluOp::kMultiply, rs);
      }
      g.b.store(g.out.p(row0, row0 + gq), o);
    }
  }
}

}  // namespace

KernelDef decode_attention_kernel() {
  KernelDef d;
  d.name = "decode_attention";
  d.summary = "one-token GQA attention over a KV cache: o = softmax(q k^T / sqrt(D)) v";
  d.params = {{"batch", 4, "sequences B (one new token each)", false},
              {"q_heads", 8, "query heads Hq", false},
              {"kv_heads", 2, "key/value heads Hkv (divides Hq)", false},
              {"head_dim", 128, "head dimension D", false},
              {"context", 2048, "cached tokens L per sequence (including the new one)", false},
              {"splits", 4, "KV-cache parts (flash_decode), rounded to 128-key spans", true}};
  d.variants = {{"single_pass", "all scores of a sequence and kv head, one softmax, one P@V"},
                {"flash_decode", "split-KV: per-part max/sum/partial output, then a combine"}};
  d.dtypes = {DType::kBf16, DType::kFp32};
  d.test_points = {{{"batch", 2}, {"q_heads", 4}, {"kv_heads", 2}, {"head_dim", 64},
                    {"context", 300}, {"splits", 3}},
                   {{"batch", 1}, {"q_heads", 8}, {"kv_heads", 1}, {"head_dim", 128},
                    {"context", 700}, {"splits", 2}}};
  d.build = [](const KernelConfig& c, const std::string& variant) {
    require_range(c, "decode_attention", "head_dim", 1, 128);
    require_range(c, "decode_attention", "q_heads", 1, 1024);
    require_range(c, "decode_attention", "kv_heads", 1, c.get("q_heads"));
    require_range(c, "decode_attention", "context", 1, 1 << 20);
    require_range(c, "decode_attention", "splits", 1, 256);
    const int64_t hq = c.get("q_heads"), hkv = c.get("kv_heads");
    if (hq % hkv != 0 || hq / hkv > kPartitions)
      throw Error("kernel decode_attention: q_heads must be a multiple of kv_heads with at most "
                  "128 query heads per kv head");
    const int64_t bsz = c.get("batch"), hd = c.get("head_dim"), ctx = c.get("context");
    Builder b("decode_attention_" + variant);
    Decode g{b, bsz, hq, hkv, hd, ctx, c.dtype,
             b.input("q_t", {hd, bsz * hq}, c.dtype),
             b.input("k_t", {hd, bsz * hkv * ctx}, c.dtype),
             b.input("v", {bsz * hkv * ctx, hd}, c.dtype), b.output("o", {bsz * hq, hd}, c.dtype)};
    if (variant == "single_pass") {
      build(g, 1);
    } else if (variant == "flash_decode") {
      build(g, std::max<int64_t>(2, c.get("splits")));
    } else {
      throw Error("kernel decode_attention: unknown variant '" + variant + "'");
    }
    return b.take();
  };
  d.reference = [](const KernelConfig& c, const Tensors& in) {
    const int64_t bsz = c.get("batch"), hq = c.get("q_heads"), hkv = c.get("kv_heads");
    const int64_t hd = c.get("head_dim"), ctx = c.get("context");
    Mat o(bsz * hq, hd);
    for (int64_t bi = 0; bi < bsz; ++bi)
      for (int64_t h = 0; h < hq; ++h) {
        const int64_t col = (bi * hkv + h / (hq / hkv)) * ctx;
        Mat q = in.at("q_t").block(0, bi * hq + h, hd, 1).transpose();
        Mat k = in.at("k_t").block(0, col, hd, ctx).transpose();
        Mat v = in.at("v").block(col, 0, ctx, hd);
        o.row(bi * hq + h) = attention_reference(q, k, v).row(0);
      }
    return Tensors{{"o", o}};
  };
  d.flops = [](const KernelConfig& c) {
    return 4.0 * c.get("head_dim") * c.get("context") * c.get("batch") * c.get("q_heads");
  };
  d.min_hbm_bytes = [](const KernelConfig& c) {
    const double bh = double(c.get("batch")) * c.get("head_dim");
    return isa::dtype_bytes(c.dtype) *
           (2.0 * bh * c.get("q_heads") + 2.0 * bh * c.get("kv_heads") * c.get("context"));
  };
  return d;
}

}  // namespace trnsim::kernels
