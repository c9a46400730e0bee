#include "kernels/attention.h"

#include <algorithm>
#include <cmath>

#include "isa/error.h"
#include "kernels/builder.h"
#include "kernels/common.h"

namespace trnsim::kernels {
namespace {

using isa::ActFunc;
using isa::AluOp;
using isa::DType;
using isa::Engine;
using isa::Memory;

constexpr int64_t kTileQ = 128;  // queries per tile (PSUM partitions of the scores)

struct Prefill {
  Builder& b;
  int64_t seq, hq, hkv, d, kv_tile;
  DType dt;
  Ref q_t, k_t, v, out;
  double scale() const { return 1.0 / std::sqrt(double(d)); }
  int64_t kv_head(int64_t h) const { return h / (hq / hkv); }
};

// Masks keys above the diagonal of a score tile s [tq, kn] whose first query is q0 and first
// key kv0: keep where q0 + p - (kv0 + i) >= 0.
void causal_mask(Builder& b, const Ref& s, int64_t q0, int64_t kv0) {
  if (kv0 + s.dim(1) - 1 <= q0) return;  // every key of the tile is at or before every query
  b.affine_select(s, s, {-1}, double(q0 - kv0), 1, AluOp::kGreaterEqual, kMaskedScore);
}

// Values of keys [kv0, kv0 + kn) of kv head `kvh` in a tile vt [128, c*D], c = ceil(kn / 128).
// When kn is a multiple of 128, the tile uses the key-interleaved layout
// vt[p, i*D + d] = v[kv0 + p*c + i, d]: each partition holds c consecutive rows, so the whole
// tile is one DMA of c*D elements per partition. Other tiles hold chunk j of 128 consecutive
// keys at columns j*D (one DMA each).
// Returns true for the interleaved layout.
bool load_v(Prefill& g, const Ref& vt, int64_t kvh, int64_t kv0, int64_t kn) {
  Ref src = g.v.p(kv0, kv0 + kn).f(kvh * g.d, kvh * g.d + g.d);
  const int64_t c = kn / kPartitions;
  if (kn % kPartitions == 0) {
    g.b.load(vt.f(0, c * g.d), src);
    return true;
  }
  for_tiles(kn, kPartitions, [&](int64_t c0, int64_t cn) {
    const int64_t j = c0 / kPartitions;
    g.b.load(vt.p(0, cn).f(j * g.d, j * g.d + g.d), src.p(c0, c0 + cn));
  });
  return false;
}

// P@V for one block of probabilities p [tq, kn] (dtype of the kernel) and values vt laid out
// as load_v describes: o_ps [tq, D] = sum over chunks of (p_chunk^T)^T @ v_chunk, where p_chunk
// holds the columns of the chunk's keys (every c-th column for the interleaved layout).
void emit_pv(Prefill& g, TilePool& pt_ps, TilePool& pt_sb, const Ref& p, const Ref& vt,
             bool interleaved, const Ref& o_ps, int* flip) {
  const int64_t tq = p.rows(), kn = p.dim(1), chunks = ceil_div(kn, kPartitions);
  for (int64_t j = 0; j < chunks; ++j) {
    const int64_t cn = interleaved ? kPartitions : std::min(kPartitions, kn - j * kPartitions);
    Ref pc = interleaved ? p.f(j, kn, chunks) : p.f(j * kPartitions, j * kPartitions + cn);
    Ref tp = pt_ps.next().p(0, cn).f(0, tq);
    g.b.nc_transpose(tp, pc);
    Ref ts = pt_sb.next().p(0, cn).f(0, tq);
    g.b.tensor_copy(ts, tp, (*flip)++ % 2 ? Engine::kVector : Engine::kScalar);
    g.b.nc_matmul(o_ps, ts, vt.p(0, cn).f(j * g.d, j * g.d + g.d), j > 0);
  }
}

void build_naive(Prefill& g) {
  const int64_t chunk = kPsumBankFp32;
  TilePool qs(g.b, "q", 2, Memory::kSbuf, kPartitions, {kTileQ}, g.dt);
  TilePool ks(g.b, "k", 2, Memory::kSbuf, kPartitions, {chunk}, g.dt);
  TilePool vs(g.b, "v", 2, Memory::kSbuf, kPartitions, {(chunk / kPartitions) * g.d}, g.dt);
  TilePool s_ps(g.b, "s_ps", 2, Memory::kPsum, kTileQ, {chunk});
  Ref s_row = g.b.sbuf("s_row", kTileQ, {g.seq}, DType::kFp32);
  Ref p_row = g.b.sbuf("p_row", kTileQ, {g.seq}, g.dt);
  TilePool pt_ps(g.b, "pt_ps", 2, Memory::kPsum, kPartitions, {kTileQ});
  TilePool pt_sb(g.b, "pt", 2, Memory::kSbuf, kPartitions, {kTileQ}, g.dt);
  TilePool o_ps(g.b, "o_ps", 2, Memory::kPsum, kTileQ, {g.d});
  TilePool stats(g.b, "stat", 6, Memory::kSbuf, kTileQ, {1});
  TilePool os(g.b, "o", 2, Memory::kSbuf, kTileQ, {g.d}, g.dt);
  int flip = 0;
  for (int64_t h = 0; h < g.hq; ++h) {
    const int64_t kvh = g.kv_head(h);
    for_tiles(g.seq, kTileQ, [&](int64_t q0, int64_t tq) {
      const std::string where = " h" + std::to_string(h) + " q" + std::to_string(q0);
      const int64_t kv_len = q0 + tq;  // causal: later keys are masked for every query
      Ref qt = qs.next().p(0, g.d).f(0, tq);
      Ref s = s_row.p(0, tq).f(0, kv_len), p = p_row.p(0, tq).f(0, kv_len);
      {
        LabelScope l(g.b, "scores" + where);
        g.b.load(qt, g.q_t.p(h * g.d, h * g.d + g.d).f(q0, q0 + tq));
        for_tiles(kv_len, chunk, [&](int64_t kv0, int64_t kn) {
          Ref kt = ks.next().p(0, g.d).f(0, kn);
          g.b.load(kt, g.k_t.p(kvh * g.d, kvh * g.d + g.d).f(kv0, kv0 + kn));
          Ref sp = s_ps.next().p(0, tq).f(0, kn);
          g.b.nc_matmul(sp, qt, kt, false);
          g.b.activation(s.f(kv0, kv0 + kn), sp, ActFunc::kIdentity, std::nullopt, g.scale());
        });
        causal_mask(g.b, s, q0, 0);
      }
      Ref negm = stats.next().p(0, tq), sum = stats.next().p(0, tq), rs = stats.next().p(0, tq);
      {
        LabelScope l(g.b, "softmax" + where);
        g.b.tensor_reduce(negm, s, AluOp::kMax, {}, true);
        g.b.activation(p, s, ActFunc::kExp, negm, 1.0, sum);
        g.b.reciprocal(rs, sum);
      }
      LabelScope l(g.b, "pv" + where);
      Ref acc = o_ps.next().p(0, tq);
      for_tiles(kv_len, chunk, [&](int64_t kv0, int64_t kn) {
        Ref vt = vs.next();
        for_tiles(kn, kPartitions, [&](int64_t c0, int64_t cn) {
          const int64_t j = c0 / kPartitions;
          g.b.load(vt.p(0, cn).f(j * g.d, j * g.d + g.d),
                   g.v.p(kv0 + c0, kv0 + c0 + cn).f(kvh * g.d, kvh * g.d + g.d));
        });
        // Accumulate across chunks: the first chunk starts the PSUM sum.
        Ref pc = p.f(kv0, kv0 + kn);
        for_tiles(kn, kPartitions, [&](int64_t c0, int64_t cn) {
          const int64_t j = c0 / kPartitions;
          Ref tp = pt_ps.next().p(0, cn).f(0, tq);
          g.b.nc_transpose(tp, pc.f(c0, c0 + cn));
          Ref ts = pt_sb.next().p(0, cn).f(0, tq);
          g.b.tensor_copy(ts, tp, flip++ % 2 ? Engine::kVector : Engine::kScalar);
          g.b.nc_matmul(acc, ts, vt.p(0, cn).f(j * g.d, j * g.d + g.d), kv0 + c0 > 0);
        });
      });
      Ref o = os.next().p(0, tq);
      g.b.tensor_scalar(o, acc, AluOp::kMultiply, rs);
      g.b.store(g.out.p(q0, q0 + tq).f(h * g.d, h * g.d + g.d), o);
    });
  }
}

// resident: K^T and V of a kv head are loaded once (K^T in one DMA, V in 128-key chunks) and
// serve every query tile of every query head of its group.
void build_flash(Prefill& g, bool resident) {
  const int64_t tk = g.kv_tile, chunks = ceil_div(tk, kPartitions);
  TilePool qs(g.b, "q", 2, Memory::kSbuf, kPartitions, {kTileQ}, g.dt);
  const int64_t kw = resident ? g.seq : tk;
  const int64_t vw = (resident ? ceil_div(g.seq, kPartitions) : chunks) * g.d;
  TilePool ks(g.b, "k", 2, Memory::kSbuf, kPartitions, {kw}, g.dt);
  TilePool vs(g.b, "v", 2, Memory::kSbuf, kPartitions, {vw}, g.dt);
  TilePool q_heads(g.b, "q_head", resident ? 2 : 1, Memory::kSbuf, kPartitions,
                   {resident ? g.seq : 1}, g.dt);
  TilePool s_ps(g.b, "s_ps", 2, Memory::kPsum, kTileQ, {tk});
  TilePool s_sb(g.b, "s", 2, Memory::kSbuf, kTileQ, {tk});
  TilePool p_sb(g.b, "p", 2, Memory::kSbuf, kTileQ, {tk}, g.dt);
  TilePool pt_ps(g.b, "pt_ps", 2, Memory::kPsum, kPartitions, {kTileQ});
  TilePool pt_sb(g.b, "pt", 2, Memory::kSbuf, kPartitions, {kTileQ}, g.dt);
  TilePool o_ps(g.b, "o_ps", 2, Memory::kPsum, kTileQ, {g.d});
  TilePool accs(g.b, "acc", 2, Memory::kSbuf, kTileQ, {g.d});
  TilePool negms(g.b, "negmax", 2, Memory::kSbuf, kTileQ, {1});
  TilePool stats(g.b, "stat", 6, Memory::kSbuf, kTileQ, {1});
  TilePool sums(g.b, "sum", 2, Memory::kSbuf, kTileQ, {1});
  TilePool os(g.b, "o", 2, Memory::kSbuf, kTileQ, {g.d}, g.dt);
  int flip = 0;
  Ref k_res, v_res;
  for (int64_t h = 0; h < g.hq; ++h) {
    const int64_t kvh = g.kv_head(h);
    if (resident && h % (g.hq / g.hkv) == 0) {
      LabelScope lab(g.b, "load k, v of kv head " + std::to_string(kvh));
      k_res = ks.next();
      v_res = vs.next();
      g.b.load(k_res.p(0, g.d), g.k_t.p(kvh * g.d, kvh * g.d + g.d));
      for_tiles(g.seq, kPartitions, [&](int64_t c0, int64_t cn) {
        const int64_t j = c0 / kPartitions;
        g.b.load(v_res.p(0, cn).f(j * g.d, j * g.d + g.d),
                 g.v.p(c0, c0 + cn).f(kvh * g.d, kvh * g.d + g.d));
      });
    }
    Ref q_res;
    if (resident) {
      LabelScope lab(g.b, "load q of head " + std::to_string(h));
      q_res = q_heads.next();
      g.b.load(q_res.p(0, g.d), g.q_t.p(h * g.d, h * g.d + g.d));
    }
    for_tiles(g.seq, kTileQ, [&](int64_t q0, int64_t tq) {
      Ref qt;
      if (resident) {
        qt = q_res.p(0, g.d).f(q0, q0 + tq);
      } else {
        qt = qs.next().p(0, g.d).f(0, tq);
        g.b.load(qt, g.q_t.p(h * g.d, h * g.d + g.d).f(q0, q0 + tq));
      }
      Ref negm = negms.next().p(0, tq), l = sums.next().p(0, tq), acc = accs.next().p(0, tq);
      // kv_tile is a multiple of 128 and q0 of 128, so every processed key tile starts at or
      // before q0: no query row of a tile is fully masked.
      for_tiles(q0 + tq, tk, [&](int64_t kv0, int64_t kn) {
        LabelScope lab(g.b, "flash h" + std::to_string(h) + " q" + std::to_string(q0) + " kv" +
                                std::to_string(kv0));
        const bool first = kv0 == 0;
        Ref kt, vt;
        bool interleaved = false;
        if (resident) {
          kt = k_res.p(0, g.d).f(kv0, kv0 + kn);
          const int64_t c0 = kv0 / kPartitions, c1 = c0 + ceil_div(kn, kPartitions);
          vt = v_res.f(c0 * g.d, c1 * g.d);
        } else {
          kt = ks.next().p(0, g.d).f(0, kn);
          vt = vs.next();
          g.b.load(kt, g.k_t.p(kvh * g.d, kvh * g.d + g.d).f(kv0, kv0 + kn));
          interleaved = load_v(g, vt, kvh, kv0, kn);
        }
        Ref sp = s_ps.next().p(0, tq).f(0, kn);
        g.b.nc_matmul(sp, qt, kt, false);
        Ref s = s_sb.next().p(0, tq).f(0, kn);
        g.b.activation(s, sp, ActFunc::kIdentity, std::nullopt, g.scale());
        causal_mask(g.b, s, q0, kv0);
        // Running state: negm = -(running max), l = running sum, acc = unnormalised output.
        Ref alpha = stats.next().p(0, tq), rowsum = stats.next().p(0, tq);
        Ref m_new = negm;
        if (first) {
          g.b.tensor_reduce(negm, s, AluOp::kMax, {}, true);
        } else {
          Ref tile_negm = stats.next().p(0, tq);
          m_new = negms.next().p(0, tq);
          g.b.tensor_reduce(tile_negm, s, AluOp::kMax, {}, true);
          g.b.tensor_tensor(m_new, negm, tile_negm, AluOp::kMin);
          // alpha = exp(old max - new max) = exp(-negm_old + negm_new)
          g.b.activation(alpha, negm, ActFunc::kExp, m_new, -1.0);
        }
        Ref p = p_sb.next().p(0, tq).f(0, kn);
        g.b.activation(p, s, ActFunc::kExp, m_new, 1.0, first ? l : rowsum);
        if (!first) g.b.scalar_tensor_tensor(l, l, AluOp::kMultiply, alpha, AluOp::kAdd, rowsum);
        Ref op = o_ps.next().p(0, tq);
        emit_pv(g, pt_ps, pt_sb, p, vt, interleaved, op, &flip);
        if (first) {
          g.b.tensor_copy(acc, op);
        } else {
          g.b.scalar_tensor_tensor(acc, acc, AluOp::kMultiply, alpha, AluOp::kAdd, op);
        }
        negm = m_new;
      });
      LabelScope lab(g.b, "flash h" + std::to_string(h) + " q" + std::to_string(q0) + " out");
      Ref rs = stats.next().p(0, tq);
      g.b.reciprocal(rs, l);
      Ref o = os.next().p(0, tq);
      g.b.tensor_scalar(o, acc, AluOp::kMultiply, rs);
      g.b.store(g.out.p(q0, q0 + tq).f(h * g.d, h * g.d + g.d), o);
    });
  }
}

}  // namespace

Mat attention_reference(const Mat& q, const Mat& k, const Mat& v) {
  const int64_t sq = q.rows(), sk = k.rows();
  Mat s = q * k.transpose() / std::sqrt(double(q.cols()));
  Mat p(sq, sk);
  for (int64_t i = 0; i < sq; ++i) {
    const int64_t last = i + (sk - sq);
    double mx = -INFINITY;
    for (int64_t j = 0; j <= last; ++j) mx = std::max(mx, s(i, j));
    double sum = 0;
    for (int64_t j = 0; j < sk; ++j) {
      p(i, j) = j <= last ? std::exp(s(i, j) - mx) : 0.0;
      sum += p(i, j);
    }
    p.row(i) /= sum;
  }
  return p * v;
}

KernelDef flash_attention_kernel() {
  KernelDef d;
  d.name = "flash_attention";
  d.summary = "causal GQA prefill attention o = softmax(q k^T / sqrt(D)) v, q_t/k_t [H*D, S]";
  d.params = {{"seq", 512, "sequence length S (queries = keys)", false},
              {"q_heads", 4, "query heads Hq", false},
              {"kv_heads", 2, "key/value heads Hkv (divides Hq)", false},
              {"head_dim", 128, "head dimension D (64 or 128)", false},
              {"kv_tile", 512, "keys per online-softmax step (128, 256, 384 or 512; flash)", true}};
  d.variants = {{"naive", "each query tile materialises its full score row, one softmax"},
                {"flash", "online softmax over kv_tile-key steps, running max/sum rescaling; "
                          "K/V tiles loaded per step (V key-interleaved, one DMA)"},
                {"flash_kv_resident", "flash with q^T of each head and K^T, V of each kv head "
                                      "loaded once, shared by all query tiles of the group"}};
  d.dtypes = {DType::kBf16, DType::kFp32};
  d.test_points = {{{"seq", 200}, {"q_heads", 2}, {"kv_heads", 1}, {"head_dim", 64},
                    {"kv_tile", 128}},
                   {{"seq", 300}, {"q_heads", 2}, {"kv_heads", 2}, {"head_dim", 128},
                    {"kv_tile", 256}},
                   {{"seq", 130}, {"q_heads", 4}, {"kv_heads", 2}, {"head_dim", 64},
                    {"kv_tile", 512}}};
  d.build = [](const KernelConfig& c, const std::string& variant) {
    require_range(c, "flash_attention", "head_dim", 1, 128);
    require_range(c, "flash_attention", "kv_tile", 128, 512);
    require_range(c, "flash_attention", "seq", 1, 16384);
    require_range(c, "flash_attention", "q_heads", 1, 256);
    require_range(c, "flash_attention", "kv_heads", 1, c.get("q_heads"));
    if (c.get("kv_tile") % kPartitions != 0)
      throw Error("kernel flash_attention: kv_tile=" + std::to_string(c.get("kv_tile")) +
                  " is not a multiple of 128");
    if (c.get("q_heads") % c.get("kv_heads") != 0)
      throw Error("kernel flash_attention: q_heads must be a multiple of kv_heads");
    const int64_t s = c.get("seq"), hq = c.get("q_heads"), hkv = c.get("kv_heads");
    const int64_t hd = c.get("head_dim");
    Builder b("flash_attention_" + variant);
    Prefill g{b, s, hq, hkv, hd, c.get("kv_tile"), c.dtype,
              b.input("q_t", {hq * hd, s}, c.dtype), b.input("k_t", {hkv * hd, s}, c.dtype),
              b.input("v", {s, hkv * hd}, c.dtype), b.output("o", {s, hq * hd}, c.dtype)};
    if (variant == "naive") {
      build_naive(g);
    } else if (variant == "flash" || variant == "flash_kv_resident") {
      build_flash(g, variant == "flash_kv_resident");
    } else {
      throw Error("kernel flash_attention: unknown variant '" + variant + "'");
    }
    return b.take();
  };
  d.reference = [](const KernelConfig& c, const Tensors& in) {
    const int64_t s = c.get("seq"), hq = c.get("q_heads"), hkv = c.get("kv_heads");
    const int64_t hd = c.get("head_dim");
    Mat o(s, hq * hd);
    for (int64_t h = 0; h < hq; ++h) {
      const int64_t g = h / (hq / hkv);
      Mat q = in.at("q_t").block(h * hd, 0, hd, s).transpose();
      Mat k = in.at("k_t").block(g * hd, 0, hd, s).transpose();
      Mat v = in.at("v").block(0, g * hd, s, hd);
      o.block(0, h * hd, s, hd) = attention_reference(q, k, v);
    }
    return Tensors{{"o", o}};
  };
  d.flops = [](const KernelConfig& c) {
    const double s = c.get("seq");
    return 4.0 * c.get("head_dim") * c.get("q_heads") * s * (s + 1) / 2;
  };
  d.min_hbm_bytes = [](const KernelConfig& c) {
    const double s = c.get("seq"), hd = c.get("head_dim");
    return isa::dtype_bytes(c.dtype) * s * hd * (2.0 * c.get("q_heads") + 2.0 * c.get("kv_heads"));
  };
  return d;
}

}  // namespace trnsim::kernels
