#include "workloads/values_check.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "isa/error.h"
#include "kernels/harness.h"
#include "workloads/op_timer.h"

namespace trnsim::workloads {
namespace {

using kernels::Tensors;

MatD to_d(const MatF& m) { return m.cast<double>(); }

MatD round_bf16(const MatD& m) {
  MatD r(m.rows(), m.cols());
  for (Eigen::Index i = 0; i < m.size(); ++i)
    r.data()[i] = isa::round_to(isa::DType::kBf16, float(m.data()[i]));
  return r;
}

// Runs the kernels of one model on the functional plane, op by op.
class KernelModel {
 public:
  KernelModel(const ModelConfig& c, const ModelWeights& w, const KernelSet& set)
      : c_(c), w_(w), set_(set) {
    cache_k_.assign(size_t(c.num_layers), MatD(0, c.kv_size()));
    cache_v_.assign(size_t(c.num_layers), MatD(0, c.kv_size()));
  }

  // Logits of the last token after appending `tokens`.
  MatD forward(const std::vector<int64_t>& tokens, Phase phase) {
    phase_ = phase;
    const int64_t t = int64_t(tokens.size());
    MatD x(t, c_.hidden_size);
    for (int64_t i = 0; i < t; ++i) x.row(i) = w_.embed.row(tokens[size_t(i)]).cast<double>();
    MatD delta = MatD::Zero(t, c_.hidden_size);
    const int64_t pos0 = cache_k_[0].rows();
    for (int64_t l = 0; l < c_.num_layers; ++l) layer(l, x, delta, pos0);
    // Final norm of the last row only, then lm_head.
    Tensors n =
        run("norm", {{"rows", 1}, {"cols", c_.hidden_size}},
            {{"x", delta.bottomRows(1)}, {"res", x.bottomRows(1)}, {"w", to_d(w_.final_norm)}});
    const MatD head = c_.tie_word_embeddings ? MatD(to_d(w_.embed).transpose()) : to_d(w_.lm_head);
    return matmul("lm_head", n.at("y"), head);
  }
  int64_t runs() const { return runs_; }

 private:
  Tensors run(const std::string& role, const kernels::Params& shape, const Tensors& inputs) {
    OpInstance op{role, role, shape, 1};
    const KernelChoice& ch = set_.choice(role, phase_);
    const kernels::KernelDef& def = kernels::find_kernel(ch.kernel);
    const kernels::KernelConfig kc = op_config(op, ch, set_.dtype);
    isa::Program prog = def.build(kc, ch.variant);
    ++runs_;
    try {
      return kernels::run_values(prog, kernels::trn1_limits(), inputs);
    } catch (const Error& e) {
      throw Error("values: op " + role + " (" + ch.kernel + "/" + ch.variant + "): " + e.what());
    }
  }

  // x [M, K] @ w [K, N] through the matmul kernel (a_t = x^T).
  MatD matmul(const std::string& role, const MatD& x, const MatD& w) {
    return run(role, {{"M", x.rows()}, {"N", w.cols()}, {"K", x.cols()}},
               {{"a_t", x.transpose()}, {"b", w}})
        .at("c");
  }

  MatD rmsnorm(const MatD& x, const MatF& w) {
    return run("qk_norm", {{"rows", x.rows()}, {"cols", x.cols()}}, {{"x", x}, {"w", to_d(w)}})
        .at("y");
  }

  MatD swiglu(const std::string& role, const MatD& x, const MatF& g, const MatF& u, const MatF& d) {
    return run(role, {{"tokens", x.rows()}, {"hidden", x.cols()}, {"inter", g.cols()}},
               {{"x_t", x.transpose()}, {"wg", to_d(g)}, {"wu", to_d(u)}, {"wd", to_d(d)}})
        .at("y");
  }

  // Reshapes [T, heads*D] <-> [T*heads, D] (same row-major data).
  static MatD heads_as_rows(const MatD& m, int64_t d) {
    return Eigen::Map<const MatD>(m.data(), m.size() / d, d);
  }
  static MatD rows_as_heads(const MatD& m, int64_t t) {
    return Eigen::Map<const MatD>(m.data(), t, m.size() / t);
  }

