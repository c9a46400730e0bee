// Hostile hardware configs: values that would overflow int64, be truncated into an int, or
// make the run hang are refused with the key named; repeated keys in a --hw file are errors.
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <functional>
#include <string>

#include "isa/error.h"
#include "sim/config/hw_config.h"
#include "sim/core/timing_plan.h"
#include "tests/temp_dir.h"

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

std::string set_error(const std::string& item) {
  return error_of([&] { with_overrides(load_target("trn1"), {item}); });
}

void expect_has(const std::string& msg, std::initializer_list<const char*> parts) {
  ASSERT_FALSE(msg.empty()) << "accepted";
  for (const char* p : parts) EXPECT_NE(msg.find(p), std::string::npos) << p << " not in: " << msg;
}

TEST(HostileConfig, QueueCountBeyondIntIsNotTruncated) {
  expect_has(set_error("dma.queues=4294967297"),
             {"dma.queues", "outside the 32-bit integer range"});
}

TEST(HostileConfig, IntegersBeyondTwoToThe53AreRefused) {
  expect_has(set_error("vector.min_ii_cycles=9007199254740993"),
             {"vector.min_ii_cycles", "outside the integer range [-2^53, 2^53]"});
  expect_has(set_error("vector.min_ii_cycles=1e300"), {"vector.min_ii_cycles", "outside"});
  expect_has(set_error("vector.min_ii_cycles=18446744073709551615"),
             {"vector.min_ii_cycles", "outside"});
  EXPECT_EQ(set_error("vector.min_ii_cycles=9007199254740992"), "");  // 2^53 itself loads
}

TEST(HostileConfig, ClocksOutsideOneMegahertzToOneTerahertzAreRefused) {
  expect_has(set_error("clocks.tensor_ghz=1e-300"), {"clocks.tensor_ghz", "[0.001, 1000] GHz"});
  expect_has(set_error("clocks.vector_ghz=1e6"), {"clocks.vector_ghz", "[0.001, 1000] GHz"});
  EXPECT_EQ(set_error("clocks.vector_ghz=0.001"), "");
}

TEST(HostileConfig, NumberBeyondDoubleRangeIsAString) {
  expect_has(set_error("dma.fixed_ns=1e400"), {"dma.fixed_ns", "expected a number"});
}

TEST(HostileConfig, CostsBeyondTheTimeRangeAreErrorsNotWrapped) {
  expect_has(error_of([] { cycles_to_ps(int64_t(1) << 53, 1.0); }),
             {"instruction cost", "outside [0, 2^44] ps"});
  EXPECT_EQ(cycles_to_ps(1000, 2.0), 500000);
}

TEST(HostileConfig, SetValueWithInvalidUtf8IsAnErrorNotAJsonException) {
  // Found by fuzz_hw_config (tests/fuzz/regressions): echoing the value threw type_error 316.
  expect_has(set_error("clocks.vector_ghz=0.4\x8a"), {"clocks.vector_ghz", "expected a number"});
}

TEST(HostileConfig, RepeatedKeyInAHwFileIsAnError) {
  const trnsim::testing::TempDir tmp;
  const std::string path = tmp / "dup_hw.json";
  {
    std::ofstream out(path);
    out << R"({"name": "a", "name": "b"})";
  }
  expect_has(error_of([&] { load_config_file(path); }),
             {path.c_str(), "key 'name' repeated in one object"});
}

TEST(HostileConfig, HbmCapacityIsLoadedFromTheTarget) {
  EXPECT_EQ(load_target("trn1").memory.limits.hbm_bytes, int64_t(32) << 30);
  EXPECT_EQ(load_target("trn2").memory.limits.hbm_bytes, int64_t(96) << 30);
  EXPECT_EQ(load_target("trn3").memory.limits.hbm_bytes, int64_t(144) << 30);
  expect_has(set_error("memory.hbm_bytes=0"), {"memory.hbm_bytes", "must be > 0"});
}

}  // namespace
}  // namespace trnsim::sim
