// moe_combine (see moe.h): y[t] = sum_s topk_w[t, s] * expert_out[t*k + s], tokens on
// partitions. Slot s of a 128-token tile is one strided DMA (every k-th row of expert_out).
#include <algorithm>

#include "isa/error.h"
#include "kernels/builder.h"
#include "kernels/common.h"
#include "kernels/moe.h"

namespace trnsim::kernels {
namespace {

using isa::AluOp;
using isa::DType;
using isa::Engine;
using isa::Memory;

}  // namespace

KernelDef moe_combine_kernel() {
  KernelDef d;
  d.name = "moe_combine";
  d.summary = "y[t] = sum_s topk_w[t, s] * expert_out[t*k + s]";
  d.params = {{"tokens", 256, "tokens T", false},
              {"hidden", 2048, "hidden size H", false},
              {"top_k", 8, "slots per token k", false},
              {"chunk", 1024, "hidden columns per step", true}};
  d.variants = {{"vector", "all k multiply-adds on VectorE, one accumulator"},
                {"split_engines", "even slots on VectorE, odd slots on GpSimd, two accumulators "
                                  "added at the end"}};
  d.dtypes = {DType::kBf16, DType::kFp32};
  d.test_points = {{{"tokens", 200}, {"hidden", 300}, {"top_k", 8}, {"chunk", 256}},
                   {{"tokens", 5}, {"hidden", 128}, {"top_k", 3}}};
  d.build = [](const KernelConfig& c, const std::string& variant) {
    require_range(c, "moe_combine", "top_k", 1, 64);
    require_range(c, "moe_combine", "chunk", 1, 8192);
    const bool split = variant == "split_engines";
    if (!split && variant != "vector")
      throw Error("kernel moe_combine: unknown variant '" + variant + "'");
    const int64_t t = c.get("tokens"), h = c.get("hidden"), k = c.get("top_k");
    const int64_t chunk = std::min(c.get("chunk"), h);
    Builder b("moe_combine_" + variant);
    Ref eo = b.input("expert_out", {t * k, h}, c.dtype);
    Ref w = b.input("topk_w", {t, k}, DType::kFp32);
    Ref y = b.output("y", {t, h}, c.dtype);
    TilePool slots(b, "slot", 4, Memory::kSbuf, kPartitions, {chunk}, c.dtype);
    TilePool ws(b, "w", 2, Memory::kSbuf, kPartitions, {k});
    TilePool acc_v(b, "acc_v", 2, Memory::kSbuf, kPartitions, {chunk});
    TilePool acc_g(b, "acc_g", 2, Memory::kSbuf, kPartitions, {chunk});
    TilePool outs(b, "y", 2, Memory::kSbuf, kPartitions, {chunk}, c.dtype);
    for_tiles(t, kPartitions, [&](int64_t t0, int64_t tn) {
      Ref wt = ws.next().p(0, tn);
      b.load(wt, w.p(t0, t0 + tn));
      for_tiles(h, chunk, [&](int64_t c0, int64_t cn) {
        LabelScope l(b, "combine tokens " + std::to_string(t0) + " cols " + std::to_string(c0));
        Ref av = acc_v.next().p(0, tn).f(0, cn), ag = acc_g.next().p(0, tn).f(0, cn);
        for (int64_t s = 0; s < k; ++s) {
          Ref st = slots.next().p(0, tn).f(0, cn);
          b.load(st, eo.sl(0, t0 * k + s, (t0 + tn) * k, k).f(c0, c0 + cn));
          const bool on_gpsimd = split && s % 2 == 1;
          const Ref& acc = on_gpsimd ? ag : av;
          const Engine e = on_gpsimd ? Engine::kGpsimd : Engine::kVector;
          if (s < (split ? 2 : 1)) {
            b.tensor_scalar(acc, st, AluOp::kMultiply, wt.f(s, s + 1), std::nullopt, 0.0, e);
          } else {
            b.scalar_tensor_tensor(acc, st, AluOp::kMultiply, wt.f(s, s + 1), AluOp::kAdd, acc,
                                   e);
          }
        }
        Ref o = outs.next().p(0, tn).f(0, cn);
        if (split && k > 1) {
          b.tensor_tensor(o, av, ag, AluOp::kAdd);
        } else {
          b.tensor_copy(o, av, Engine::kScalar);
        }
        b.store(y.p(t0, t0 + tn).f(c0, c0 + cn), o);
      });
    });
    return b.take();
  };
  d.reference = [](const KernelConfig& c, const Tensors& in) {
    const int64_t t = c.get("tokens"), k = c.get("top_k");
    const Mat& eo = in.at("expert_out");
    const Mat& w = in.at("topk_w");
    Mat y = Mat::Zero(t, eo.cols());
    for (int64_t ti = 0; ti < t; ++ti)
      for (int64_t s = 0; s < k; ++s) y.row(ti) += w(ti, s) * eo.row(ti * k + s);
    return Tensors{{"y", y}};
  };
  d.flops = [](const KernelConfig& c) {
    return 2.0 * c.get("tokens") * c.get("hidden") * c.get("top_k");
  };
  d.min_hbm_bytes = [](const KernelConfig& c) {
    const double t = c.get("tokens"), h = c.get("hidden"), k = c.get("top_k");
    return isa::dtype_bytes(c.dtype) * (t * k * h + t * h) + 4.0 * t * k;
  };
  return d;
}

}  // namespace trnsim::kernels