  void rope(MatD& q, MatD& k, int64_t pos0) {
    const int64_t t = q.rows(), d = c_.head_dim, half = d / 2;
    const std::vector<double> inv = rope_inv_freq(c_);
    MatD cs(t, half), sn(t, half);
    for (int64_t i = 0; i < t; ++i)
      for (int64_t j = 0; j < half; ++j) {
        cs(i, j) = std::cos(double(pos0 + i) * inv[size_t(j)]);
        sn(i, j) = std::sin(double(pos0 + i) * inv[size_t(j)]);
      }
    Tensors out = run("rope",
                      {{"tokens", t},
                       {"heads_q", c_.num_heads},
                       {"heads_kv", c_.num_kv_heads},
                       {"head_dim", d},
                       {"rope", c_.rope_scaling.enabled ? 1 : 0},
                       {"pos0", pos0}},
                      {{"q", q}, {"k", k}, {"cos", cs}, {"sin", sn}});
    q = out.at("q_out");
    k = out.at("k_out");
  }

  // One fused attention kernel: flash_attention for a prefill from an empty cache,
  // decode_attention for one new token.
  MatD fused_attention(const MatD& q, int64_t l, int64_t pos0) {
    const int64_t t = q.rows(), d = c_.head_dim, hq = c_.num_heads, hkv = c_.num_kv_heads;
    const MatD& kc = cache_k_[size_t(l)];
    const MatD& vc = cache_v_[size_t(l)];
    if (phase_ == Phase::kPrefill) {
      if (pos0 != 0) throw Error("values: fused prefill attention needs an empty KV cache");
      return run("attention_prefill",
                 {{"seq", t}, {"q_heads", hq}, {"kv_heads", hkv}, {"head_dim", d}},
                 {{"q_t", q.transpose()}, {"k_t", kc.transpose()}, {"v", vc}})
          .at("o");
    }
    const int64_t len = kc.rows();
    MatD q_t(d, hq), k_t(d, hkv * len), v(hkv * len, d);
    for (int64_t h = 0; h < hq; ++h) q_t.col(h) = q.row(0).segment(h * d, d).transpose();
    for (int64_t g = 0; g < hkv; ++g) {
      k_t.middleCols(g * len, len) = kc.middleCols(g * d, d).transpose();
      v.middleRows(g * len, len) = vc.middleCols(g * d, d);
    }
    const MatD o =
        run("attention_decode",
            {{"batch", 1}, {"q_heads", hq}, {"kv_heads", hkv}, {"head_dim", d}, {"context", len}},
            {{"q_t", q_t}, {"k_t", k_t}, {"v", v}})
            .at("o");
    return Eigen::Map<const MatD>(o.data(), 1, hq * d);
  }

  MatD attention(const MatD& q, int64_t l, int64_t pos0) {
    if (set_.fused_attention(phase_)) return fused_attention(q, l, pos0);
    const int64_t t = q.rows(), d = c_.head_dim, group = c_.num_heads / c_.num_kv_heads;
    const MatD& kc = cache_k_[size_t(l)];
    const MatD& vc = cache_v_[size_t(l)];
    const int64_t len = kc.rows(), m = t * group;
    const double scale = 1.0 / std::sqrt(double(d));
    MatD out(t, c_.q_size());
    for (int64_t g = 0; g < c_.num_kv_heads; ++g) {
      MatD qg(m, d);  // row i*group + j: token i, query head g*group + j
      for (int64_t i = 0; i < t; ++i)
        for (int64_t j = 0; j < group; ++j)
          qg.row(i * group + j) = q.row(i).segment((g * group + j) * d, d);
      MatD s = matmul("attn_scores", qg, kc.middleCols(g * d, d).transpose());
      for (int64_t r = 0; r < m; ++r)
        for (int64_t j = 0; j < len; ++j)
          s(r, j) = j <= pos0 + r / group ? s(r, j) * scale : -30000.0;  // causal mask (glue)
      const MatD p = run("attn_softmax", {{"rows", m}, {"cols", len}}, {{"x", s}}).at("y");
      const MatD o = matmul("attn_values", p, vc.middleCols(g * d, d));
      for (int64_t i = 0; i < t; ++i)
        for (int64_t j = 0; j < group; ++j)
          out.row(i).segment((g * group + j) * d, d) = o.row(i * group + j);
    }
    return out;
  }

