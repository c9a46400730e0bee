// qk_norm (Qwen3): y[t, h*D:(h+1)*D] = rmsnorm(x[t, h*D:(h+1)*D]) * w for every head h, with
// one learned weight w [1, D] shared by the heads; tokens on partitions, x [T, H*D].
#include <string>

#include "isa/error.h"
#include "kernels/attention.h"
#include "kernels/builder.h"
#include "kernels/common.h"
#include "kernels/norms.h"

namespace trnsim::kernels {
namespace {

using isa::ActFunc;
using isa::AluOp;
using isa::DType;
using isa::Memory;

}  // namespace

KernelDef qk_norm_kernel() {
  KernelDef d;
  d.name = "qk_norm";
  d.summary = "per-head RMSNorm with a learned [1, D] weight (Qwen3 q/k norm), x [T, H*D]";
  d.params = {{"tokens", 256, "tokens T", false},
              {"heads", 32, "heads H", false},
              {"head_dim", 128, "head dimension D (normalised)", false},
              {"bufs", 2, "token tiles in flight", true}};
  d.variants = {{"per_head", "square+sum, rsqrt and scale per head (3 instructions per head)"},
                {"batched_stats", "x^2, the per-head sums [T, H] and rsqrt for all heads at once, "
                                  "then one scale per head"}};
  d.dtypes = {DType::kBf16, DType::kFp32};
  d.test_points = {{{"tokens", 200}, {"heads", 4}, {"head_dim", 128}},
                   {{"tokens", 130}, {"heads", 3}, {"head_dim", 64}, {"bufs", 1}}};
  d.build = [](const KernelConfig& c, const std::string& variant) {
    require_range(c, "qk_norm", "bufs", 1, 8);
    require_range(c, "qk_norm", "heads", 1, 1024);
    require_range(c, "qk_norm", "head_dim", 1, 512);
    const int64_t t = c.get("tokens"), nh = c.get("heads"), hd = c.get("head_dim");
    const bool batched = variant == "batched_stats";
    if (!batched && variant != "per_head")
      throw Error("kernel qk_norm: unknown variant '" + variant + "'");
    Builder b("qk_norm_" + variant);
    Ref x = b.input("x", {t, nh * hd}, c.dtype);
    Ref w = b.input("w", {1, hd}, c.dtype);
    Ref y = b.output("y", {t, nh * hd}, c.dtype);
    Ref wb = broadcast_row(b, "w_bcast", w, c.dtype);
    Ref eps = constant_column(b, "eps", kRmsNormEps);
    TilePool xs(b, "x", int(c.get("bufs")), Memory::kSbuf, kPartitions, {nh, hd}, c.dtype);
    Ref sq = b.sbuf("sq", kPartitions, batched ? std::vector<int64_t>{nh, hd}
                                               : std::vector<int64_t>{hd}, DType::kFp32);
    TilePool ss(b, "ss", 2, Memory::kSbuf, kPartitions, {batched ? nh : 1});
    TilePool rstd(b, "rstd", 2, Memory::kSbuf, kPartitions, {batched ? nh : 1});
    for_tiles(t, kPartitions, [&](int64_t r0, int64_t n) {
      LabelScope l(b, "qk_norm tokens " + std::to_string(r0));
      Ref xt = xs.next().p(0, n);
      b.load(xt, x.p(r0, r0 + n));
      if (batched) {
        Ref s = ss.next().p(0, n), r = rstd.next().p(0, n);
        b.activation(sq.p(0, n), xt, ActFunc::kSquare);
        b.tensor_reduce(s, sq.p(0, n), AluOp::kAdd, {2});
        b.activation(r, s, ActFunc::kRsqrt, eps.p(0, n), 1.0 / double(hd));
        for (int64_t h = 0; h < nh; ++h) {
          Ref xh = xt.sl(1, h, h + 1);
          b.scalar_tensor_tensor(xh, xh, AluOp::kMultiply, r.f(h, h + 1), AluOp::kMultiply,
                                 wb.p(0, n).f(0, hd));
        }
      } else {
        for (int64_t h = 0; h < nh; ++h)
          emit_rmsnorm_tile(b, xt.sl(1, h, h + 1), wb.f(0, hd), sq, ss.next(), rstd.next(), eps,
                            hd, false);
      }
      b.store(y.p(r0, r0 + n), xt);
    });
    return b.take();
  };
  d.reference = [](const KernelConfig& c, const Tensors& in) {
    const int64_t t = c.get("tokens"), nh = c.get("heads"), hd = c.get("head_dim");
    Mat y(t, nh * hd);
    for (int64_t h = 0; h < nh; ++h)
      y.block(0, h * hd, t, hd) =
          rmsnorm_reference(in.at("x").block(0, h * hd, t, hd), in.at("w"), kRmsNormEps);
    return Tensors{{"y", y}};
  };
  d.flops = [](const KernelConfig& c) {
    return 4.0 * c.get("tokens") * c.get("heads") * c.get("head_dim");
  };
  d.min_hbm_bytes = [](const KernelConfig& c) {
    return double(isa::dtype_bytes(c.dtype)) * c.get("head_dim") *
           (2.0 * c.get("tokens") * c.get("heads") + 1);
  };
  return d;
}

}  // namespace trnsim::kernels
