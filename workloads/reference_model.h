// Independent float64 reference of the Llama and Qwen3-MoE decoders (Eigen), written from the
// model definitions, not from the kernels: embedding, RMSNorm, RoPE (plain theta or Llama 3
// frequency scaling, rotate-half), GQA attention with causal mask over a KV cache, SwiGLU MLP,
// Qwen3 QK-norm, MoE router (softmax, top-k, optional renormalisation, weighted expert sum),
// final norm and lm_head (tied: embedding transposed). Everything in double; weights are the
// bf16-rounded floats of ModelWeights. One sequence at a time (a batch is independent
// sequences).
#pragma once

#include <Eigen/Core>
#include <cstdint>
#include <vector>

#include "workloads/hf_config.h"
#include "workloads/weights.h"

namespace trnsim::workloads {

using MatD = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

// Building blocks (exposed for tests and for the kernel-composed model).
MatD rms_norm(const MatD& x, const MatD& w_row, double eps);  // per row
std::vector<double> rope_inv_freq(const ModelConfig& c);      // head_dim/2 entries
// Rotates each head of x [T, heads*D] in place for positions pos0..pos0+T-1.
void apply_rope(MatD& x, int64_t heads, const ModelConfig& c, int64_t pos0);
MatD silu(const MatD& x);
// Router: expert ids and weights per token (top-k of softmax(logits), renormalised if asked).
struct Routing {
  std::vector<std::vector<int64_t>> experts;
  std::vector<std::vector<double>> weights;
};
Routing route(const MatD& router_logits, int64_t top_k, bool normalise);

// K and V of every processed position, per layer: [positions, Hkv*D].
struct KvCache {
  std::vector<MatD> k, v;
  int64_t length() const { return k.empty() ? 0 : k[0].rows(); }
};

class ReferenceModel {
 public:
  ReferenceModel(const ModelConfig& c, const ModelWeights& w) : c_(c), w_(w) {}
  // Appends `tokens` to the sequence held in `cache`; returns logits [tokens, vocab].
  MatD forward(KvCache& cache, const std::vector<int64_t>& tokens) const;
  // Prefill of `prompt` then `gen` greedy tokens; the generated ids.
  std::vector<int64_t> generate(const std::vector<int64_t>& prompt, int64_t gen,
                                std::vector<MatD>* step_logits = nullptr) const;

 private:
  MatD layer(int64_t l, const MatD& x, KvCache& cache, int64_t pos0) const;
  const ModelConfig& c_;
  const ModelWeights& w_;
};

// Index of the largest entry of row r (first on ties).
int64_t argmax_row(const MatD& logits, int64_t r);

}  // namespace trnsim::workloads