  MatD moe(const MatD& y, const LayerWeights& w) {
    const MatD logits = matmul("router", y, to_d(w.router));
    const MatD probs =
        run("router_softmax", {{"rows", y.rows()}, {"cols", c_.num_experts}}, {{"x", logits}})
            .at("y");
    const Routing r = route(probs.array().log().matrix(), c_.experts_per_token, c_.norm_topk_prob);
    MatD out = MatD::Zero(y.rows(), y.cols());
    for (int64_t e = 0; e < c_.num_experts; ++e) {
      std::vector<int64_t> rows;
      std::vector<double> weight;
      for (int64_t t = 0; t < y.rows(); ++t)
        for (size_t j = 0; j < r.experts[size_t(t)].size(); ++j)
          if (r.experts[size_t(t)][j] == e) {
            rows.push_back(t);
            weight.push_back(r.weights[size_t(t)][j]);
          }
      if (rows.empty()) continue;
      MatD xe(int64_t(rows.size()), y.cols());
      for (size_t i = 0; i < rows.size(); ++i) xe.row(int64_t(i)) = y.row(rows[i]);
      const ExpertWeights& ew = w.experts[size_t(e)];
      const MatD ye = swiglu("expert_mlp", xe, ew.gate, ew.up, ew.down);
      for (size_t i = 0; i < rows.size(); ++i) out.row(rows[i]) += weight[i] * ye.row(int64_t(i));
    }
    return round_bf16(out);  // the combine writes bf16
  }

  void layer(int64_t l, MatD& x, MatD& delta, int64_t pos0) {
    const LayerWeights& w = w_.layers[size_t(l)];
    const int64_t t = x.rows(), h = c_.hidden_size, d = c_.head_dim;
    Tensors n = run("norm", {{"rows", t}, {"cols", h}},
                    {{"x", delta}, {"res", x}, {"w", to_d(w.attn_norm)}});
    x = n.at("h");
    MatD wqkv(h, c_.q_size() + 2 * c_.kv_size());
    wqkv << to_d(w.wq), to_d(w.wk), to_d(w.wv);
    const MatD qkv = matmul("qkv_proj", n.at("y"), wqkv);
    MatD q = qkv.leftCols(c_.q_size());
    MatD k = qkv.middleCols(c_.q_size(), c_.kv_size());
    const MatD v = qkv.rightCols(c_.kv_size());
    if (c_.qk_norm) {
      q = rows_as_heads(rmsnorm(heads_as_rows(q, d), w.q_norm), t);
      k = rows_as_heads(rmsnorm(heads_as_rows(k, d), w.k_norm), t);
    }
    rope(q, k, pos0);
    MatD& kc = cache_k_[size_t(l)];
    MatD& vc = cache_v_[size_t(l)];
    kc.conservativeResize(pos0 + t, kc.cols());
    vc.conservativeResize(pos0 + t, vc.cols());
    kc.bottomRows(t) = k;
    vc.bottomRows(t) = v;
    const MatD attn = attention(q, l, pos0);
    delta = matmul("o_proj", attn, to_d(w.wo));
    n = run("norm", {{"rows", t}, {"cols", h}},
            {{"x", delta}, {"res", x}, {"w", to_d(w.mlp_norm)}});
    x = n.at("h");
    delta = c_.is_moe() ? moe(n.at("y"), w) : swiglu("mlp", n.at("y"), w.gate, w.up, w.down);
  }

