// Hostile model inputs: safetensors shapes whose element count wraps, non-finite weights and
// out-of-range numbers are refused; HF config dimensions beyond the model limits are refused
// before anything is sized by them.
#include <gtest/gtest.h>

#include <functional>
#include <string>

#include "isa/error.h"
#include "workloads/hf_config.h"
#include "workloads/model_cli.h"
#include "workloads/safetensors.h"
#include "workloads/values_check.h"
#include "workloads/weights.h"

#include <fstream>

namespace trnsim::workloads {
namespace {

using nlohmann::json;

std::string file_of(const std::string& header, const std::string& data) {
  std::string out(8, '\0');
  for (int i = 0; i < 8; ++i) out[size_t(i)] = char((uint64_t(header.size()) >> (8 * i)) & 0xff);
  return out + header + data;
}

std::string safetensors_error(const std::string& header, const std::string& data) {
  try {
    parse_safetensors(file_of(header, data), "w.safetensors");
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

void expect_has(const std::string& msg, std::initializer_list<const char*> parts) {
  ASSERT_FALSE(msg.empty()) << "accepted";
  for (const char* p : parts) EXPECT_NE(msg.find(p), std::string::npos) << p << " not in: " << msg;
  EXPECT_LT(msg.size(), 1000u);
}

TEST(HostileSafetensors, ShapeWhoseElementCountWrapsIsRefused) {
  // 2^62 x 4 wraps to 0 in int64; times 2 data bytes... used to match a 0-byte range.
  expect_has(safetensors_error(
                 R"({"a":{"dtype":"F32","shape":[4611686018427387904,4],"data_offsets":[0,0]}})",
                 ""),
             {"tensor 'a'", "more than 2^48 elements"});
  expect_has(safetensors_error(
                 R"({"a":{"dtype":"F32","shape":[18446744073709551615],"data_offsets":[0,4]}})",
                 std::string(4, '\0')),
             {"tensor 'a'", "more than 2^48 elements"});
}

TEST(HostileSafetensors, NonFiniteWeightsAreRefused) {
  const std::string nan_f32("\x00\x00\xc0\x7f", 4);
  expect_has(safetensors_error(R"({"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}})",
                               nan_f32),
             {"tensor 'w'", "element 0", "weights must be finite"});
}

TEST(HostileSafetensors, NumberBeyondDoubleRangeIsALocatedError) {
  expect_has(safetensors_error(R"({"__metadata__":{"x":"y"},"n":1e400})", ""),
             {"w.safetensors", "not valid JSON"});
}

TEST(HostileSafetensors, MissingFileOrDirectoryIsAnError) {
  EXPECT_THROW(read_safetensors("/nonexistent/w.safetensors"), Error);
  EXPECT_THROW(read_safetensors(::testing::TempDir()), Error);
}

json llama() {
  std::ifstream in(model_config_path("llama-3.2-1b"));
  return json::parse(in);
}

std::string hf_error(const json& j) {
  try {
    parse_hf_config(j, "cfg.json");
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(HostileHfConfig, DimensionsBeyondTheLimitsAreRefused) {
  json j = llama();
  j["num_hidden_layers"] = int64_t(1) << 31;
  expect_has(hf_error(j), {"cfg.json", "field 'num_hidden_layers'", "exceeds the limit 4096"});
  j = llama();
  j["vocab_size"] = int64_t(1) << 31;
  expect_has(hf_error(j), {"field 'vocab_size'", "exceeds the limit 4194304"});
  j = llama();
  j["hidden_size"] = uint64_t(1) << 63;  // stored unsigned; used to wrap negative
  expect_has(hf_error(j), {"field 'hidden_size'", "9223372036854775808 exceeds the limit"});
  j = llama();
  j["vocab_size"] = 128256;  // the model's own value loads
  EXPECT_EQ(hf_error(j), "");
}

TEST(HostileHfConfig, HeadDimThatRoundsToZeroIsRefused) {
  json j = llama();
  j.erase("head_dim");
  j["hidden_size"] = 16;
  j["num_attention_heads"] = 32;
  j["num_key_value_heads"] = 8;
  expect_has(hf_error(j), {"field 'num_attention_heads'", "head_dim would be 0"});
}

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(HostileValuesModel, ValuesLayersBeyondTheModelAreAnError) {
  const ModelConfig c = load_hf_config(model_config_path("llama-3.2-1b"));  // 16 layers
  EXPECT_EQ(values_config(c, 16, 0, 0).num_layers, 16);
  expect_has(error_of([&] { values_config(c, 99, 0, 0); }),
             {"cannot have 99 layers (--values-layers)", "the model has 16"});
  expect_has(error_of([&] { values_config(c, 0, 0, 0); }), {"0 layers"});
}

TEST(HostileValuesModel, WeightElementsCountEveryMatrix) {
  // Llama 3.2 1B: 16 x (q, o 2048^2; k, v 2048 x 512; gate, up, down 2048 x 8192; 2 norms)
  // + the tied embedding 128256 x 2048 + the final norm: 1,235,814,400 (its published size).
  const ModelConfig c = load_hf_config(model_config_path("llama-3.2-1b"));
  EXPECT_EQ(weight_elements(c), 1235814400);
  ModelConfig untied = c;
  untied.tie_word_embeddings = false;
  EXPECT_EQ(weight_elements(untied), 1235814400 + 128256 * 2048);
  ModelConfig wide = c;
  wide.hidden_size = int64_t(1) << 50;  // 3 x 2^50 x 8192 MLP elements overflow int64
  expect_has(error_of([&] { weight_elements(wide); }), {"weight elements", "overflows"});
}

TEST(HostileValuesModel, WeightsBeyondHostMemoryAreRefusedBeforeAllocating) {
  ModelConfig c = load_hf_config(model_config_path("llama-3.2-1b"));
  c.num_layers = 4096;
  c.hidden_size = int64_t(1) << 17;
  c.intermediate_size = int64_t(1) << 19;  // 4096 x 3 x 2^36 floats: about 3.4 PB
  expect_has(error_of([&] { random_weights(c, 1); }),
             {"the weights of 4096 layers", "bytes of host memory", "bytes available",
              "--values-layers"});
}

}  // namespace
}  // namespace trnsim::workloads
