// moe_router and the routing generator shared by the MoE kernels (see moe.h).
#include <algorithm>
#include <cmath>
#include <random>

#include "isa/error.h"
#include "kernels/builder.h"
#include "kernels/common.h"
#include "kernels/moe.h"

namespace trnsim::kernels {
namespace {

using isa::ActFunc;
using isa::AluOp;
using isa::DType;
using isa::Engine;
using isa::Memory;

constexpr int64_t kTop8 = 8;
constexpr double kKnockedOut = -1e30;  // replaces already chosen logits between max8 rounds

}  // namespace

Routing make_routing(int64_t tokens, int64_t experts, int64_t top_k, uint64_t seed) {
  if (top_k < 1 || top_k > experts)
    throw Error("moe routing: top_k=" + std::to_string(top_k) + " outside [1, experts=" +
                std::to_string(experts) + "]");
  Routing r;
  r.weights = Mat(tokens, top_k);
  std::mt19937_64 rng(seed * 0x9E3779B97F4A7C15ull + 17);
  std::uniform_real_distribution<double> u(0.05, 1.0);
  std::vector<int64_t> perm(experts);
  for (int64_t t = 0; t < tokens; ++t) {
    for (int64_t e = 0; e < experts; ++e) perm[e] = e;
    for (int64_t i = 0; i < top_k; ++i) {  // partial Fisher-Yates
      const int64_t j = i + int64_t(rng() % uint64_t(experts - i));
      std::swap(perm[i], perm[j]);
    }
    r.ids.emplace_back(perm.begin(), perm.begin() + top_k);
    double sum = 0;
    for (int64_t i = 0; i < top_k; ++i) sum += r.weights(t, i) = u(rng);
    for (int64_t i = 0; i < top_k; ++i) r.weights(t, i) = float(r.weights(t, i) / sum);
  }
  return r;
}

Mat dense_gates(const Routing& r, int64_t experts) {
  Mat g = Mat::Zero(int64_t(r.ids.size()), experts);
  for (size_t t = 0; t < r.ids.size(); ++t)
    for (size_t i = 0; i < r.ids[t].size(); ++i) g(int64_t(t), r.ids[t][i]) = r.weights(t, i);
  return g;
}

KernelDef moe_router_kernel() {
  KernelDef d;
  d.name = "moe_router";
  d.summary = "logits = x @ w_router, softmax over experts, top-k, renormalised weights";
  d.params = {{"tokens", 256, "tokens T", false},
              {"hidden", 2048, "hidden size H", false},
              {"experts", 128, "experts E (8..512)", false},
              {"top_k", 8, "experts per token k (1..16)", false}};
  d.variants = {{"softmax_topk", "full fp32 softmax over E, top-k of the probabilities, "
                                 "renormalise"},
                {"topk_softmax", "top-k of the logits straight from PSUM, softmax over the k "
                                 "(equal for renormalised weights)"}};
  d.dtypes = {DType::kBf16, DType::kFp32};
  d.test_points = {{{"tokens", 200}, {"hidden", 300}, {"experts", 64}, {"top_k", 8}},
                   {{"tokens", 5}, {"hidden", 128}, {"experts", 20}, {"top_k", 12}}};
  d.build = [](const KernelConfig& c, const std::string& variant) {
    require_range(c, "moe_router", "experts", kTop8, kPsumBankFp32);
    require_range(c, "moe_router", "top_k", 1, std::min<int64_t>(16, c.get("experts")));
    const bool full = variant == "softmax_topk";
    if (!full && variant != "topk_softmax")
      throw Error("kernel moe_router: unknown variant '" + variant + "'");
    const int64_t t = c.get("tokens"), h = c.get("hidden"), e = c.get("experts");
    const int64_t k = c.get("top_k"), rounds = ceil_div(k, kTop8), ht = ceil_div(h, kPartitions);
    Builder b("moe_router_" + variant);
    Ref x_t = b.input("x_t", {h, t}, c.dtype);
    Ref w = b.input("w_router", {h, e}, c.dtype);
    Ref out_w = b.output("topk_w", {t, k}, DType::kFp32);
    Ref out_ids = b.output("topk_ids", {t, k}, DType::kInt32);
    Ref ws = b.sbuf("w_router_sb", kPartitions, {ht * e}, c.dtype);  // H tile j at cols j*E
    {
      LabelScope l(b, "load w_router");
      for_tiles(h, kPartitions, [&](int64_t h0, int64_t hn) {
        const int64_t j = h0 / kPartitions;
        b.load(ws.p(0, hn).f(j * e, j * e + e), w.p(h0, h0 + hn));
      });
    }
    TilePool xs(b, "x", 2, Memory::kSbuf, kPartitions, {ht * kPartitions}, c.dtype);
    TilePool lps(b, "logits_ps", 2, Memory::kPsum, kPartitions, {e});
    TilePool probs(b, "probs", 2, Memory::kSbuf, kPartitions, {e});
    TilePool knocked(b, "knocked", 2, Memory::kSbuf, kPartitions, {e});
    TilePool vals(b, "vals", 2, Memory::kSbuf, kPartitions, {rounds * kTop8});
    TilePool idxs(b, "idx", 2, Memory::kSbuf, kPartitions, {rounds * kTop8}, DType::kUint32);
    TilePool wts(b, "w", 2, Memory::kSbuf, kPartitions, {k});
    TilePool stats(b, "stat", 6, Memory::kSbuf, kPartitions, {1});
    for_tiles(t, kPartitions, [&](int64_t t0, int64_t tn) {
      LabelScope l(b, "router tokens " + std::to_string(t0));
      Ref xt = xs.next();
      for_tiles(h, kPartitions, [&](int64_t h0, int64_t hn) {
        const int64_t j = h0 / kPartitions;
        b.load(xt.p(0, hn).f(j * kPartitions, j * kPartitions + tn),
               x_t.p(h0, h0 + hn).f(t0, t0 + tn));
      });
      Ref lp = lps.next().p(0, tn);
      for_tiles(h, kPartitions, [&](int64_t h0, int64_t hn) {
        const int64_t j = h0 / kPartitions;
        b.nc_matmul(lp, xt.p(0, hn).f(j * kPartitions, j * kPartitions + tn),
                    ws.p(0, hn).f(j * e, j * e + e), h0 > 0);
      });
      Ref src = lp;  // what the top-k searches: probabilities or raw logits
      if (full) {
        Ref pr = probs.next().p(0, tn), negm = stats.next().p(0, tn);
        Ref sum = stats.next().p(0, tn), rs = stats.next().p(0, tn);
        b.tensor_reduce(negm, lp, AluOp::kMax, {}, true);
        b.activation(pr, lp, ActFunc::kExp, negm, 1.0, sum);
        b.reciprocal(rs, sum);
        b.tensor_scalar(pr, pr, AluOp::kMultiply, rs);
        src = pr;
      }
      Ref v = vals.next().p(0, tn), ix = idxs.next().p(0, tn);
      Ref cur = src;
      for (int64_t r = 0; r < rounds; ++r) {
        Ref vr = v.f(r * kTop8, (r + 1) * kTop8);
        if (r > 0) {
          Ref kn = knocked.next().p(0, tn);
          b.nc_match_replace8(kn, cur, v.f((r - 1) * kTop8, r * kTop8), kKnockedOut);
          cur = kn;
        }
        b.max8(vr, cur);
        b.nc_find_index8(ix.f(r * kTop8, (r + 1) * kTop8), src, vr);
      }
      Ref wt = wts.next().p(0, tn), tsum = stats.next().p(0, tn), rts = stats.next().p(0, tn);
      if (full) {
        b.tensor_reduce(tsum, v.f(0, k), AluOp::kAdd);
        b.reciprocal(rts, tsum);
        b.tensor_scalar(wt, v.f(0, k), AluOp::kMultiply, rts);
      } else {
        Ref negm = stats.next().p(0, tn);
        b.tensor_scalar(negm, v.f(0, 1), AluOp::kMultiply, -1.0, std::nullopt, 0.0,
                        Engine::kScalar);
        b.activation(wt, v.f(0, k), ActFunc::kExp, negm, 1.0, tsum);
        b.reciprocal(rts, tsum);
        b.tensor_scalar(wt, wt, AluOp::kMultiply, rts);
      }
      b.store(out_w.p(t0, t0 + tn), wt);
      b.store(out_ids.p(t0, t0 + tn), ix.f(0, k));
    });
    return b.take();
  };
  d.reference = [](const KernelConfig& c, const Tensors& in) {
    const int64_t k = c.get("top_k");
    Mat logits = in.at("x_t").transpose() * in.at("w_router");
    Mat w(logits.rows(), k), ids(logits.rows(), k);
    std::vector<int64_t> order(logits.cols());
    for (int64_t t = 0; t < logits.rows(); ++t) {
      for (int64_t i = 0; i < logits.cols(); ++i) order[i] = i;
      std::stable_sort(order.begin(), order.end(),
                       [&](int64_t a, int64_t b) { return logits(t, a) > logits(t, b); });
      double sum = 0;
      for (int64_t i = 0; i < k; ++i) sum += std::exp(logits(t, order[i]) - logits(t, order[0]));
      for (int64_t i = 0; i < k; ++i) {
        ids(t, i) = double(order[i]);
        w(t, i) = std::exp(logits(t, order[i]) - logits(t, order[0])) / sum;
      }
    }
    return Tensors{{"topk_w", w}, {"topk_ids", ids}};
  };
  d.flops = [](const KernelConfig& c) {
    return 2.0 * c.get("tokens") * c.get("hidden") * c.get("experts");
  };
  d.min_hbm_bytes = [](const KernelConfig& c) {
    const double t = c.get("tokens"), h = c.get("hidden"), e = c.get("experts");
    return isa::dtype_bytes(c.dtype) * (t * h + h * e) + 8.0 * t * c.get("top_k");
  };
  return d;
}

}  // namespace trnsim::kernels
