#include "workloads/reference_model.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "isa/error.h"

namespace trnsim::workloads {
namespace {

constexpr double kPi = 3.14159265358979323846;

MatD to_d(const MatF& m) { return m.cast<double>(); }

MatD attention(const ModelConfig& c, const MatD& q, const MatD& k_all, const MatD& v_all,
               int64_t pos0) {
  const int64_t t = q.rows(), d = c.head_dim, group = c.num_heads / c.num_kv_heads;
  const double scale = 1.0 / std::sqrt(double(d));
  MatD out = MatD::Zero(t, c.q_size());
  for (int64_t h = 0; h < c.num_heads; ++h) {
    const int64_t g = h / group;
    for (int64_t i = 0; i < t; ++i) {
      const int64_t visible = pos0 + i + 1;  // causal: keys 0 .. pos0+i
      Eigen::VectorXd s(visible);
      for (int64_t j = 0; j < visible; ++j)
        s(j) = scale * q.row(i).segment(h * d, d).dot(k_all.row(j).segment(g * d, d));
      s = (s.array() - s.maxCoeff()).exp();
      s /= s.sum();
      for (int64_t j = 0; j < visible; ++j)
        out.row(i).segment(h * d, d) += s(j) * v_all.row(j).segment(g * d, d);
    }
  }
  return out;
}

MatD head_norm(const MatD& x, int64_t heads, const MatF& w, double eps) {
  MatD y = x;
  const int64_t d = w.cols();
  const MatD wd = to_d(w);
  for (int64_t i = 0; i < x.rows(); ++i)
    for (int64_t h = 0; h < heads; ++h)
      y.row(i).segment(h * d, d) = rms_norm(x.row(i).segment(h * d, d), wd, eps);
  return y;
}

MatD swiglu(const MatD& x, const MatF& gate, const MatF& up, const MatF& down) {
  const MatD a = silu(x * to_d(gate)).cwiseProduct(x * to_d(up));
  return a * to_d(down);
}

}  // namespace

MatD rms_norm(const MatD& x, const MatD& w_row, double eps) {
  MatD y(x.rows(), x.cols());
  for (int64_t i = 0; i < x.rows(); ++i) {
    const double ms = x.row(i).squaredNorm() / double(x.cols());
    y.row(i) = x.row(i).cwiseProduct(w_row.row(0)) / std::sqrt(ms + eps);
  }
  return y;
}

std::vector<double> rope_inv_freq(const ModelConfig& c) {
  const int64_t half = c.head_dim / 2;
  std::vector<double> f(static_cast<size_t>(half));
  const Llama3RopeScaling& s = c.rope_scaling;
  for (int64_t i = 0; i < half; ++i) {
    double inv = std::pow(c.rope_theta, -2.0 * double(i) / double(c.head_dim));
    if (s.enabled) {
      const double orig = double(s.original_max_position_embeddings);
      const double wavelen = 2 * kPi / inv;
      const double low_wavelen = orig / s.low_freq_factor;    // longer: fully scaled
      const double high_wavelen = orig / s.high_freq_factor;  // shorter: unchanged
      if (wavelen > low_wavelen) {
        inv /= s.factor;
      } else if (wavelen >= high_wavelen) {
        const double smooth =
            (orig / wavelen - s.low_freq_factor) / (s.high_freq_factor - s.low_freq_factor);
        inv = (1 - smooth) * inv / s.factor + smooth * inv;
      }
    }
    f[size_t(i)] = inv;
  }
  return f;
}

void apply_rope(MatD& x, int64_t heads, const ModelConfig& c, int64_t pos0) {
  const std::vector<double> inv = rope_inv_freq(c);
  const int64_t d = c.head_dim, half = d / 2;
  for (int64_t t = 0; t < x.rows(); ++t) {
    for (int64_t i = 0; i < half; ++i) {
      const double ang = double(pos0 + t) * inv[size_t(i)];
      const double cs = std::cos(ang), sn = std::sin(ang);
      for (int64_t h = 0; h < heads; ++h) {
        double& x1 = x(t, h * d + i);
        double& x2 = x(t, h * d + i + half);
        const double a = x1, b = x2;
        x1 = a * cs - b * sn;
        x2 = b * cs + a * sn;
      }
    }
  }
}

MatD silu(const MatD& x) { return x.array() / (1.0 + (-x.array()).exp()); }

Routing route(const MatD& logits, int64_t top_k, bool normalise) {
  Routing r;
  for (int64_t t = 0; t < logits.rows(); ++t) {
    Eigen::RowVectorXd p = (logits.row(t).array() - logits.row(t).maxCoeff()).exp();
    p /= p.sum();
    std::vector<int64_t> idx(size_t(p.size()));
    std::iota(idx.begin(), idx.end(), 0);
    std::stable_sort(idx.begin(), idx.end(), [&](int64_t a, int64_t b) { return p(a) > p(b); });
    idx.resize(size_t(top_k));
    std::vector<double> w;
    double sum = 0;
    for (int64_t e : idx) sum += p(e);
    for (int64_t e : idx) w.push_back(normalise ? p(e) / sum : p(e));
    r.experts.push_back(idx);
    r.weights.push_back(w);
  }
  return r;
}

int64_t argmax_row(const MatD& logits, int64_t r) {
  Eigen::Index best = 0;
  logits.row(r).maxCoeff(&best);
  return int64_t(best);
}

MatD ReferenceModel::layer(int64_t l, const MatD& x, KvCache& cache, int64_t pos0) const {
  const LayerWeights& w = w_.layers.at(size_t(l));
  const double eps = c_.rms_norm_eps;
  const MatD h = rms_norm(x, to_d(w.attn_norm), eps);
  MatD q = h * to_d(w.wq), k = h * to_d(w.wk);
  const MatD v = h * to_d(w.wv);
  if (c_.qk_norm) {
    q = head_norm(q, c_.num_heads, w.q_norm, eps);
    k = head_norm(k, c_.num_kv_heads, w.k_norm, eps);
  }
  apply_rope(q, c_.num_heads, c_, pos0);
  apply_rope(k, c_.num_kv_heads, c_, pos0);
  MatD& kc = cache.k[size_t(l)];
  MatD& vc = cache.v[size_t(l)];
  kc.conservativeResize(pos0 + k.rows(), k.cols());
  vc.conservativeResize(pos0 + v.rows(), v.cols());
  kc.bottomRows(k.rows()) = k;
  vc.bottomRows(v.rows()) = v;
  MatD x1 = x + attention(c_, q, kc, vc, pos0) * to_d(w.wo);
  const MatD h2 = rms_norm(x1, to_d(w.mlp_norm), eps);
  if (!c_.is_moe()) return x1 + swiglu(h2, w.gate, w.up, w.down);
  const Routing r = route(h2 * to_d(w.router), c_.experts_per_token, c_.norm_topk_prob);
  for (int64_t t = 0; t < h2.rows(); ++t) {
    for (size_t j = 0; j < r.experts[size_t(t)].size(); ++j) {
      const ExpertWeights& e = w.experts.at(size_t(r.experts[size_t(t)][j]));
      x1.row(t) += r.weights[size_t(t)][j] * swiglu(h2.row(t), e.gate, e.up, e.down);
    }
  }
  return x1;
}

MatD ReferenceModel::forward(KvCache& cache, const std::vector<int64_t>& tokens) const {
  if (cache.k.empty()) {
    cache.k.assign(size_t(c_.num_layers), MatD(0, c_.kv_size()));
    cache.v.assign(size_t(c_.num_layers), MatD(0, c_.kv_size()));
  }
  const int64_t pos0 = cache.length();
  MatD x(int64_t(tokens.size()), c_.hidden_size);
  for (size_t t = 0; t < tokens.size(); ++t) {
    if (tokens[t] < 0 || tokens[t] >= c_.vocab_size)
      throw Error("reference model: token id " + std::to_string(tokens[t]) + " out of vocab");
    x.row(int64_t(t)) = w_.embed.row(tokens[t]).cast<double>();
  }
  for (int64_t l = 0; l < c_.num_layers; ++l) x = layer(l, x, cache, pos0);
  const MatD hn = rms_norm(x, to_d(w_.final_norm), c_.rms_norm_eps);
  if (c_.tie_word_embeddings) return hn * w_.embed.cast<double>().transpose();
  return hn * to_d(w_.lm_head);
}

std::vector<int64_t> ReferenceModel::generate(const std::vector<int64_t>& prompt, int64_t gen,
                                              std::vector<MatD>* step_logits) const {
  KvCache cache;
  std::vector<int64_t> out;
  MatD logits = forward(cache, prompt);
  for (int64_t g = 0; g < gen; ++g) {
    if (step_logits) step_logits->push_back(logits.bottomRows(1));
    const int64_t next = argmax_row(logits, logits.rows() - 1);
    out.push_back(next);
    if (g + 1 < gen) logits = forward(cache, {next});
  }
  return out;
}

}  // namespace trnsim::workloads
