// Hostile trace input: sizes, addresses, strides and counts chosen to overflow int64 are
// refused with a message naming the field and the limit (no wrap-around, no crash); numbers
// and texts the reader cannot hold give located, bounded errors.
#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <string>

#include "isa/checked.h"
#include "isa/error.h"
#include "isa/trace_json.h"
#include "isa/validate.h"
#include "tests/copy_trace.h"

namespace trnsim::isa {
namespace {

using nlohmann::json;

constexpr int64_t kInt64Max = std::numeric_limits<int64_t>::max();

CoreLimits limits() {
  CoreLimits l;
  l.sbuf_partition_bytes = 192 * 1024;
  l.psum_partition_bytes = 16 * 1024;
  l.psum_bank_bytes = 2048;
  l.hbm_bytes = int64_t(32) << 30;
  return l;
}

// A valid trace: x [128, 64] -> tile a -> y.
json trace() { return trnsim::testing::copy_trace_json(); }

// The error of reading + validating `j`, or "" if it is accepted.
std::string error_of(const json& j) {
  try {
    Program p = program_from_json(j);
    validate(p, limits());
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

void expect_error(const json& j, std::initializer_list<const char*> parts) {
  const std::string msg = error_of(j);
  ASSERT_FALSE(msg.empty()) << "accepted: " << j.dump();
  for (const char* s : parts) EXPECT_NE(msg.find(s), std::string::npos) << s << " not in: " << msg;
  EXPECT_LT(msg.size(), 1000u) << msg;
}

TEST(HostileInput, TheBaseTraceIsValid) { EXPECT_EQ(error_of(trace()), ""); }

TEST(HostileInput, HugeTileShapeIsRefusedNotWrapped) {
  json j = trace();
  j["tiles"][0]["shape"] = {int64_t(1) << 62};  // x 4 bytes wraps to 0
  expect_error(j, {"tile 'a'", "more than 2^48 elements"});
  j["tiles"][0]["shape"] = {int64_t(1) << 30, int64_t(1) << 30};
  expect_error(j, {"tile 'a'", "more than 2^48 elements", "281474976710656"});
}

TEST(HostileInput, FixedAddressNearInt64MaxIsRefused) {
  json j = trace();
  j["tiles"][0]["address"] = kInt64Max - 7;  // a multiple of 4; lo + size would wrap
  expect_error(j, {"tile 'a'", "ends past the sbuf capacity of 196608"});
  // Two tiles at that address used to pass the overlap check too.
  j["tiles"].push_back(j["tiles"][0]);
  j["tiles"][1]["name"] = "b";
  expect_error(j, {"tile 'a'", "ends past"});
}

TEST(HostileInput, TileLargerThanSbufIsRefusedBeforePlacement) {
  json j = trace();
  j["tiles"][0]["shape"] = {int64_t(1) << 40};
  expect_error(j, {"tile 'a'", "does not fit in sbuf", "capacity 196608"});
}

TEST(HostileInput, HbmTensorsAreBoundedByElementsAndDeviceHbm) {
  json j = trace();
  j["tensors"][0]["shape"] = {int64_t(1) << 40, int64_t(1) << 30};
  expect_error(j, {"tensor 'x'", "more than 2^48 elements"});
  j = trace();
  j["tensors"][0]["shape"] = {128, int64_t(1) << 30};  // 512 GiB of fp32
  expect_error(j, {"tensor 'x'", "549755813888 bytes", "34359738368 bytes of device HBM"});
}

TEST(HostileInput, StepBeyondTheDimIsRefused) {
  json j = trace();
  j["instructions"][0]["src"] = "x[:, 0:64:9223372036854775807]";
  expect_error(j, {"instruction 0 (dma_copy) 'load'", "step larger than the dim's size 64"});
}

TEST(HostileInput, SliceCountNeverWraps) {
  EXPECT_EQ((Slice{0, kInt64Max, kInt64Max}).count(), 1);
  EXPECT_EQ((Slice{-kInt64Max, kInt64Max, 1}).count(), kInt64Max);  // saturates
  EXPECT_EQ((Slice{0, 10, 3}).count(), 4);
  EXPECT_EQ((Slice{5, 5, 1}).count(), 0);
  EXPECT_EQ((Slice{0, 5, 0}).count(), 5);  // step 0: a partition broadcast, 5 repetitions
  EXPECT_EQ((Slice{0, 5, -1}).count(), 0);
  EXPECT_EQ((Slice{-kInt64Max, kInt64Max, 0}).count(), kInt64Max);  // saturates
}

TEST(HostileInput, IndexAtInt64MaxIsRefusedByTheViewParser) {
  json j = trace();
  j["instructions"][0]["src"] = "x[9223372036854775807]";
  expect_error(j, {"instruction 0 (dma_copy) 'load'", "field 'src'", "past the end of dim 0"});
}

TEST(HostileInput, QueueBelowMinusOneIsRefused) {
  json j = trace();
  j["instructions"][0]["queue"] = -2;
  expect_error(j, {"instruction 0 (dma_copy) 'load'", "attribute 'queue'", "-2 is not a queue"});
  j["instructions"][0]["queue"] = std::numeric_limits<uint64_t>::max();  // read as unsigned
  expect_error(j, {"instruction 0 (dma_copy) 'load'", "field 'queue'", "expected an integer"});
}

TEST(HostileInput, QueueBeyondTheTargetsQueuesIsRefusedByTheValidator) {
  CoreLimits l = limits();
  l.dma_queues = 16;
  json j = trace();
  j["instructions"][0]["queue"] = 15;
  Program ok = program_from_json(j);
  EXPECT_NO_THROW(validate(ok, l));
  for (int64_t q : {int64_t(16), int64_t(1) << 40}) {
    j["instructions"][0]["queue"] = q;
    Program p = program_from_json(j);
    try {
      validate(p, l);
      ADD_FAILURE() << "queue " << q << " accepted";
    } catch (const Error& e) {
      const std::string msg = e.what();
      EXPECT_NE(msg.find("instruction 0 (dma_copy) 'load'"), std::string::npos) << msg;
      EXPECT_NE(msg.find(std::to_string(q) + " is not a queue: the target has 16 DMA queues"),
                std::string::npos)
          << msg;
    }
  }
}

TEST(HostileInput, IntAttributesBeyondTwoToThe53AreRefused) {
  json j = trace();
  j["tiles"][0]["dtype"] = "float32";
  j["instructions"][1] = {{"op", "iota"},
                          {"dst", "a"},
                          {"pattern", {1}},
                          {"channel_multiplier", std::numeric_limits<int64_t>::min()}};
  expect_error(j, {"instruction 1 (iota)", "attribute 'channel_multiplier'",
                   "outside [-2^53, 2^53]"});
}

TEST(HostileInput, UnsignedShapeBeyondInt64IsNotAnInteger) {
  json j = trace();
  j["tensors"][0]["shape"] = {uint64_t(1) << 63, 1};
  expect_error(j, {"tensor 'x'", "field 'shape'", "expected an integer", "9223372036854775808"});
}

TEST(HostileInput, LongLabelsAndViewsAreTruncatedInMessages) {
  json j = trace();
  j["instructions"][0]["label"] = std::string(1 << 20, 'L');
  j["instructions"][0]["src"] = "x[0:129]";  // out of bounds, reported by the validator
  const std::string msg = error_of(j);
  EXPECT_NE(msg.find("LLL..."), std::string::npos) << msg.substr(0, 300);
  EXPECT_LT(msg.size(), 1000u);
  j = trace();
  std::string view = "x[";
  for (int i = 0; i < 100000; ++i) view += "0:1,";
  j["instructions"][0]["src"] = view + "0]";
  const std::string msg2 = error_of(j);
  EXPECT_NE(msg2.find("field 'src'"), std::string::npos) << msg2.substr(0, 300);
  EXPECT_LT(msg2.size(), 1000u);
}

TEST(HostileInput, CheckedHelpersThrowNamingTheField) {
  EXPECT_EQ(checked_mul(1 << 20, 1 << 20, "n"), int64_t(1) << 40);
  try {
    checked_mul(kInt64Max, 2, "tile 'a': bytes");
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("tile 'a': bytes: 9223372036854775807 x 2 overflows"),
              std::string::npos)
        << e.what();
  }
  EXPECT_THROW(checked_add(kInt64Max, 1, "x"), Error);
  EXPECT_EQ(bounded(std::string(300, 'a')).size(), 203u);
  EXPECT_EQ(bounded("short"), "short");
}

TEST(HostileInput, EchoedTextIsPrintableUtf8) {
  EXPECT_EQ(bounded("caf\xc3\xa9 \xe2\x82\xac"), "caf\xc3\xa9 \xe2\x82\xac");  // UTF-8 kept
  EXPECT_EQ(bounded("a\x8a\tb\x7f"), "a\\x8a\\x09b\\x7f");  // stray, control and DEL bytes
  EXPECT_EQ(bounded("\xc3"), "\\xc3");                       // a cut sequence
  EXPECT_EQ(bounded("\xed\xa0\x80"), "\\xed\\xa0\\x80");      // a surrogate's encoding
  EXPECT_EQ(bounded("\xc0\xaf"), "\\xc0\\xaf");                // an overlong '/'
  EXPECT_EQ(bounded("ab\xc3\xa9", 3), "ab...");  // never cut inside a character
  EXPECT_EQ(bounded("ab\xc3\xa9", 4), "ab\xc3\xa9");
}

TEST(HostileInput, ElementCountOverflowThrowsInsteadOfWrapping) {
  HbmTensor t;
  t.name = "big";
  t.shape = {int64_t(1) << 62, 4};
  EXPECT_THROW(t.elements(), Error);
  t.shape = {int64_t(1) << 61, 2};
  EXPECT_EQ(t.elements(), int64_t(1) << 62);
  EXPECT_THROW(t.bytes(), Error);  // x 4 bytes
}

}  // namespace
}  // namespace trnsim::isa
