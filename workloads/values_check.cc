#include "workloads/values_check.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <functional>
#include <memory>
#include <set>

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
  KernelModel(const ModelConfig& c, const ModelWeights& w, const KernelSet& set,
              const ValuesOptions& opts, NkiTracer& nki, std::vector<NkiOpCheck>* checks)
      : c_(c), w_(w), set_(set), opts_(opts), nki_(nki), checks_(checks) {
    cache_k_.assign(size_t(c.num_layers), MatD(0, c.kv_size()));
    cache_v_.assign(size_t(c.num_layers), MatD(0, c.kv_size()));
  }

  // Logits of the last token after appending `tokens`; `after_layer` (if set) runs after
  // each layer.
  MatD forward(const std::vector<int64_t>& tokens, Phase phase,
               const std::function<void()>& after_layer = {}) {
    phase_ = phase;
    const int64_t t = int64_t(tokens.size());
    MatD x(t, c_.hidden_size);
    for (int64_t i = 0; i < t; ++i) x.row(i) = w_.embed.row(tokens[size_t(i)]).cast<double>();
    MatD delta = MatD::Zero(t, c_.hidden_size);
    const int64_t pos0 = cache_k_[0].rows();
    for (int64_t l = 0; l < c_.num_layers; ++l) {
      layer(l, x, delta, pos0);
      if (after_layer) after_layer();
    }
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
    ++runs_;
    if (ch.nki) return run_nki(role, ch, def, kc, inputs);
    isa::Program prog = def.build(kc, ch.variant);
    try {
      return kernels::run_values(prog, opts_.limits, inputs);
    } catch (const Error& e) {
      throw Error("values: op " + role + " (" + ch.kernel + "/" + ch.variant + "): " + e.what());
    }
  }

  // The NKI kernel's outputs, checked against the role's float64 reference op on the same
  // inputs (the library kernel's tolerance for the dtype, kernels/harness.h).
  Tensors run_nki(const std::string& role, const KernelChoice& ch, const kernels::KernelDef& def,
                  const kernels::KernelConfig& kc, const Tensors& inputs) {
    const std::string phase = phase_ == Phase::kPrefill ? "prefill" : "decode";
    const std::string where = "values: op " + role + " (" + phase + ", " +
                              kernels::params_to_string(kc.params) + ")";
    const NkiProgram& p = nki_.trace(*ch.nki, role_signature(def, kc), where);
    Tensors got;
    try {
      got = run_nki_values(p, inputs, opts_.limits);
    } catch (const Error& e) {
      throw Error(where + " (NKI kernel " + ch.nki->spec + "): " + e.what());
    }
    const kernels::CheckResult r =
        kernels::check_outputs(got, def.reference(kc, inputs), kernels::default_rtol(kc.dtype));
    const std::string seen = role + "/" + phase;
    if (checked_.insert(seen).second || !r.ok) {
      NkiOpCheck c{role, phase, ch.nki->name(), kernels::params_to_string(kc.params),
                   r.ok, r.max_abs_err, r.max_rel_err, r.message};
      if (checks_) checks_->push_back(c);
    }
    if (!r.ok)
      throw NkiOpFailure(where + ": NKI kernel " + ch.nki->spec +
                         " FAILS against the float64 reference op: " + r.message);
    return got;
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
  const ValuesOptions& opts_;
  NkiTracer& nki_;
  std::vector<NkiOpCheck>* checks_;
  std::set<std::string> checked_;  // role/phase already reported
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

ValuesOptions::ValuesOptions() : limits(kernels::trn1_limits()) {}

std::vector<MatD> kernel_model_logits(const ModelConfig& c, const ModelWeights& w,
                                      const KernelSet& set, const std::vector<int64_t>& prompt,
                                      int64_t gen, std::vector<int64_t>* tokens,
                                      int64_t* kernel_runs, const ValuesOptions& opts,
                                      std::vector<NkiOpCheck>* checks) {
  std::unique_ptr<NkiTracer> own;
  NkiTracer* nki = opts.nki;
  if (!nki) nki = (own = std::make_unique<NkiTracer>("trn1")).get();
  KernelModel km(c, w, set, opts, *nki, checks);
  // One unit per layer of each of the `gen` forward passes (the prefill, then gen - 1 decodes).
  const int64_t total = std::max<int64_t>(gen, 1) * c.num_layers;
  int64_t done = 0;
  const std::function<void()> after_layer = [&] {
    if (opts.progress) opts.progress(++done, total);
  };
  std::vector<MatD> logits;
  logits.push_back(km.forward(prompt, Phase::kPrefill, after_layer));
  for (int64_t g = 0; g < gen; ++g) {
    const int64_t next = argmax_row(logits.back(), 0);
    tokens->push_back(next);
    if (g + 1 < gen) logits.push_back(km.forward({next}, Phase::kDecode, after_layer));
  }
  if (kernel_runs) *kernel_runs = km.runs();
  return logits;
}

ValuesReport check_values(const ModelConfig& c, const ModelWeights& w, const KernelSet& set,
                          const std::vector<int64_t>& prompt, int64_t gen,
                          const ValuesOptions& opts) {
  if (gen < 1) throw Error("values check: needs --gen >= 1");
  ValuesReport r;
  r.logit_tolerance = opts.logits;
  // APPROX (informative only): bf16 (8 significant bits, 2^-8 = 0.4% per rounding) activations
  // and weights through a few layers; the rms logit error should stay within 5 roundings' worth.
  r.tolerance = 0.02;
  std::vector<MatD> got;
  try {
    got = kernel_model_logits(c, w, set, prompt, gen, &r.kernel_tokens, &r.kernel_runs, opts,
                              &r.nki_ops);
  } catch (const NkiOpFailure& e) {
    r.failure = e.what();
    return r;  // ok stays false: a failed NKI op stops the run
  }
  // The reference follows the kernel model's tokens (teacher forcing), so every step compares
  // logits of the same context.
  ReferenceModel ref(c, w);
  KvCache cache;
  MatD ref_logits = ref.forward(cache, prompt).bottomRows(1);
  r.tokens_agree = true;
  r.logits_ok = true;
  for (int64_t g = 0; g < gen; ++g) {
    const MatD& k = got[size_t(g)];
    const double scale = rms(ref_logits);
    r.max_err_over_rms =
        std::max(r.max_err_over_rms, (k - ref_logits).cwiseAbs().maxCoeff() / scale);
    r.rms_err_over_rms = std::max(r.rms_err_over_rms, rms(k - ref_logits) / scale);
    const int64_t ref_tok = argmax_row(ref_logits, 0);
    r.reference_tokens.push_back(ref_tok);
    const int64_t tok = r.kernel_tokens[size_t(g)];
    if (tok != ref_tok) r.tokens_agree = false;
    r.steps.push_back(check_logit_step(k, ref_logits, tok, opts.logits));
    r.logits_ok = r.logits_ok && r.steps.back().ok();
    if (g + 1 < gen) ref_logits = ref.forward(cache, {tok});
  }
  r.ok = r.logits_ok;
  return r;
}

std::string ValuesReport::text() const {
  std::string s;
  char buf[512];
  for (const NkiOpCheck& op : nki_ops) {
    std::snprintf(buf, sizeof buf, "  NKI op %-14s %-8s %s (%s): max |err| %.3g, %s%s%s\n",
                  op.op.c_str(), op.phase.c_str(), op.kernel.c_str(), op.shape.c_str(),
                  op.max_abs_err, op.ok ? "PASS" : "FAIL", op.ok ? "" : ": ",
                  op.message.c_str());
    s += buf;
  }
  if (!failure.empty()) return s + "  values: FAIL: " + failure + "\n  (stopped before timing)\n";
  std::snprintf(buf, sizeof buf,
                "  contest logit check (softmax, atol %g, rtol %g, divergence %g):\n",
                logit_tolerance.atol, logit_tolerance.rtol, logit_tolerance.divergence);
  s += buf;
  for (size_t g = 0; g < steps.size(); ++g)
    s += "    step " + std::to_string(g) + ": " + (steps[g].ok() ? "pass" : "FAIL") + ", " +
         steps[g].text() + "\n";
  std::snprintf(buf, sizeof buf,
                "  logits: rms(kernel - reference) / rms(reference) = %.4g, "
                "max |kernel - reference| / rms(reference) = %.4g\n"
                "  greedy tokens agree: %s (%lld kernel runs)\n  values: %s\n",
                rms_err_over_rms, max_err_over_rms, tokens_agree ? "yes" : "no",
                (long long)kernel_runs, ok ? "PASS" : "FAIL");
  s += buf;
  s += "  kernel tokens:";
  for (int64_t t : kernel_tokens) s += " " + std::to_string(t);
  s += "\n  reference tokens:";
  for (int64_t t : reference_tokens) s += " " + std::to_string(t);
  return s + "\n";
}

}  // namespace trnsim::workloads
