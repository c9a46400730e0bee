#include "workloads/reference_model.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "workloads/model_cli.h"

namespace trnsim::workloads {
namespace {

ModelConfig tiny(bool moe) {
  ModelConfig c;
  c.name = "tiny";
  c.arch = moe ? Arch::kQwen3Moe : Arch::kLlama;
  c.hidden_size = 8;
  c.num_layers = 2;
  c.num_heads = 4;
  c.num_kv_heads = 2;
  c.head_dim = 4;
  c.intermediate_size = 12;
  c.vocab_size = 20;
  c.max_position_embeddings = 64;
  c.rms_norm_eps = 1e-5;
  c.rope_theta = 10000;
  c.tie_word_embeddings = !moe;
  if (moe) {
    c.qk_norm = true;
    c.num_experts = 6;
    c.experts_per_token = 2;
    c.moe_intermediate_size = 5;
    c.norm_topk_prob = true;
  } else {
    c.rope_scaling = {true, 4.0, 1.0, 2.0, 16};
  }
  return c;
}

// ---- A naive implementation with explicit loops, full recompute (no KV cache). ----
using Vec = std::vector<double>;
using Rows = std::vector<Vec>;

Vec vecmat(const Vec& x, const MatF& w) {  // x [in] @ w [in, out]
  Vec y(size_t(w.cols()), 0.0);
  for (int64_t o = 0; o < w.cols(); ++o)
    for (int64_t i = 0; i < w.rows(); ++i) y[size_t(o)] += x[size_t(i)] * double(w(i, o));
  return y;
}
Vec norm(const Vec& x, const MatF& w, double eps, size_t off = 0, size_t n = 0) {
  if (n == 0) n = x.size();
  double ss = 0;
  for (size_t i = 0; i < n; ++i) ss += x[off + i] * x[off + i];
  const double r = 1.0 / std::sqrt(ss / double(n) + eps);
  Vec y = x;
  for (size_t i = 0; i < n; ++i) y[off + i] = x[off + i] * r * double(w(0, int64_t(i)));
  return y;
}
double silu1(double v) { return v / (1 + std::exp(-v)); }
Vec mlp(const Vec& x, const MatF& g, const MatF& u, const MatF& d) {
  Vec a = vecmat(x, g), b = vecmat(x, u);
  for (size_t i = 0; i < a.size(); ++i) a[i] = silu1(a[i]) * b[i];
  return vecmat(a, d);
}
void rope1(Vec& x, int64_t heads, int64_t dim, int64_t pos, const std::vector<double>& inv) {
  for (int64_t h = 0; h < heads; ++h)
    for (int64_t i = 0; i < dim / 2; ++i) {
      const double a = x[size_t(h * dim + i)], b = x[size_t(h * dim + i + dim / 2)];
      const double ang = double(pos) * inv[size_t(i)];
      x[size_t(h * dim + i)] = a * std::cos(ang) - b * std::sin(ang);
      x[size_t(h * dim + i + dim / 2)] = b * std::cos(ang) + a * std::sin(ang);
    }
}

Rows naive_logits(const ModelConfig& c, const ModelWeights& w, const std::vector<int64_t>& ids) {
  const size_t t = ids.size();
  const int64_t d = c.head_dim;
  const std::vector<double> inv = rope_inv_freq(c);
  Rows x(t);
  for (size_t i = 0; i < t; ++i)
    for (int64_t j = 0; j < c.hidden_size; ++j) x[i].push_back(w.embed(ids[i], j));
  for (const LayerWeights& lw : w.layers) {
    Rows q(t), k(t), v(t);
    for (size_t i = 0; i < t; ++i) {
      const Vec h = norm(x[i], lw.attn_norm, c.rms_norm_eps);
      q[i] = vecmat(h, lw.wq);
      k[i] = vecmat(h, lw.wk);
      v[i] = vecmat(h, lw.wv);
      if (c.qk_norm) {
        for (int64_t hh = 0; hh < c.num_heads; ++hh)
          q[i] = norm(q[i], lw.q_norm, c.rms_norm_eps, size_t(hh * d), size_t(d));
        for (int64_t hh = 0; hh < c.num_kv_heads; ++hh)
          k[i] = norm(k[i], lw.k_norm, c.rms_norm_eps, size_t(hh * d), size_t(d));
      }
      rope1(q[i], c.num_heads, d, int64_t(i), inv);
      rope1(k[i], c.num_kv_heads, d, int64_t(i), inv);
    }
    for (size_t i = 0; i < t; ++i) {
      Vec attn(size_t(c.q_size()), 0.0);
      for (int64_t hh = 0; hh < c.num_heads; ++hh) {
        const int64_t g = hh / (c.num_heads / c.num_kv_heads);
        Vec s;
        double mx = -1e300;
        for (size_t j = 0; j <= i; ++j) {
          double dot = 0;
          for (int64_t e = 0; e < d; ++e) dot += q[i][size_t(hh * d + e)] * k[j][size_t(g * d + e)];
          s.push_back(dot / std::sqrt(double(d)));
          mx = std::max(mx, s.back());
        }
        double sum = 0;
        for (double& z : s) sum += (z = std::exp(z - mx));
        for (size_t j = 0; j <= i; ++j)
          for (int64_t e = 0; e < d; ++e)
            attn[size_t(hh * d + e)] += s[j] / sum * v[j][size_t(g * d + e)];
      }
      const Vec o = vecmat(attn, lw.wo);
      for (size_t j = 0; j < o.size(); ++j) x[i][j] += o[j];
      const Vec h2 = norm(x[i], lw.mlp_norm, c.rms_norm_eps);
      if (!c.is_moe()) {
        const Vec m = mlp(h2, lw.gate, lw.up, lw.down);
        for (size_t j = 0; j < m.size(); ++j) x[i][j] += m[j];
        continue;
      }
      Vec p = vecmat(h2, lw.router);
      double mx = -1e300, sum = 0;
      for (double z : p) mx = std::max(mx, z);
      for (double& z : p) sum += (z = std::exp(z - mx));
      for (double& z : p) z /= sum;
      std::vector<size_t> chosen;
      for (int64_t r = 0; r < c.experts_per_token; ++r) {
        size_t best = 0;
        double bv = -1;
        for (size_t e = 0; e < p.size(); ++e)
          if (std::find(chosen.begin(), chosen.end(), e) == chosen.end() && p[e] > bv) {
            bv = p[e];
            best = e;
          }
        chosen.push_back(best);
      }
      double top = 0;
      for (size_t e : chosen) top += p[e];
      for (size_t e : chosen) {
        const ExpertWeights& ew = lw.experts[e];
        const Vec m = mlp(h2, ew.gate, ew.up, ew.down);
        for (size_t j = 0; j < m.size(); ++j) x[i][j] += p[e] / top * m[j];
      }
    }
  }
  Rows logits(t);
  for (size_t i = 0; i < t; ++i) {
    const Vec h = norm(x[i], w.final_norm, c.rms_norm_eps);
    logits[i] = c.tie_word_embeddings ? vecmat(h, MatF(w.embed.transpose())) : vecmat(h, w.lm_head);
  }
  return logits;
}

void expect_match(bool moe) {
  const ModelConfig c = tiny(moe);
  const ModelWeights w = random_weights(c, 7);
  const std::vector<int64_t> ids = {3, 17, 0, 9, 9, 12};
  const Rows want = naive_logits(c, w, ids);
  // Reference: prefill of 4 tokens, then two decode steps through the KV cache.
  ReferenceModel ref(c, w);
  KvCache cache;
  MatD got = ref.forward(cache, {ids.begin(), ids.begin() + 4});
  got.conservativeResize(6, c.vocab_size);
  got.row(4) = ref.forward(cache, {ids[4]});
  got.row(5) = ref.forward(cache, {ids[5]});
  EXPECT_EQ(cache.length(), 6);
  for (size_t i = 0; i < ids.size(); ++i)
    for (int64_t v = 0; v < c.vocab_size; ++v)
      ASSERT_NEAR(got(int64_t(i), v), want[i][size_t(v)], 1e-9) << "pos " << i << " vocab " << v;
}

TEST(ReferenceModel, LlamaMatchesNaiveLoops) { expect_match(false); }
TEST(ReferenceModel, MoeMatchesNaiveLoops) { expect_match(true); }

TEST(ReferenceModel, Llama3RopeScaling) {
  const ModelConfig c = load_hf_config(model_config_path("llama-3.2-1b"));
  const std::vector<double> inv = rope_inv_freq(c);
  ASSERT_EQ(inv.size(), 32u);
  EXPECT_DOUBLE_EQ(inv[0], 1.0);  // wavelength 2*pi < 8192/4: unchanged
  // Lowest frequency: wavelength > 8192 -> divided by the factor 32.
  EXPECT_NEAR(inv[31], std::pow(500000.0, -62.0 / 64) / 32, 1e-18);
  // A band in between is interpolated: i = 20, wavelength 2*pi*500000^(40/64) ~ 2.3e4 > 8192,
  // so scaled; find one in [2048, 8192] and check the smooth formula.
  for (size_t i = 0; i < inv.size(); ++i) {
    const double base = std::pow(500000.0, -2.0 * double(i) / 64);
    const double wl = 2 * M_PI / base;
    if (wl >= 2048 && wl <= 8192) {
      const double smooth = (8192 / wl - 1) / 3;
      EXPECT_NEAR(inv[i], (1 - smooth) * base / 32 + smooth * base, 1e-15);
    }
  }
  ModelConfig q = load_hf_config(model_config_path("qwen3-30b-a3b"));
  EXPECT_NEAR(rope_inv_freq(q)[1], std::pow(1e6, -2.0 / 128), 1e-15);
}

TEST(ReferenceModel, RoutingRenormalises) {
  MatD logits(1, 4);
  logits << 0.0, std::log(3.0), std::log(2.0), std::log(4.0);  // probs 1,3,2,4 over 10
  Routing r = route(logits, 2, true);
  EXPECT_EQ(r.experts[0], (std::vector<int64_t>{3, 1}));
  EXPECT_NEAR(r.weights[0][0], 4.0 / 7, 1e-12);
  EXPECT_NEAR(r.weights[0][1], 3.0 / 7, 1e-12);
  r = route(logits, 2, false);
  EXPECT_NEAR(r.weights[0][0], 0.4, 1e-12);
}

TEST(ReferenceModel, GenerateIsGreedy) {
  const ModelConfig c = tiny(false);
  const ModelWeights w = random_weights(c, 3);
  ReferenceModel ref(c, w);
  std::vector<MatD> steps;
  const std::vector<int64_t> out = ref.generate({1, 2, 3}, 3, &steps);
  ASSERT_EQ(out.size(), 3u);
  for (size_t i = 0; i < out.size(); ++i) EXPECT_EQ(out[i], argmax_row(steps[i], 0));
}

}  // namespace
}  // namespace trnsim::workloads
