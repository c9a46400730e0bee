// Model configuration read from a Hugging Face config.json (LlamaForCausalLM and
// Qwen3MoeForCausalLM). Only the fields the workloads need are kept; every required field must
// be present with the right JSON type, otherwise trnsim::Error names the file and the field.
//
// Accepted but ignored keys (metadata HF configs commonly carry): see kIgnoredHfKeys in
// hf_config.cc. Any other key is an error (typed config: a typo must not pass silently).
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace trnsim::workloads {

enum class Arch { kLlama, kQwen3Moe };

// rope_scaling of type "llama3" (Llama 3.1/3.2): wavelength-dependent frequency scaling.
struct Llama3RopeScaling {
  bool enabled = false;
  double factor = 1, low_freq_factor = 1, high_freq_factor = 1;
  int64_t original_max_position_embeddings = 0;
};

struct ModelConfig {
  std::string name;  // file it came from (or "json")
  Arch arch = Arch::kLlama;
  int64_t hidden_size = 0;
  int64_t num_layers = 0;
  int64_t num_heads = 0;
  int64_t num_kv_heads = 0;
  int64_t head_dim = 0;
  int64_t intermediate_size = 0;  // dense MLP (Llama); unused by Qwen3-MoE layers
  int64_t vocab_size = 0;
  int64_t max_position_embeddings = 0;
  bool tie_word_embeddings = false;
  double rms_norm_eps = 0;
  double rope_theta = 0;
  Llama3RopeScaling rope_scaling;
  bool qk_norm = false;  // Qwen3: RMSNorm over head_dim on q and k before RoPE
  // Mixture of experts (Qwen3-MoE); num_experts == 0 for dense models.
  int64_t num_experts = 0;
  int64_t experts_per_token = 0;
  int64_t moe_intermediate_size = 0;
  bool norm_topk_prob = false;
  std::string torch_dtype;  // informational ("bfloat16")

  bool is_moe() const { return num_experts > 0; }
  int64_t q_size() const { return num_heads * head_dim; }
  int64_t kv_size() const { return num_kv_heads * head_dim; }
};

std::string arch_name(Arch a);  // "LlamaForCausalLM" / "Qwen3MoeForCausalLM"

// `where` names the source in errors. Checks consistency (heads divisible by kv heads, ...).
ModelConfig parse_hf_config(const nlohmann::json& j, const std::string& where);
ModelConfig load_hf_config(const std::string& path);
// A copy with only the first `layers` layers (a truncated model for value checks).
ModelConfig truncated(const ModelConfig& c, int64_t layers);
// The keys accepted and ignored (documented list).
const std::vector<std::string>& ignored_hf_keys();

}  // namespace trnsim::workloads
