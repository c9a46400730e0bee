// moe_experts (decode) and moe_experts_prefill (see moe.h). Both run SwiGLU experts on blocks of
// at most 128 tokens held transposed (x^T: hidden on partitions, H tile j at columns j*bn):
// gate/up tiles [I tile, bn] = w^T @ x^T, act = silu(gate) * up, then y [bn, 512-wide H chunk]
// = act^T @ w_down accumulated over I tiles in PSUM.
#include <algorithm>
#include <cmath>
#include <functional>
#include <random>
#include <set>

#include "isa/error.h"
#include "kernels/builder.h"
#include "kernels/common.h"
#include "kernels/elementwise.h"
#include "kernels/moe.h"

namespace trnsim::kernels {
namespace {

using isa::ActFunc;
using isa::AluOp;
using isa::DType;
using isa::Engine;
using isa::Memory;

struct Experts {
  Builder& b;
  int64_t h, inter, experts;
  DType dt;
  Ref wg, wu, wd;
};

struct FfnPools {
  TilePool wts, wds, ps, gate, act;
  FfnPools(Builder& b, int64_t h, int64_t inter, int64_t bn, DType dt)
      : wts(b, "w", 4, Memory::kSbuf, kPartitions, {ceil_div(h, kPartitions) * kPartitions}, dt),
        wds(b, "wd", 3, Memory::kSbuf, kPartitions, {kPsumBankFp32}, dt),
        ps(b, "ps", 4, Memory::kPsum, kPartitions, {kPsumBankFp32}),
        gate(b, "gate", 2, Memory::kSbuf, kPartitions, {bn}),
        act(b, "act", 2, Memory::kSbuf, kPartitions, {ceil_div(inter, kPartitions) * bn}, dt) {}
};

// ffn_e on the token block xbt (x^T, bn tokens); calls on_chunk(h0, hn, psum [bn, hn]) for each
// 512-wide chunk of the output.
void emit_ffn(Experts& g, FfnPools& pl, const Ref& xbt, int64_t bn, int64_t e,
              const std::function<void(int64_t, int64_t, const Ref&)>& on_chunk) {
  Ref act = pl.act.next();
  auto project = [&](const Ref& w, int64_t i0, int64_t in) {
    Ref wt = pl.wts.next();
    for_tiles(g.h, kPartitions, [&](int64_t h0, int64_t hn) {
      const int64_t j = h0 / kPartitions;
      g.b.load(wt.p(0, hn).f(j * kPartitions, j * kPartitions + in),
               w.p(e * g.h + h0, e * g.h + h0 + hn).f(i0, i0 + in));
    });
    Ref acc = pl.ps.next().p(0, in).f(0, bn);
    for_tiles(g.h, kPartitions, [&](int64_t h0, int64_t hn) {
      const int64_t j = h0 / kPartitions;
      g.b.nc_matmul(acc, wt.p(0, hn).f(j * kPartitions, j * kPartitions + in),
                    xbt.p(0, hn).f(j * bn, j * bn + bn), h0 > 0);
    });
    return acc;
  };
  for_tiles(g.inter, kPartitions, [&](int64_t i0, int64_t in) {
    const int64_t i = i0 / kPartitions;
    Ref gp = project(g.wg, i0, in);
    Ref up = project(g.wu, i0, in);
    Ref gs = pl.gate.next().p(0, in).f(0, bn);
    g.b.activation(gs, gp, ActFunc::kSilu);
    g.b.tensor_tensor(act.p(0, in).f(i * bn, i * bn + bn), gs, up, AluOp::kMultiply);
  });
  for_tiles(g.h, kPsumBankFp32, [&](int64_t h0, int64_t hn) {
    Ref acc = pl.ps.next().p(0, bn).f(0, hn);
    for_tiles(g.inter, kPartitions, [&](int64_t i0, int64_t in) {
      const int64_t i = i0 / kPartitions;
      Ref w = pl.wds.next().p(0, in).f(0, hn);
      g.b.load(w, g.wd.p(e * g.inter + i0, e * g.inter + i0 + in).f(h0, h0 + hn));
      g.b.nc_matmul(acc, act.p(0, in).f(i * bn, i * bn + bn), w, i0 > 0);
    });
    on_chunk(h0, hn, acc);
  });
}

std::vector<ParamSpec> expert_params(int64_t tokens) {
  return {{"tokens", tokens, "tokens T", false},
          {"hidden", 2048, "hidden size H", false},
          {"inter", 768, "expert intermediate size I", false},
          {"experts", 128, "experts E", false},
          {"top_k", 8, "experts per token k", false},
          {"route_seed", 1, "seed of the build-time routing (see moe.h APPROX)", false}};
}

Routing routing_of(const KernelConfig& c) {
  return make_routing(c.get("tokens"), c.get("experts"), c.get("top_k"),
                      uint64_t(c.get("route_seed")));
}

// Normal(0,1) activations, weights scaled by 1/sqrt(fan-in), all rounded to the dtype.
Tensors expert_inputs(const KernelConfig& c, uint64_t seed, const std::string& x_name,
                      std::vector<int64_t> x_shape) {
  const int64_t h = c.get("hidden"), inter = c.get("inter"), e = c.get("experts");
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> normal(0.0, 1.0);
  auto make = [&](int64_t rows, int64_t cols, double scale) {
    Mat m(rows, cols);
    for (Eigen::Index i = 0; i < m.size(); ++i)
      m.data()[i] = isa::round_to(c.dtype, float(scale * normal(rng)));
    return m;
  };
  Tensors in;
  in[x_name] = make(x_shape[0], x_shape[1], 1.0);
  in["w_gate"] = make(e * h, inter, 1.0 / std::sqrt(double(h)));
  in["w_up"] = make(e * h, inter, 1.0 / std::sqrt(double(h)));
  in["w_down"] = make(e * inter, h, 1.0 / std::sqrt(double(inter)));
  return in;
}

Mat ffn_reference(const Tensors& in, const Mat& x, int64_t e, int64_t h, int64_t inter) {
  Mat g = x * in.at("w_gate").block(e * h, 0, h, inter);
  Mat u = x * in.at("w_up").block(e * h, 0, h, inter);
  return silu_reference(g).cwiseProduct(u) * in.at("w_down").block(e * inter, 0, inter, h);
}

void check_expert_config(const KernelConfig& c, const std::string& name) {
  require_range(c, name, "experts", 1, 4096);
  require_range(c, name, "top_k", 1, c.get("experts"));
  require_range(c, name, "hidden", 1, 16384);
}

Experts declare_weights(Builder& b, const KernelConfig& c) {
  const int64_t h = c.get("hidden"), inter = c.get("inter"), e = c.get("experts");
  return Experts{b, h, inter, e, c.dtype, b.input("w_gate", {e * h, inter}, c.dtype),
                 b.input("w_up", {e * h, inter}, c.dtype),
                 b.input("w_down", {e * inter, h}, c.dtype)};
}

}  // namespace

KernelDef moe_experts_kernel() {
  KernelDef d;
  d.name = "moe_experts";
  d.summary = "decode MoE experts: y = sum_e gates[:, e] * swiglu_e(x), x_t [H, T]";
  d.params = expert_params(4);
  d.variants = {{"dense_all", "every expert for every token, weighted by its gate (0 if unrouted)"},
                {"selected", "only the experts some token routes to (weights of the others never "
                             "loaded)"}};
  d.dtypes = {DType::kBf16, DType::kFp32};
  d.test_points = {{{"tokens", 3}, {"hidden", 200}, {"inter", 96}, {"experts", 8}, {"top_k", 2}},
                   {{"tokens", 1}, {"hidden", 256}, {"inter", 130}, {"experts", 16},
                    {"top_k", 4}, {"route_seed", 7}}};
  d.inputs = [](const KernelConfig& c, uint64_t seed) {
    Tensors in = expert_inputs(c, seed, "x_t", {c.get("hidden"), c.get("tokens")});
    in["gates"] = dense_gates(routing_of(c), c.get("experts"));
    return in;
  };
  d.build = [](const KernelConfig& c, const std::string& variant) {
    check_expert_config(c, "moe_experts");
    require_range(c, "moe_experts", "tokens", 1, kPartitions);
    const bool dense = variant == "dense_all";
    if (!dense && variant != "selected")
      throw Error("kernel moe_experts: unknown variant '" + variant + "'");
    const int64_t t = c.get("tokens"), h = c.get("hidden"), ne = c.get("experts");
    Builder b("moe_experts_" + variant);
    Ref x_t = b.input("x_t", {h, t}, c.dtype);
    Ref gates = b.input("gates", {t, ne}, DType::kFp32);
    Experts g = declare_weights(b, c);
    Ref y = b.output("y", {t, h}, c.dtype);
    std::set<int64_t> run;
    if (dense) {
      for (int64_t e = 0; e < ne; ++e) run.insert(e);
    } else {
      for (const auto& ids : routing_of(c).ids) run.insert(ids.begin(), ids.end());
    }
    Ref xs = b.sbuf("x_sb", kPartitions, {ceil_div(h, kPartitions) * t}, c.dtype);
    Ref gs = b.sbuf("gates_sb", t, {ne}, DType::kFp32);
    Ref acc = b.sbuf("y_acc", t, {h}, DType::kFp32);
    {
      LabelScope l(b, "load x_t, gates");
      for_tiles(h, kPartitions, [&](int64_t h0, int64_t hn) {
        const int64_t j = h0 / kPartitions;
        b.load(xs.p(0, hn).f(j * t, j * t + t), x_t.p(h0, h0 + hn));
      });
      b.load(gs, gates);
      b.memset(acc, 0.0);
    }
    FfnPools pl(b, h, g.inter, t, c.dtype);
    for (int64_t e : run) {
      LabelScope l(b, "expert " + std::to_string(e));
      emit_ffn(g, pl, xs, t, e, [&](int64_t h0, int64_t hn, const Ref& ps) {
        Ref a = acc.f(h0, h0 + hn);
        b.scalar_tensor_tensor(a, ps, AluOp::kMultiply, gs.f(e, e + 1), AluOp::kAdd, a);
      });
    }
    LabelScope l(b, "store y");
    Ref yo = b.sbuf("y_out", t, {h}, c.dtype);
    b.tensor_copy(yo, acc, Engine::kScalar);
    b.store(y, yo);
    return b.take();
  };
  d.reference = [](const KernelConfig& c, const Tensors& in) {
    const int64_t h = c.get("hidden"), inter = c.get("inter");
    const Mat& gates = in.at("gates");
    Mat x = in.at("x_t").transpose();
    Mat y = Mat::Zero(x.rows(), h);
    for (int64_t e = 0; e < gates.cols(); ++e) {
      if (gates.col(e).cwiseAbs().maxCoeff() == 0) continue;
      y += gates.col(e).asDiagonal() * ffn_reference(in, x, e, h, inter);
    }
    return Tensors{{"y", y}};
  };
  d.flops = [](const KernelConfig& c) {
    return 6.0 * c.get("tokens") * c.get("top_k") * c.get("hidden") * c.get("inter");
  };
  d.min_hbm_bytes = [](const KernelConfig& c) {
    const double t = c.get("tokens"), h = c.get("hidden"), i = c.get("inter");
    const double used = std::min<double>(c.get("experts"), t * c.get("top_k"));
    return isa::dtype_bytes(c.dtype) * (3.0 * h * i * used + 2.0 * t * h) +
           4.0 * t * c.get("experts");
  };
  return d;
}

KernelDef moe_experts_prefill_kernel() {
  KernelDef d;
  d.name = "moe_experts_prefill";
  d.summary = "prefill MoE experts: expert_out[t*k+s] = swiglu_{id(t,s)}(x[t]), x [T, H]";
  d.params = expert_params(256);
  d.params.push_back({"block", 128, "tokens per expert block (1..128)", true});
  d.variants = {{"dense_all", "every expert on every token (128-token blocks), routed rows kept"},
                {"blockwise", "tokens grouped per expert in blocks of `block`: gathered rows, "
                              "one FFN per block, rows scattered back"}};
  d.dtypes = {DType::kBf16, DType::kFp32};
  d.test_points = {{{"tokens", 40}, {"hidden", 200}, {"inter", 96}, {"experts", 8}, {"top_k", 2},
                    {"block", 8}},
                   {{"tokens", 130}, {"hidden", 128}, {"inter", 130}, {"experts", 4},
                    {"top_k", 2}, {"block", 128}, {"route_seed", 3}}};
  d.inputs = [](const KernelConfig& c, uint64_t seed) {
    return expert_inputs(c, seed, "x", {c.get("tokens"), c.get("hidden")});
  };
  d.build = [](const KernelConfig& c, const std::string& variant) {
    check_expert_config(c, "moe_experts_prefill");
    require_range(c, "moe_experts_prefill", "block", 1, kPartitions);
    const bool dense = variant == "dense_all";
    if (!dense && variant != "blockwise")
      throw Error("kernel moe_experts_prefill: unknown variant '" + variant + "'");
    const int64_t t = c.get("tokens"), h = c.get("hidden"), ne = c.get("experts");
    const int64_t k = c.get("top_k"), ht = ceil_div(h, kPartitions);
    const int64_t block = dense ? kPartitions : c.get("block");
    Builder b("moe_experts_prefill_" + variant);
    Ref x = b.input("x", {t, h}, c.dtype);
    Experts g = declare_weights(b, c);
    Ref out = b.output("expert_out", {t * k, h}, c.dtype);
    // slot_of[e][t] = s if token t routes to expert e in slot s, else -1.
    const Routing r = routing_of(c);
    std::vector<std::vector<int64_t>> slot_of(ne, std::vector<int64_t>(t, -1));
    for (int64_t ti = 0; ti < t; ++ti)
      for (int64_t s = 0; s < k; ++s) slot_of[r.ids[ti][s]][ti] = s;
    TilePool xb(b, "x_rows", 2, Memory::kSbuf, block, {h}, c.dtype);
    TilePool xbt(b, "x_t", 2, Memory::kSbuf, kPartitions, {ht * block}, c.dtype);
    TilePool tps(b, "xt_ps", 2, Memory::kPsum, kPartitions, {block});
    TilePool yb(b, "y_rows", 2, Memory::kSbuf, block, {h}, c.dtype);
    FfnPools pl(b, h, g.inter, block, c.dtype);
    for (int64_t e = 0; e < ne; ++e) {
      std::vector<int64_t> toks;
      for (int64_t ti = 0; ti < t; ++ti)
        if (dense || slot_of[e][ti] >= 0) toks.push_back(ti);
      for_tiles(int64_t(toks.size()), block, [&](int64_t b0, int64_t bn) {
        LabelScope l(b, "expert " + std::to_string(e) + " block " + std::to_string(b0));
        Ref rows = xb.next().p(0, bn);
        // Gather: one DMA per run of consecutive tokens.
        for (int64_t i = 0; i < bn;) {
          int64_t j = i + 1;
          while (j < bn && toks[b0 + j] == toks[b0 + j - 1] + 1) ++j;
          b.load(rows.p(i, j), x.p(toks[b0 + i], toks[b0 + i] + (j - i)));
          i = j;
        }
        Ref xt = xbt.next();
        for_tiles(h, kPartitions, [&](int64_t h0, int64_t hn) {
          const int64_t jt = h0 / kPartitions;
          Ref tp = tps.next().p(0, hn).f(0, bn);
          b.nc_transpose(tp, rows.f(h0, h0 + hn));
          b.tensor_copy(xt.p(0, hn).f(jt * bn, jt * bn + bn), tp,
                        jt % 2 ? Engine::kVector : Engine::kScalar);
        });
        Ref yr = yb.next().p(0, bn);
        int flip = 0;
        emit_ffn(g, pl, xt.f(0, ht * bn), bn, e, [&](int64_t h0, int64_t hn, const Ref& ps) {
          b.tensor_copy(yr.f(h0, h0 + hn), ps, flip++ % 2 ? Engine::kVector : Engine::kScalar);
        });
        // Scatter: row i of the block is expert_out row token*k + slot.
        for (int64_t i = 0; i < bn; ++i) {
          const int64_t ti = toks[b0 + i], s = slot_of[e][ti];
          if (s >= 0) b.store(out.p(ti * k + s, ti * k + s + 1), yr.p(i, i + 1));
        }
      });
    }
    return b.take();
  };
  d.reference = [](const KernelConfig& c, const Tensors& in) {
    const int64_t h = c.get("hidden"), inter = c.get("inter"), k = c.get("top_k");
    const Routing r = routing_of(c);
    const Mat& x = in.at("x");
    Mat out(x.rows() * k, h);
    for (int64_t ti = 0; ti < x.rows(); ++ti)
      for (int64_t s = 0; s < k; ++s)
        out.row(ti * k + s) = ffn_reference(in, x.row(ti), r.ids[ti][s], h, inter).row(0);
    return Tensors{{"expert_out", out}};
  };
  d.flops = [](const KernelConfig& c) {
    return 6.0 * c.get("tokens") * c.get("top_k") * c.get("hidden") * c.get("inter");
  };
  d.min_hbm_bytes = [](const KernelConfig& c) {
    const double t = c.get("tokens"), h = c.get("hidden"), i = c.get("inter");
    return isa::dtype_bytes(c.dtype) *
           (3.0 * h * i * c.get("experts") + t * h + t * c.get("top_k") * h);
  };
  return d;
}

}  // namespace trnsim::kernels
