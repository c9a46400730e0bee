#include "workloads/hf_config.h"

#include <gtest/gtest.h>

#include <fstream>

#include "isa/error.h"
#include "workloads/model_cli.h"

namespace trnsim::workloads {
namespace {

using nlohmann::json;

json llama_json() {
  std::ifstream in(model_config_path("llama-3.2-1b"));
  return json::parse(in);
}

std::string error_of(const json& j) {
  try {
    parse_hf_config(j, "cfg.json");
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(HfConfig, Llama32_1B) {
  const ModelConfig c = load_hf_config(model_config_path("llama-3.2-1b"));
  EXPECT_EQ(c.arch, Arch::kLlama);
  EXPECT_EQ(c.hidden_size, 2048);
  EXPECT_EQ(c.num_layers, 16);
  EXPECT_EQ(c.num_heads, 32);
  EXPECT_EQ(c.num_kv_heads, 8);
  EXPECT_EQ(c.head_dim, 64);
  EXPECT_EQ(c.intermediate_size, 8192);
  EXPECT_EQ(c.vocab_size, 128256);
  EXPECT_TRUE(c.tie_word_embeddings);
  EXPECT_DOUBLE_EQ(c.rms_norm_eps, 1e-5);
  EXPECT_DOUBLE_EQ(c.rope_theta, 500000.0);
  EXPECT_TRUE(c.rope_scaling.enabled);
  EXPECT_DOUBLE_EQ(c.rope_scaling.factor, 32);
  EXPECT_DOUBLE_EQ(c.rope_scaling.low_freq_factor, 1);
  EXPECT_DOUBLE_EQ(c.rope_scaling.high_freq_factor, 4);
  EXPECT_EQ(c.rope_scaling.original_max_position_embeddings, 8192);
  EXPECT_FALSE(c.qk_norm);
  EXPECT_FALSE(c.is_moe());
}

TEST(HfConfig, Qwen3_30B_A3B) {
  const ModelConfig c = load_hf_config(model_config_path("qwen3-30b-a3b"));
  EXPECT_EQ(c.arch, Arch::kQwen3Moe);
  EXPECT_EQ(c.hidden_size, 2048);
  EXPECT_EQ(c.num_layers, 48);
  EXPECT_EQ(c.num_heads, 32);
  EXPECT_EQ(c.num_kv_heads, 4);
  EXPECT_EQ(c.head_dim, 128);
  EXPECT_TRUE(c.qk_norm);
  EXPECT_EQ(c.num_experts, 128);
  EXPECT_EQ(c.experts_per_token, 8);
  EXPECT_TRUE(c.norm_topk_prob);
  EXPECT_EQ(c.moe_intermediate_size, 768);
  EXPECT_EQ(c.vocab_size, 151936);
  EXPECT_FALSE(c.tie_word_embeddings);
  EXPECT_DOUBLE_EQ(c.rms_norm_eps, 1e-6);
  EXPECT_DOUBLE_EQ(c.rope_theta, 1e6);
  EXPECT_FALSE(c.rope_scaling.enabled);
}

TEST(HfConfig, MissingFieldNamesFileAndField) {
  json j = llama_json();
  j.erase("num_key_value_heads");
  const std::string e = error_of(j);
  EXPECT_NE(e.find("cfg.json"), std::string::npos) << e;
  EXPECT_NE(e.find("num_key_value_heads"), std::string::npos) << e;
  EXPECT_NE(e.find("missing"), std::string::npos) << e;
}

TEST(HfConfig, IllTypedFields) {
  json j = llama_json();
  j["hidden_size"] = "2048";
  EXPECT_NE(error_of(j).find("hidden_size"), std::string::npos);
  j = llama_json();
  j["tie_word_embeddings"] = 1;
  EXPECT_NE(error_of(j).find("tie_word_embeddings"), std::string::npos);
  j = llama_json();
  j["rope_scaling"]["factor"] = "x";
  EXPECT_NE(error_of(j).find("factor"), std::string::npos);
  j = llama_json();
  j["num_attention_heads"] = -4;
  EXPECT_NE(error_of(j).find("positive"), std::string::npos);
}

TEST(HfConfig, UnknownArchitectureAndKeys) {
  json j = llama_json();
  j["architectures"] = {"MistralForCausalLM"};
  EXPECT_NE(error_of(j).find("MistralForCausalLM"), std::string::npos);
  j = llama_json();
  j["hiden_size"] = 1;
  EXPECT_NE(error_of(j).find("hiden_size"), std::string::npos);
  j = llama_json();
  j["rope_scaling"]["rope_type"] = "yarn";
  EXPECT_NE(error_of(j).find("yarn"), std::string::npos);
}

TEST(HfConfig, IgnoredKeysAreAccepted) {
  json j = llama_json();
  for (const std::string& k : ignored_hf_keys())
    if (!j.contains(k)) j[k] = nullptr;
  EXPECT_EQ(error_of(j), "");
}

TEST(HfConfig, Consistency) {
  json j = llama_json();
  j["num_key_value_heads"] = 5;
  EXPECT_NE(error_of(j).find("divide"), std::string::npos);
  j = llama_json();
  j["attention_bias"] = true;
  EXPECT_NE(error_of(j).find("attention_bias"), std::string::npos);
}

TEST(HfConfig, Truncated) {
  const ModelConfig c = load_hf_config(model_config_path("llama-3.2-1b"));
  EXPECT_EQ(truncated(c, 2).num_layers, 2);
  EXPECT_THROW(truncated(c, 17), Error);
  EXPECT_THROW(load_hf_config("/nonexistent/config.json"), Error);
}

}  // namespace
}  // namespace trnsim::workloads
