// Hardware configs: the shipped targets load, numbers match shared/hardware/NEURONCORE.md, and
// bad configs or overrides are rejected with the key path named.
#include <gtest/gtest.h>

#include <functional>
#include <string>

#include "isa/error.h"
#include "sim/config/hw_config.h"

namespace trnsim::sim {
namespace {

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(HwConfigTest, ShippedTargetsLoadWithDocumentedNumbers) {
  const HwConfig t1 = load_target("trn1");
  EXPECT_EQ(t1.name, "trn1");
  EXPECT_DOUBLE_EQ(t1.clocks.tensor_ghz, 2.8);
  EXPECT_DOUBLE_EQ(t1.clocks.vector_ghz, 1.12);
  EXPECT_EQ(t1.memory.limits.sbuf_partition_bytes, 192 * 1024);
  EXPECT_EQ(t1.memory.limits.psum_partition_bytes / t1.memory.limits.psum_bank_bytes, 8);
  EXPECT_EQ(t1.dma.queues, 16);
  EXPECT_DOUBLE_EQ(t1.dma.queue_bytes_per_ns, 17);
  const HwConfig t2 = load_target("trn2");
  EXPECT_DOUBLE_EQ(t2.clocks.vector_ghz, 0.96);
  EXPECT_EQ(t2.memory.limits.sbuf_partition_bytes, 224 * 1024);
  EXPECT_DOUBLE_EQ(t2.dma.queue_bytes_per_ns, 23);
  const HwConfig t3 = load_target("trn3");
  EXPECT_DOUBLE_EQ(t3.clocks.vector_ghz, 1.2);
  EXPECT_EQ(t3.memory.limits.sbuf_partition_bytes * 128, 32LL * 1024 * 1024);
  EXPECT_DOUBLE_EQ(t3.dma.queue_bytes_per_ns, 33);
  // Tensor peak 128 x 128 x 2 flop x 2.8 GHz = 91.75 TFLOP/s (documented 92).
  EXPECT_NEAR(t1.tensor.rows * t1.tensor.cols * 2 * t1.clocks.tensor_ghz / 1000, 91.75, 0.01);
}

TEST(HwConfigTest, UnknownTargetIsAnError) {
  EXPECT_NE(error_of([] { load_target("trn9"); }).find("trn9"), std::string::npos);
}

TEST(HwConfigTest, UnknownKeyNamesItsPath) {
  nlohmann::json j = load_target("trn1").source;
  j["dma"]["bogus_knob"] = 3;
  const std::string msg = error_of([&] { config_from_json(j, "test.json"); });
  EXPECT_NE(msg.find("dma.bogus_knob"), std::string::npos) << msg;
  EXPECT_NE(msg.find("unknown key"), std::string::npos) << msg;
  EXPECT_NE(msg.find("test.json"), std::string::npos) << msg;
}

TEST(HwConfigTest, CommentKeysAreAllowed) {
  nlohmann::json j = load_target("trn1").source;
  j["tensor"]["_comment"] = "anything";
  EXPECT_NO_THROW(config_from_json(j, "test.json"));
}

TEST(HwConfigTest, MissingKeyNamesItsPath) {
  nlohmann::json j = load_target("trn2").source;
  j["clocks"].erase("scalar_ghz");
  const std::string msg = error_of([&] { config_from_json(j, "test.json"); });
  EXPECT_NE(msg.find("clocks.scalar_ghz"), std::string::npos) << msg;
  EXPECT_NE(msg.find("missing"), std::string::npos) << msg;
}

TEST(HwConfigTest, WrongTypeAndRangeAreErrors) {
  nlohmann::json j = load_target("trn1").source;
  j["memory"]["partitions"] = "many";
  EXPECT_NE(error_of([&] { config_from_json(j, "x"); }).find("memory.partitions"),
            std::string::npos);
  j = load_target("trn1").source;
  j["dma"]["queues"] = 0;
  EXPECT_NE(error_of([&] { config_from_json(j, "x"); }).find("dma.queues"), std::string::npos);
  j = load_target("trn1").source;
  j["dma"]["efficiency_by_bytes"] = nlohmann::json::array({{64, 0.5}, {32, 0.6}});
  EXPECT_NE(error_of([&] { config_from_json(j, "x"); }).find("increasing"), std::string::npos);
}

TEST(HwConfigTest, SetOverridesGoThroughValidation) {
  const HwConfig base = load_target("trn1");
  const HwConfig c = with_overrides(base, {"clocks.tensor_ghz=3.0", "dma.queues=8"});
  EXPECT_DOUBLE_EQ(c.clocks.tensor_ghz, 3.0);
  EXPECT_EQ(c.dma.queues, 8);
  EXPECT_DOUBLE_EQ(c.source["clocks"]["tensor_ghz"].get<double>(), 3.0);
  EXPECT_DOUBLE_EQ(base.clocks.tensor_ghz, 2.8);  // base untouched
}

TEST(HwConfigTest, BadSetIsAnError) {
  const HwConfig base = load_target("trn1");
  std::string msg = error_of([&] { with_overrides(base, {"clocks.warp_ghz=3"}); });
  EXPECT_NE(msg.find("unknown key 'clocks.warp_ghz'"), std::string::npos) << msg;
  msg = error_of([&] { with_overrides(base, {"clocks.tensor_ghz"}); });
  EXPECT_NE(msg.find("key.path=value"), std::string::npos) << msg;
  msg = error_of([&] { with_overrides(base, {"clocks.tensor_ghz=fast"}); });
  EXPECT_NE(msg.find("clocks.tensor_ghz"), std::string::npos) << msg;
  msg = error_of([&] { with_overrides(base, {"dma.queues=99"}); });
  EXPECT_NE(msg.find("dma.queues"), std::string::npos) << msg;
  msg = error_of([&] { with_overrides(base, {"clocks=1"}); });
  EXPECT_NE(msg.find("section"), std::string::npos) << msg;
}

TEST(HwConfigTest, ConfigFileErrors) {
  EXPECT_NE(error_of([] { load_config_file("/nonexistent/x.json"); }).find("cannot open"),
            std::string::npos);
}

}  // namespace
}  // namespace trnsim::sim
