#include "workloads/weights.h"

#include <gtest/gtest.h>

#include <cstdio>

#include "isa/error.h"
#include "workloads/safetensors.h"

namespace trnsim::workloads {
namespace {

ModelConfig tiny_moe() {
  ModelConfig c;
  c.name = "tiny";
  c.arch = Arch::kQwen3Moe;
  c.hidden_size = 8;
  c.num_layers = 1;
  c.num_heads = 2;
  c.num_kv_heads = 1;
  c.head_dim = 4;
  c.vocab_size = 10;
  c.qk_norm = true;
  c.num_experts = 3;
  c.experts_per_token = 2;
  c.moe_intermediate_size = 6;
  return c;
}

// HF layout: projections [out, in], norms 1-D.
void put(SafeTensorsFile& f, const std::string& name, const MatF& ours, bool transpose) {
  SafeTensor t;
  t.dtype = isa::DType::kBf16;
  const MatF m = transpose ? MatF(ours.transpose()) : ours;
  if (m.rows() == 1 && !transpose) {
    t.shape = {m.cols()};
  } else {
    t.shape = {m.rows(), m.cols()};
  }
  t.values.assign(m.data(), m.data() + m.size());
  f.tensors[name] = t;
}

SafeTensorsFile to_hf(const ModelWeights& w, int64_t extra_vocab_rows) {
  SafeTensorsFile f;
  MatF embed(w.embed.rows() + extra_vocab_rows, w.embed.cols());
  embed.setConstant(3.0f);
  embed.topRows(w.embed.rows()) = w.embed;
  put(f, "model.embed_tokens.weight", embed, false);
  const LayerWeights& l = w.layers[0];
  const std::string p = "model.layers.0.";
  put(f, p + "input_layernorm.weight", l.attn_norm, false);
  put(f, p + "self_attn.q_proj.weight", l.wq, true);
  put(f, p + "self_attn.k_proj.weight", l.wk, true);
  put(f, p + "self_attn.v_proj.weight", l.wv, true);
  put(f, p + "self_attn.o_proj.weight", l.wo, true);
  put(f, p + "self_attn.q_norm.weight", l.q_norm, false);
  put(f, p + "self_attn.k_norm.weight", l.k_norm, false);
  put(f, p + "post_attention_layernorm.weight", l.mlp_norm, false);
  put(f, p + "mlp.gate.weight", l.router, true);
  for (size_t e = 0; e < l.experts.size(); ++e) {
    const std::string q = p + "mlp.experts." + std::to_string(e) + ".";
    put(f, q + "gate_proj.weight", l.experts[e].gate, true);
    put(f, q + "up_proj.weight", l.experts[e].up, true);
    put(f, q + "down_proj.weight", l.experts[e].down, true);
  }
  put(f, "model.norm.weight", w.final_norm, false);
  MatF head(w.lm_head.rows(), w.lm_head.cols() + extra_vocab_rows);
  head.setConstant(5.0f);
  head.leftCols(w.lm_head.cols()) = w.lm_head;
  put(f, "lm_head.weight", head, true);
  return f;
}

TEST(Weights, RandomWeightsAreScaledAndBf16) {
  const ModelConfig c = tiny_moe();
  const ModelWeights w = random_weights(c, 5);
  EXPECT_EQ(w.layers[0].wq.rows(), 8);
  EXPECT_EQ(w.layers[0].wq.cols(), 8);
  EXPECT_EQ(w.layers[0].experts.size(), 3u);
  for (int64_t i = 0; i < w.layers[0].wq.size(); ++i) {
    const float v = w.layers[0].wq.data()[i];
    EXPECT_EQ(v, isa::round_to(isa::DType::kBf16, v));
  }
  // Deterministic for a seed, different across seeds.
  EXPECT_EQ(random_weights(c, 5).layers[0].wk, w.layers[0].wk);
  EXPECT_NE(random_weights(c, 6).layers[0].wk, w.layers[0].wk);
}

TEST(Weights, LoadsHfNamedSafetensors) {
  const ModelConfig c = tiny_moe();
  const ModelWeights w = random_weights(c, 5);
  const std::string path = ::testing::TempDir() + "/tiny.safetensors";
  write_safetensors(path, to_hf(w, 2));  // the file has 2 more vocabulary rows than the config
  const ModelWeights got = load_weights(c, path);
  EXPECT_EQ(got.embed, w.embed);
  EXPECT_EQ(got.layers[0].wq, w.layers[0].wq);
  EXPECT_EQ(got.layers[0].wo, w.layers[0].wo);
  EXPECT_EQ(got.layers[0].q_norm, w.layers[0].q_norm);
  EXPECT_EQ(got.layers[0].router, w.layers[0].router);
  EXPECT_EQ(got.layers[0].experts[2].down, w.layers[0].experts[2].down);
  EXPECT_EQ(got.final_norm, w.final_norm);
  EXPECT_EQ(got.lm_head, w.lm_head);
  // A wrong shape names the tensor.
  ModelConfig wide = c;
  wide.moe_intermediate_size = 7;
  try {
    load_weights(wide, path);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("experts.0.gate_proj"), std::string::npos) << e.what();
  }
  std::remove(path.c_str());
}

}  // namespace
}  // namespace trnsim::workloads
