#include "workloads/hf_config.h"

#include <algorithm>
#include <fstream>
#include <map>
#include <set>

#include "isa/checked.h"
#include "isa/error.h"

namespace trnsim::workloads {
namespace {

using nlohmann::json;

// Keys HF configs carry that do not change the computation modelled here (token ids, training
// hyper-parameters, library versions) or that are checked to have their neutral value below.
const std::vector<std::string> kIgnoredHfKeys = {
    "_name_or_path",    "attention_dropout",    "bos_token_id",         "eos_token_id",
    "pad_token_id",     "initializer_range",    "pretraining_tp",       "transformers_version",
    "use_cache",        "output_router_logits", "router_aux_loss_coef", "max_window_layers",
    "sliding_window",   "use_sliding_window",   "model_type",           "torch_dtype",
    "intermediate_size"};

// Upper bounds of model dimensions: several times the largest published models (hidden 16384,
// 126 layers, vocab 262144, 256 experts), far below sizes whose weight or cache arithmetic
// would overflow or exhaust memory before any check. A bound names its field in the error.
int64_t max_model_dim(const std::string& key) {
  static const std::map<std::string, int64_t> kLimits = {
      {"hidden_size", 1 << 17},          {"num_hidden_layers", 4096},
      {"num_attention_heads", 4096},     {"num_key_value_heads", 4096},
      {"head_dim", 1 << 14},             {"vocab_size", 1 << 22},
      {"intermediate_size", 1 << 20},    {"moe_intermediate_size", 1 << 20},
      {"num_experts", 1 << 14},          {"num_experts_per_tok", 1 << 14},
      {"max_position_embeddings", 1 << 28}, {"original_max_position_embeddings", 1 << 28}};
  auto it = kLimits.find(key);
  return it == kLimits.end() ? int64_t(1) << 31 : it->second;
}

class Reader {
 public:
  Reader(const json& j, std::string where) : j_(j), where_(std::move(where)) {}

  [[noreturn]] void fail(const std::string& field, const std::string& why) const {
    throw Error(where_ + ": field '" + field + "': " + why);
  }
  const json& need(const std::string& k) const {
    used_.insert(k);
    if (!j_.contains(k)) fail(k, "missing");
    return j_.at(k);
  }
  bool has(const std::string& k) const {
    used_.insert(k);
    return j_.contains(k) && !j_.at(k).is_null();
  }
  // A positive integer no larger than kMaxModelDim(k): refused before anything is sized by it.
  int64_t positive_int(const std::string& k) const {
    const json& v = need(k);
    if (!v.is_number_integer()) fail(k, "expected an integer, got " + std::string(v.type_name()));
    const int64_t limit = max_model_dim(k);
    if (v.is_number_unsigned() && v.get<uint64_t>() > uint64_t(limit))
      fail(k, isa::bounded(v.dump()) + " exceeds the limit " + std::to_string(limit));
    const int64_t x = v.get<int64_t>();
    if (x <= 0) fail(k, "must be positive, got " + std::to_string(x));
    if (x > limit) fail(k, std::to_string(x) + " exceeds the limit " + std::to_string(limit));
    return x;
  }
  double positive_number(const std::string& k) const {
    const json& v = need(k);
    if (!v.is_number()) fail(k, "expected a number, got " + std::string(v.type_name()));
    const double x = v.get<double>();
    if (!(x > 0)) fail(k, "must be positive");
    return x;
  }
  bool boolean(const std::string& k) const {
    const json& v = need(k);
    if (!v.is_boolean()) fail(k, "expected true/false, got " + std::string(v.type_name()));
    return v.get<bool>();
  }
  std::string string(const std::string& k) const {
    const json& v = need(k);
    if (!v.is_string()) fail(k, "expected a string, got " + std::string(v.type_name()));
    return v.get<std::string>();
  }
  void mark(const std::string& k) const { used_.insert(k); }
  void reject_unknown() const {
    for (auto it = j_.begin(); it != j_.end(); ++it) {
      const std::string& k = it.key();
      if (used_.count(k)) continue;
      if (std::find(kIgnoredHfKeys.begin(), kIgnoredHfKeys.end(), k) != kIgnoredHfKeys.end())
        continue;
      fail(isa::bounded(k), "unknown key (not used by trnsim workloads)");
    }
  }
  const std::string& where() const { return where_; }