  const ModelConfig& c_;
  const ModelWeights& w_;
  const KernelSet& set_;
  Phase phase_ = Phase::kPrefill;
  std::vector<MatD> cache_k_, cache_v_;
  int64_t runs_ = 0;
};

double rms(const MatD& m) {
  return std::sqrt(m.squaredNorm() / double(std::max<Eigen::Index>(1, m.size())));
}

}  // namespace

ModelConfig values_config(const ModelConfig& c, int64_t layers, int64_t vocab_cap,
                          int64_t experts_cap) {
  if (layers > c.num_layers)
    throw Error(c.name + ": the values model cannot have " + std::to_string(layers) +
                " layers (--values-layers), the model has " + std::to_string(c.num_layers));
  ModelConfig v = truncated(c, layers);
  if (vocab_cap > 0) v.vocab_size = std::min(v.vocab_size, vocab_cap);
  if (v.is_moe() && experts_cap > 0) {
    v.num_experts = std::min(v.num_experts, experts_cap);
    v.experts_per_token = std::min(v.experts_per_token, v.num_experts);
  }
  return v;
}

std::vector<MatD> kernel_model_logits(const ModelConfig& c, const ModelWeights& w,
                                      const KernelSet& set, const std::vector<int64_t>& prompt,
                                      int64_t gen, std::vector<int64_t>* tokens,
                                      int64_t* kernel_runs) {
  KernelModel km(c, w, set);
  std::vector<MatD> logits;
  logits.push_back(km.forward(prompt, Phase::kPrefill));
  for (int64_t g = 0; g < gen; ++g) {
    const int64_t next = argmax_row(logits.back(), 0);
    tokens->push_back(next);
    if (g + 1 < gen) logits.push_back(km.forward({next}, Phase::kDecode));
  }
  if (kernel_runs) *kernel_runs = km.runs();
  return logits;
}

ValuesReport check_values(const ModelConfig& c, const ModelWeights& w, const KernelSet& set,
                          const std::vector<int64_t>& prompt, int64_t gen) {
  if (gen < 1) throw Error("values check: needs --gen >= 1");
  ValuesReport r;
  // APPROX tolerance: bf16 (8 significant bits, 2^-8 = 0.4% per rounding) activations and
  // weights through a few layers; the rms logit error must stay within 5 roundings' worth.
  r.tolerance = 0.02;
  const std::vector<MatD> got =
      kernel_model_logits(c, w, set, prompt, gen, &r.kernel_tokens, &r.kernel_runs);
  // The reference follows the kernel model's tokens (teacher forcing), so every step compares
  // logits of the same context.
  ReferenceModel ref(c, w);
  KvCache cache;
  MatD ref_logits = ref.forward(cache, prompt).bottomRows(1);
  r.tokens_agree = true;
  for (int64_t g = 0; g < gen; ++g) {
    const MatD& k = got[size_t(g)];
    const double scale = rms(ref_logits);
    r.max_err_over_rms =
        std::max(r.max_err_over_rms, (k - ref_logits).cwiseAbs().maxCoeff() / scale);
    r.rms_err_over_rms = std::max(r.rms_err_over_rms, rms(k - ref_logits) / scale);
    const int64_t ref_tok = argmax_row(ref_logits, 0);
    r.reference_tokens.push_back(ref_tok);
    const int64_t tok = r.kernel_tokens[size_t(g)];
    // A token agrees when it is the reference argmax or ties with it within the tolerance.
    if (tok != ref_tok && ref_logits(0, ref_tok) - ref_logits(0, tok) > r.tolerance * scale)
      r.tokens_agree = false;
    if (g + 1 < gen) ref_logits = ref.forward(cache, {tok});
  }
  r.ok = r.tokens_agree && r.rms_err_over_rms <= r.tolerance;
  return r;
}

std::string ValuesReport::text() const {
  std::string s;
  char buf[256];
  std::snprintf(buf, sizeof buf,
                "  logits: rms(kernel - reference) / rms(reference) = %.4g (tolerance %.3g), "
                "max |kernel - reference| / rms(reference) = %.4g\n"
                "  greedy tokens agree: %s (%lld kernel runs)\n  values: %s\n",
                rms_err_over_rms, tolerance, max_err_over_rms, tokens_agree ? "yes" : "NO",
                (long long)kernel_runs, ok ? "PASS" : "FAIL");
  s += buf;
  s += "  kernel tokens:";
  for (int64_t t : kernel_tokens) s += " " + std::to_string(t);
  s += "\n  reference tokens:";
  for (int64_t t : reference_tokens) s += " " + std::to_string(t);
  return s + "\n";
}

}  // namespace trnsim::workloads
