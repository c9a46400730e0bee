#include "workloads/weights.h"

#include <cmath>
#include <random>

#include "isa/checked.h"
#include "isa/dtype.h"
#include "isa/error.h"
#include "isa/host_memory.h"
#include "workloads/safetensors.h"

namespace trnsim::workloads {
namespace {

// One independent normal stream per tensor name (seed mixed with a hash of the name).
MatF random_mat(int64_t rows, int64_t cols, double scale, double offset, uint64_t seed,
                const std::string& name) {
  std::mt19937_64 rng(seed ^ (std::hash<std::string>{}(name)*0x9E3779B97F4A7C15ull));
  std::normal_distribution<double> nd(0.0, 1.0);
  MatF m(rows, cols);
  for (int64_t i = 0; i < m.size(); ++i)
    m.data()[i] = isa::round_to(isa::DType::kBf16, float(offset + scale * nd(rng)));
  return m;
}

MatF proj(int64_t in, int64_t out, uint64_t seed, const std::string& name) {
  return random_mat(in, out, 1.0 / std::sqrt(double(in)), 0.0, seed, name);
}
MatF norm(int64_t n, uint64_t seed, const std::string& name) {
  return random_mat(1, n, 0.1, 1.0, seed, name);
}

}  // namespace

int64_t weight_elements(const ModelConfig& c) {
  const std::string what = c.name + ": weight elements";
  auto mul = [&](int64_t a, int64_t b) { return isa::checked_mul(a, b, what); };
  auto add = [&](int64_t a, int64_t b) { return isa::checked_add(a, b, what); };
  const int64_t h = c.hidden_size;
  int64_t layer = add(mul(h, add(c.q_size(), 2 * c.kv_size())), mul(c.q_size(), h));  // q k v o
  layer = add(layer, 2 * h + (c.qk_norm ? 2 * c.head_dim : 0));                      // norms
  if (c.is_moe())
    layer = add(add(layer, mul(h, c.num_experts)),
                mul(c.num_experts, mul(3 * h, c.moe_intermediate_size)));
  else
    layer = add(layer, mul(3 * h, c.intermediate_size));
  const int64_t vocab = mul(mul(c.vocab_size, h), c.tie_word_embeddings ? 1 : 2);  // embed, head
  return add(add(mul(layer, c.num_layers), vocab), h);
}

void check_weights_fit_host_memory(const ModelConfig& c) {
  // APPROX: counts the float weights only; the float64 reference and the activations need more.
  const int64_t bytes = isa::checked_mul(weight_elements(c), int64_t(sizeof(float)),
                                         c.name + ": weight bytes");
  isa::check_host_memory(bytes,
                         c.name + ": the weights of " + std::to_string(c.num_layers) +
                             " layers (vocab " + std::to_string(c.vocab_size) + ")",
                         "use a smaller --values-layers, --values-vocab or --values-experts");
}

ModelWeights random_weights(const ModelConfig& c, uint64_t seed) {
  check_weights_fit_host_memory(c);
  ModelWeights w;
  const int64_t h = c.hidden_size;
  w.embed = random_mat(c.vocab_size, h, 1.0, 0.0, seed, "embed");
  for (int64_t l = 0; l < c.num_layers; ++l) {
    const std::string p = "l" + std::to_string(l) + ".";
    LayerWeights lw;
    lw.attn_norm = norm(h, seed, p + "attn_norm");
    lw.wq = proj(h, c.q_size(), seed, p + "wq");
    lw.wk = proj(h, c.kv_size(), seed, p + "wk");
    lw.wv = proj(h, c.kv_size(), seed, p + "wv");
    lw.wo = proj(c.q_size(), h, seed, p + "wo");
    if (c.qk_norm) {
      lw.q_norm = norm(c.head_dim, seed, p + "q_norm");
      lw.k_norm = norm(c.head_dim, seed, p + "k_norm");
    }
    lw.mlp_norm = norm(h, seed, p + "mlp_norm");
    if (c.is_moe()) {
      lw.router = proj(h, c.num_experts, seed, p + "router");
      for (int64_t e = 0; e < c.num_experts; ++e) {
        const std::string q = p + "e" + std::to_string(e) + ".";
        lw.experts.push_back({proj(h, c.moe_intermediate_size, seed, q + "gate"),
                              proj(h, c.moe_intermediate_size, seed, q + "up"),
                              proj(c.moe_intermediate_size, h, seed, q + "down")});
      }
    } else {
      lw.gate = proj(h, c.intermediate_size, seed, p + "gate");
      lw.up = proj(h, c.intermediate_size, seed, p + "up");
      lw.down = proj(c.intermediate_size, h, seed, p + "down");
    }
    w.layers.push_back(std::move(lw));
  }
  w.final_norm = norm(h, seed, "final_norm");
  if (!c.tie_word_embeddings) w.lm_head = proj(h, c.vocab_size, seed, "lm_head");
  return w;
}

namespace {

// HF [out, in] (or a 1-D vector as [1, n]) -> ours; transposes 2-D projections. With
// `vocab_prefix`, the file's first dimension may be longer (a vocabulary capped for a values
// run keeps the first rows).
MatF take(const SafeTensorsFile& f, const std::string& name, int64_t rows, int64_t cols,
          bool transpose, bool vocab_prefix = false) {
  const SafeTensor& t = f.at(name);
  const int64_t hr = transpose ? cols : rows, hc = transpose ? rows : cols;
  const bool vec = rows == 1 && t.shape.size() == 1 && t.shape[0] == cols;
  const bool rows_ok = t.shape.size() == 2 && (vocab_prefix ? t.shape[0] >= hr : t.shape[0] == hr);
  if (!vec && (!rows_ok || t.shape[1] != hc))
    throw Error("weights: tensor '" + name + "' has the wrong shape for the model config (want [" +
                std::to_string(hr) + ", " + std::to_string(hc) + "])");
  Eigen::Map<const MatF> m(t.values.data(), vec ? 1 : hr, vec ? cols : hc);
  if (transpose && !vec) return m.transpose();
  return m;
}

}  // namespace

ModelWeights load_weights(const ModelConfig& c, const std::string& path) {
  check_weights_fit_host_memory(c);
  const SafeTensorsFile f = read_safetensors(path);
  ModelWeights w;
  const int64_t h = c.hidden_size;
  w.embed = take(f, "model.embed_tokens.weight", c.vocab_size, h, false, true);
  for (int64_t l = 0; l < c.num_layers; ++l) {
    const std::string p = "model.layers." + std::to_string(l) + ".";
    LayerWeights lw;
    lw.attn_norm = take(f, p + "input_layernorm.weight", 1, h, false);
    lw.wq = take(f, p + "self_attn.q_proj.weight", h, c.q_size(), true);
    lw.wk = take(f, p + "self_attn.k_proj.weight", h, c.kv_size(), true);
    lw.wv = take(f, p + "self_attn.v_proj.weight", h, c.kv_size(), true);
    lw.wo = take(f, p + "self_attn.o_proj.weight", c.q_size(), h, true);
    if (c.qk_norm) {
      lw.q_norm = take(f, p + "self_attn.q_norm.weight", 1, c.head_dim, false);
      lw.k_norm = take(f, p + "self_attn.k_norm.weight", 1, c.head_dim, false);
    }
    lw.mlp_norm = take(f, p + "post_attention_layernorm.weight", 1, h, false);
    if (c.is_moe()) {
      lw.router = take(f, p + "mlp.gate.weight", h, c.num_experts, true);
      const int64_t ie = c.moe_intermediate_size;
      for (int64_t e = 0; e < c.num_experts; ++e) {
        const std::string q = p + "mlp.experts." + std::to_string(e) + ".";
        lw.experts.push_back({take(f, q + "gate_proj.weight", h, ie, true),
                              take(f, q + "up_proj.weight", h, ie, true),
                              take(f, q + "down_proj.weight", ie, h, true)});
      }
    } else {
      lw.gate = take(f, p + "mlp.gate_proj.weight", h, c.intermediate_size, true);
      lw.up = take(f, p + "mlp.up_proj.weight", h, c.intermediate_size, true);
      lw.down = take(f, p + "mlp.down_proj.weight", c.intermediate_size, h, true);
    }
    w.layers.push_back(std::move(lw));
  }
  w.final_norm = take(f, "model.norm.weight", 1, h, false);
  if (!c.tie_word_embeddings) w.lm_head = take(f, "lm_head.weight", h, c.vocab_size, true, true);
  return w;
}

}  // namespace trnsim::workloads