 private:
  const json& j_;
  std::string where_;
  mutable std::set<std::string> used_;
};

Llama3RopeScaling parse_rope_scaling(const json& j, const std::string& where) {
  Llama3RopeScaling s;
  if (j.is_null()) return s;
  if (!j.is_object()) throw Error(where + ": field 'rope_scaling': expected an object or null");
  Reader r(j, where + ": rope_scaling");
  std::string type = r.has("rope_type") ? r.string("rope_type") : r.string("type");
  r.mark("type");
  if (type != "llama3")
    r.fail("rope_type", "only 'llama3' is supported, got '" + isa::bounded(type, 40) + "'");
  s.enabled = true;
  s.factor = r.positive_number("factor");
  s.low_freq_factor = r.positive_number("low_freq_factor");
  s.high_freq_factor = r.positive_number("high_freq_factor");
  s.original_max_position_embeddings = r.positive_int("original_max_position_embeddings");
  if (s.high_freq_factor <= s.low_freq_factor)
    r.fail("high_freq_factor", "must exceed low_freq_factor");
  r.reject_unknown();
  return s;
}

}  // namespace

const std::vector<std::string>& ignored_hf_keys() { return kIgnoredHfKeys; }

std::string arch_name(Arch a) {
  return a == Arch::kLlama ? "LlamaForCausalLM" : "Qwen3MoeForCausalLM";
}

ModelConfig parse_hf_config(const json& j, const std::string& where) {
  if (!j.is_object()) throw Error(where + ": config must be a JSON object");
  Reader r(j, where);
  ModelConfig c;
  c.name = where;
  const json& archs = r.need("architectures");
  if (!archs.is_array() || archs.size() != 1 || !archs[0].is_string())
    r.fail("architectures", "expected a list with one architecture name");
  const std::string arch = archs[0].get<std::string>();
  if (arch == "LlamaForCausalLM") {
    c.arch = Arch::kLlama;
  } else if (arch == "Qwen3MoeForCausalLM") {
    c.arch = Arch::kQwen3Moe;
  } else {
    r.fail("architectures", "unsupported architecture '" + isa::bounded(arch, 80) +
                                "' (supported: LlamaForCausalLM, Qwen3MoeForCausalLM)");
  }
  c.hidden_size = r.positive_int("hidden_size");
  c.num_layers = r.positive_int("num_hidden_layers");
  c.num_heads = r.positive_int("num_attention_heads");
  c.num_kv_heads = r.positive_int("num_key_value_heads");
  c.head_dim = r.has("head_dim") ? r.positive_int("head_dim") : c.hidden_size / c.num_heads;
  if (c.head_dim <= 0) r.fail("num_attention_heads", "exceeds hidden_size (head_dim would be 0)");
  c.vocab_size = r.positive_int("vocab_size");
  c.max_position_embeddings = r.positive_int("max_position_embeddings");
  c.rms_norm_eps = r.positive_number("rms_norm_eps");
  c.rope_theta = r.positive_number("rope_theta");
  c.tie_word_embeddings = r.has("tie_word_embeddings") ? r.boolean("tie_word_embeddings") : false;
  if (r.has("rope_scaling")) c.rope_scaling = parse_rope_scaling(j.at("rope_scaling"), where);
  if (r.string("hidden_act") != "silu") r.fail("hidden_act", "only 'silu' is supported");
  for (const char* k : {"attention_bias", "mlp_bias"})
    if (r.has(k) && r.boolean(k)) r.fail(k, "biases are not supported");
  if (r.has("torch_dtype")) c.torch_dtype = r.string("torch_dtype");
  if (c.arch == Arch::kLlama) {
    c.intermediate_size = r.positive_int("intermediate_size");
  } else {
    c.qk_norm = true;
    if (r.has("intermediate_size")) c.intermediate_size = r.positive_int("intermediate_size");
    c.num_experts = r.positive_int("num_experts");
    c.experts_per_token = r.positive_int("num_experts_per_tok");
    c.moe_intermediate_size = r.positive_int("moe_intermediate_size");
    c.norm_topk_prob = r.boolean("norm_topk_prob");
    if (c.experts_per_token > c.num_experts) r.fail("num_experts_per_tok", "exceeds num_experts");
    if (r.has("decoder_sparse_step") && r.positive_int("decoder_sparse_step") != 1)
      r.fail("decoder_sparse_step", "only 1 (every layer MoE) is supported");
    if (r.has("mlp_only_layers")) {
      const json& m = j.at("mlp_only_layers");
      if (!m.is_array()) r.fail("mlp_only_layers", "expected a list");
      if (!m.empty()) r.fail("mlp_only_layers", "dense layers in a MoE model are not supported");
    }
  }
  if (c.num_heads % c.num_kv_heads != 0)
    r.fail("num_key_value_heads", "must divide num_attention_heads");
  if (c.head_dim % 2 != 0) r.fail("head_dim", "must be even (RoPE)");
  r.reject_unknown();
  return c;
}

ModelConfig load_hf_config(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw Error(path + ": cannot open model config");
  json j;
  try {
    j = json::parse(in);
  } catch (const json::exception& e) {  // parse_error, out_of_range (numbers like 1e400)
    throw Error(path + ": invalid JSON: " + isa::bounded(e.what()));
  }
  return parse_hf_config(j, path);
}

ModelConfig truncated(const ModelConfig& c, int64_t layers) {
  if (layers <= 0 || layers > c.num_layers)
    throw Error(c.name + ": cannot truncate to " + std::to_string(layers) + " layers (model has " +
                std::to_string(c.num_layers) + ")");
  ModelConfig t = c;
  t.num_layers = layers;
  return t;
}

}  // namespace trnsim::workloads
