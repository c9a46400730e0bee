// Model weights in the orientation the workloads compute with: every projection is stored as
// W [in, out] so that y = x @ W (Hugging Face stores [out, in]; loading transposes). Values are
// floats already rounded to the model dtype (bf16), so the reference and the kernels see the
// same numbers. Sources: seeded random (default) or a safetensors file with HF tensor names.
#pragma once

#include <Eigen/Core>
#include <cstdint>
#include <string>
#include <vector>

#include "workloads/hf_config.h"

namespace trnsim::workloads {

using MatF = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

struct ExpertWeights {
  MatF gate, up;  // [H, I_e]
  MatF down;      // [I_e, H]
};

struct LayerWeights {
  MatF attn_norm;       // [1, H]
  MatF wq, wk, wv;      // [H, Hq*D], [H, Hkv*D], [H, Hkv*D]
  MatF wo;              // [Hq*D, H]
  MatF q_norm, k_norm;  // [1, D] (Qwen3 only)
  MatF mlp_norm;        // [1, H]
  MatF gate, up, down;  // dense MLP (Llama): [H, I], [H, I], [I, H]
  MatF router;          // [H, E] (MoE)
  std::vector<ExpertWeights> experts;
};

struct ModelWeights {
  MatF embed;  // [V, H]
  std::vector<LayerWeights> layers;
  MatF final_norm;  // [1, H]
  MatF lm_head;     // [H, V]; empty when tied (use embed^T)
};

// Elements of all weight matrices of `c` (checked: an overflowing config is an Error naming it).
int64_t weight_elements(const ModelConfig& c);
// Refuses, before any weight is allocated, a model whose float weights exceed the available
// host memory (the message names the bytes, the limit and the options that shrink the model).
void check_weights_fit_host_memory(const ModelConfig& c);

// Random weights: projections normal/sqrt(fan_in), norms 1 + 0.1*normal, embedding normal;
// rounded to bf16. Deterministic for (config, seed).
ModelWeights random_weights(const ModelConfig& c, uint64_t seed);
// Loads HF-named tensors ("model.layers.0.self_attn.q_proj.weight", ...) for the first
// c.num_layers layers; shapes are checked against `c`. Throws trnsim::Error naming the tensor.
ModelWeights load_weights(const ModelConfig& c, const std::string& safetensors_path);

}  // namespace trnsim::workloads
