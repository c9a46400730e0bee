#include "kernels/swiglu.h"

#include <algorithm>

#include "isa/error.h"
#include "kernels/builder.h"
#include "kernels/common.h"
#include "kernels/elementwise.h"
#include "kernels/swiglu_stream.h"

namespace trnsim::kernels {
namespace {

using isa::ActFunc;
using isa::AluOp;
using isa::DType;
using isa::Engine;
using isa::Memory;

constexpr int64_t kTokBlock = 512;

}  // namespace

KernelDef swiglu_kernel() {
  KernelDef d;
  d.name = "swiglu";
  d.summary = "y = (silu(x @ wg) * (x @ wu)) @ wd, x given as x_t [H, T]";
  d.params = {{"tokens", 128, "tokens T", false},
              {"hidden", 512, "hidden size H", false},
              {"inter", 1024, "intermediate size I", false}};
  d.variants = {{"separate", "gate pass, up pass, then one multiply pass over SBUF"},
                {"fused", "gate and up per I tile, silu and multiply straight from PSUM"},
                {"stream", "decode: weights streamed in 2048-column chunks at DMA peak"}};
  d.dtypes = {DType::kBf16, DType::kFp32};
  d.test_points = {{{"tokens", 64}, {"hidden", 256}, {"inter", 256}},
                   {{"tokens", 130}, {"hidden", 200}, {"inter", 300}}};
  d.build = [](const KernelConfig& c, const std::string& variant) {
    const int64_t t = c.get("tokens"), h = c.get("hidden"), inter = c.get("inter");
    const bool fused = variant == "fused";
    const int64_t ht = ceil_div(h, kPartitions), it = ceil_div(inter, kPartitions);
    Builder b("swiglu_" + variant);
    Ref x_t = b.input("x_t", {h, t}, c.dtype);
    Ref wg = b.input("wg", {h, inter}, c.dtype);
    Ref wu = b.input("wu", {h, inter}, c.dtype);
    Ref wd = b.input("wd", {inter, h}, c.dtype);
    Ref y = b.output("y", {t, h}, c.dtype);
    if (variant == "stream") {
      build_swiglu_stream(b, x_t, wg, wu, wd, y, c.dtype);
      return b.take();
    }
    const int64_t tb = std::min(t, kTokBlock);
    Ref xs = b.sbuf("x_sb", kPartitions, {ht * tb}, c.dtype);      // H tile j at cols j*tb
    Ref act = b.sbuf("act_t", kPartitions, {it * tb}, c.dtype);   // I tile i at cols i*tb
    Ref up = fused ? Ref{} : b.sbuf("up_t", kPartitions, {it * tb}, c.dtype);
    TilePool wts(b, "w", 4, Memory::kSbuf, kPartitions, {ht * kPartitions}, c.dtype);
    TilePool wds(b, "wd", 2, Memory::kSbuf, kPartitions, {kPsumBankFp32}, c.dtype);
    TilePool ps(b, "ps", 4, Memory::kPsum, kPartitions, {kPsumBankFp32});
    TilePool gate_sb(b, "gate", 2, Memory::kSbuf, kPartitions, {tb}, DType::kFp32);
    TilePool outs(b, "out", 2, Memory::kSbuf, kPartitions, {kPsumBankFp32}, c.dtype);
    for_tiles(t, kTokBlock, [&](int64_t t0, int64_t tn) {
      {
        LabelScope l(b, "load x_t tokens " + std::to_string(t0));
        for_tiles(h, kPartitions, [&](int64_t h0, int64_t hn) {
          const int64_t j = h0 / kPartitions;
          b.load(xs.p(0, hn).f(j * tb, j * tb + tn), x_t.p(h0, h0 + hn).f(t0, t0 + tn));
        });
      }
      // One projection tile: psum [in, tn] = w[:, i0:i0+in]^T @ x_t.
      auto project = [&](const Ref& w, int64_t i0, int64_t in) {
        Ref wt = wts.next();
        for_tiles(h, kPartitions, [&](int64_t h0, int64_t hn) {
          const int64_t j = h0 / kPartitions;
          b.load(wt.p(0, hn).f(j * kPartitions, j * kPartitions + in),
                 w.p(h0, h0 + hn).f(i0, i0 + in));
        });
        Ref acc = ps.next().p(0, in).f(0, tn);
        for_tiles(h, kPartitions, [&](int64_t h0, int64_t hn) {
          const int64_t j = h0 / kPartitions;
          b.nc_matmul(acc, wt.p(0, hn).f(j * kPartitions, j * kPartitions + in),
                      xs.p(0, hn).f(j * tb, j * tb + tn), h0 > 0);
        });
        return acc;
      };
      if (fused) {
        for_tiles(inter, kPartitions, [&](int64_t i0, int64_t in) {
          LabelScope l(b, "gate+up I tile " + std::to_string(i0));
          const int64_t i = i0 / kPartitions;
          Ref g = project(wg, i0, in);
          Ref u = project(wu, i0, in);
          Ref gs = gate_sb.next().p(0, in).f(0, tn);
          b.activation(gs, g, ActFunc::kSilu);
          b.tensor_tensor(act.p(0, in).f(i * tb, i * tb + tn), gs, u, AluOp::kMultiply);
        });
      } else {
        for_tiles(inter, kPartitions, [&](int64_t i0, int64_t in) {
          LabelScope l(b, "gate I tile " + std::to_string(i0));
          const int64_t i = i0 / kPartitions;
          b.activation(act.p(0, in).f(i * tb, i * tb + tn), project(wg, i0, in), ActFunc::kSilu);
        });
        for_tiles(inter, kPartitions, [&](int64_t i0, int64_t in) {
          LabelScope l(b, "up I tile " + std::to_string(i0));
          const int64_t i = i0 / kPartitions;
          b.tensor_copy(up.p(0, in).f(i * tb, i * tb + tn), project(wu, i0, in));
        });
        LabelScope l(b, "gate*up");
        for_tiles(inter, kPartitions, [&](int64_t i0, int64_t in) {
          const int64_t i = i0 / kPartitions;
          Ref a = act.p(0, in).f(i * tb, i * tb + tn);
          b.tensor_tensor(a, a, up.p(0, in).f(i * tb, i * tb + tn), AluOp::kMultiply);
        });
      }
      // Down projection: y[t, h] = act_t[:, t]^T @ wd[:, h], per 128 tokens x 512 hidden.
      for_tiles(tn, kPartitions, [&](int64_t s0, int64_t sn) {
        for_tiles(h, kPsumBankFp32, [&](int64_t h0, int64_t hn) {
          LabelScope l(b, "down tokens " + std::to_string(t0 + s0) + " h " + std::to_string(h0));
          Ref acc = ps.next().p(0, sn).f(0, hn);
          for_tiles(inter, kPartitions, [&](int64_t i0, int64_t in) {
            const int64_t i = i0 / kPartitions;
            Ref w = wds.next().p(0, in).f(0, hn);
            b.load(w, wd.p(i0, i0 + in).f(h0, h0 + hn));
            b.nc_matmul(acc, act.p(0, in).f(i * tb + s0, i * tb + s0 + sn), w, i0 > 0);
          });
          Ref o = outs.next().p(0, sn).f(0, hn);
          b.tensor_copy(o, acc, Engine::kScalar);
          b.store(y.p(t0 + s0, t0 + s0 + sn).f(h0, h0 + hn), o);
        });
      });
    });
    return b.take();
  };
  d.reference = [](const KernelConfig&, const Tensors& in) {
    Mat x = in.at("x_t").transpose();
    Mat g = x * in.at("wg"), u = x * in.at("wu");
    Mat a = silu_reference(g).cwiseProduct(u);
    return Tensors{{"y", a * in.at("wd")}};
  };
  d.flops = [](const KernelConfig& c) {
    return 6.0 * c.get("tokens") * c.get("hidden") * c.get("inter");
  };
  d.min_hbm_bytes = [](const KernelConfig& c) {
    const double t = c.get("tokens"), h = c.get("hidden"), i = c.get("inter");
    return isa::dtype_bytes(c.dtype) * (2 * t * h + 3 * h * i);
  };
  return d;
}

}  // namespace trnsim::kernels
