#include <string>

#include "isa/error.h"
#include "kernels/builder.h"
#include "kernels/common.h"
#include "kernels/fused_norm.h"
#include "kernels/norms.h"

namespace trnsim::kernels {
namespace {

using isa::ActFunc;
using isa::AluOp;
using isa::DType;
using isa::Engine;
using isa::Memory;

struct NormMm {
  Builder& b;
  int64_t t, h, n;
  DType dt;
  Ref x, w_norm, w, y;
};

// Transposes rows [tn, H] into xt [128, ht*128] (H tile j at columns j*128, tn columns used).
void transpose_rows(Builder& b, TilePool& tps, const Ref& rows, const Ref& xt, int64_t h) {
  const int64_t tn = rows.rows();
  for_tiles(h, kPartitions, [&](int64_t h0, int64_t hn) {
    const int64_t j = h0 / kPartitions;
    Ref tp = tps.next().p(0, hn).f(0, tn);
    b.nc_transpose(tp, rows.f(h0, h0 + hn));
    b.tensor_copy(xt.p(0, hn).f(j * kPartitions, j * kPartitions + tn), tp,
                  j % 2 ? Engine::kVector : Engine::kScalar);
  });
}

// y[t0:t0+tn, :] = xt^T @ w, streaming w in 512-column chunks; rstd (optional) scales rows.
void project(NormMm& g, TilePool& ws, TilePool& ps, TilePool& outs, const Ref& xt, int64_t t0,
             int64_t tn, const Ref* rstd) {
  for_tiles(g.n, kPsumBankFp32, [&](int64_t n0, int64_t nn) {
    LabelScope l(g.b, "project tokens " + std::to_string(t0) + " n " + std::to_string(n0));
    Ref wt = ws.next();
    Ref acc = ps.next().p(0, tn).f(0, nn);
    for_tiles(g.h, kPartitions, [&](int64_t h0, int64_t hn) {
      const int64_t j = h0 / kPartitions;
      Ref wc = wt.p(0, hn).f(j * kPsumBankFp32, j * kPsumBankFp32 + nn);
      g.b.load(wc, g.w.p(h0, h0 + hn).f(n0, n0 + nn));
      g.b.nc_matmul(acc, xt.p(0, hn).f(j * kPartitions, j * kPartitions + tn), wc, h0 > 0);
    });
    Ref o = outs.next().p(0, tn).f(0, nn);
    if (rstd) {
      g.b.tensor_scalar(o, acc, AluOp::kMultiply, *rstd);
    } else {
      g.b.tensor_copy(o, acc, Engine::kScalar);
    }
    g.b.store(g.y.p(t0, t0 + tn).f(n0, n0 + nn), o);
  });
}

void build(NormMm& g, const std::string& variant) {
  const int64_t ht = ceil_div(g.h, kPartitions);
  Ref wb = broadcast_row(g.b, "w_norm_bcast", g.w_norm, g.dt);
  Ref eps = constant_column(g.b, "eps", kRmsNormEps);
  TilePool xs(g.b, "x", 2, Memory::kSbuf, kPartitions, {g.h}, g.dt);
  TilePool xts(g.b, "x_t", 2, Memory::kSbuf, kPartitions, {ht * kPartitions}, g.dt);
  TilePool tps(g.b, "xt_ps", 2, Memory::kPsum, kPartitions, {kPartitions});
  TilePool ws(g.b, "w", 2, Memory::kSbuf, kPartitions, {ht * kPsumBankFp32}, g.dt);
  TilePool ps(g.b, "ps", 2, Memory::kPsum, kPartitions, {kPsumBankFp32});
  TilePool outs(g.b, "y", 2, Memory::kSbuf, kPartitions, {kPsumBankFp32}, g.dt);
  Ref scratch = g.b.sbuf("sq", kPartitions, {g.h}, DType::kFp32);
  TilePool stats(g.b, "ss", 2, Memory::kSbuf, kPartitions, {1});
  TilePool rstds(g.b, "rstd", 2, Memory::kSbuf, kPartitions, {1});
  if (variant == "separate") {
    Ref xn = g.b.hbm("xn", {g.t, g.h}, g.dt, isa::TensorRole::kScratch);
    for_tiles(g.t, kPartitions, [&](int64_t t0, int64_t tn) {
      LabelScope l(g.b, "rmsnorm tokens " + std::to_string(t0));
      Ref xt = xs.next().p(0, tn);
      g.b.load(xt, g.x.p(t0, t0 + tn));
      emit_rmsnorm_tile(g.b, xt, wb, scratch, stats.next(), rstds.next(), eps, g.h, false);
      g.b.store(xn.p(t0, t0 + tn), xt);
    });
    for_tiles(g.t, kPartitions, [&](int64_t t0, int64_t tn) {
      Ref rows = xs.next().p(0, tn), xt = xts.next();
      {
        LabelScope l(g.b, "reload+transpose tokens " + std::to_string(t0));
        g.b.load(rows, xn.p(t0, t0 + tn));
        transpose_rows(g.b, tps, rows, xt, g.h);
      }
      project(g, ws, ps, outs, xt, t0, tn, nullptr);
    });
  } else if (variant == "fused") {
    for_tiles(g.t, kPartitions, [&](int64_t t0, int64_t tn) {
      Ref rows = xs.next().p(0, tn), xt = xts.next();
      {
        LabelScope l(g.b, "rmsnorm+transpose tokens " + std::to_string(t0));
        g.b.load(rows, g.x.p(t0, t0 + tn));
        emit_rmsnorm_tile(g.b, rows, wb, scratch, stats.next(), rstds.next(), eps, g.h, false);
        transpose_rows(g.b, tps, rows, xt, g.h);
      }
      project(g, ws, ps, outs, xt, t0, tn, nullptr);
    });
  } else if (variant == "fused_post_scale") {
    for_tiles(g.t, kPartitions, [&](int64_t t0, int64_t tn) {
      Ref rows = xs.next().p(0, tn), xt = xts.next();
      Ref ss = stats.next().p(0, tn), rstd = rstds.next().p(0, tn);
      {
        LabelScope l(g.b, "stats+scale tokens " + std::to_string(t0));
        g.b.load(rows, g.x.p(t0, t0 + tn));
        g.b.activation(scratch.p(0, tn), rows, ActFunc::kSquare, std::nullopt, 1.0, ss);
        g.b.activation(rstd, ss, ActFunc::kRsqrt, eps.p(0, tn), 1.0 / double(g.h));
        g.b.tensor_tensor(rows, rows, wb.p(0, tn), AluOp::kMultiply);
        transpose_rows(g.b, tps, rows, xt, g.h);
      }
      project(g, ws, ps, outs, xt, t0, tn, &rstd);
    });
  } else {
    throw Error("kernel rmsnorm_matmul: unknown variant '" + variant + "'");
  }
}

}  // namespace

KernelDef rmsnorm_matmul_kernel() {
  KernelDef d;
  d.name = "rmsnorm_matmul";
  d.summary = "y = rmsnorm(x) * w_norm @ w (norm fused into the next projection)";
  d.params = {{"tokens", 256, "tokens T", false},
              {"hidden", 2048, "hidden size H (normalised, contracted)", false},
              {"out", 1024, "output columns N", false}};
  d.variants = {{"separate", "rmsnorm pass to HBM scratch, then a matmul pass reading it back"},
                {"fused", "normalised rows stay in SBUF, transposed into the matmul"},
                {"fused_post_scale", "x*w_norm into the matmul, 1/rms applied on PSUM evacuation"}};
  d.dtypes = {DType::kBf16, DType::kFp32};
  d.test_points = {{{"tokens", 128}, {"hidden", 256}, {"out", 512}},
                   {{"tokens", 130}, {"hidden", 200}, {"out", 700}}};
  d.build = [](const KernelConfig& c, const std::string& variant) {
    require_range(c, "rmsnorm_matmul", "hidden", 1, 16384);
    const int64_t t = c.get("tokens"), h = c.get("hidden"), n = c.get("out");
    Builder b("rmsnorm_matmul_" + variant);
    NormMm g{b, t, h, n, c.dtype, b.input("x", {t, h}, c.dtype),
             b.input("w_norm", {1, h}, c.dtype), b.input("w", {h, n}, c.dtype),
             b.output("y", {t, n}, c.dtype)};
    build(g, variant);
    return b.take();
  };
  d.reference = [](const KernelConfig&, const Tensors& in) {
    Mat xn = rmsnorm_reference(in.at("x"), in.at("w_norm"), kRmsNormEps);
    return Tensors{{"y", xn * in.at("w")}};
  };
  d.flops = [](const KernelConfig& c) {
    return 2.0 * c.get("tokens") * c.get("hidden") * c.get("out") +
           4.0 * c.get("tokens") * c.get("hidden");
  };
  d.min_hbm_bytes = [](const KernelConfig& c) {
    const double t = c.get("tokens"), h = c.get("hidden"), n = c.get("out");
    return isa::dtype_bytes(c.dtype) * (t * h + h + h * n + t * n);
  };
  return d;
}

}  // namespace trnsim::kernels
