// json_number: the same text as std::to_chars's shortest round trip for every double, with the
// whole-picosecond fast path (sim/trace/json_number.cc) checked against it; integer_text
// against std::to_chars, us_of_ps and whole_ps against independent references.
#include "sim/trace/json_number.h"

#include <gtest/gtest.h>

#include <charconv>
#include <cmath>
#include <cstring>
#include <cstdint>
#include <limits>
#include <random>
#include <string>

namespace trnsim::sim {
namespace {

std::string text(double v) {
  char buf[kNumberTextRoom];
  return std::string(buf, json_number(v, buf));
}

std::string reference(double v) {
  char buf[64];
  return std::string(buf, size_t(std::to_chars(buf, buf + sizeof buf, v).ptr - buf));
}

TEST(JsonNumber, NonFiniteIsNull) {
  EXPECT_EQ(text(std::numeric_limits<double>::quiet_NaN()), "null");
  EXPECT_EQ(text(std::numeric_limits<double>::infinity()), "null");
  EXPECT_EQ(text(-std::numeric_limits<double>::infinity()), "null");
}

TEST(JsonNumber, WholePicosecondTimesMatchToChars) {
  // Shapes that pick fixed or scientific: trailing zeros, leading fraction zeros, ties.
  for (double v : {0.0, -0.0, 0.001, 0.01, 0.1, 0.5, 1.0, 10.0, 100.0, 1000.0, 10000.0, 1e5,
                   1e6, 1e7, 1.5e6, 12e5, 123e4, 1234.5, 1234.567, 0.012, 0.0123, 100.001,
                   999999.999, 1e9, 1e11, 1.099e12, 0x1p40 - 1, -0.001, -1e6, -1234.567})
    EXPECT_EQ(text(v), reference(v)) << v;
  std::mt19937_64 rng(7);
  for (int i = 0; i < 400000; ++i) {
    // ps values of every magnitude up to 2^50, some with many trailing zeros
    const int bits = int(rng() % 51);
    int64_t ps = int64_t(rng() & ((uint64_t(1) << bits) - 1));
    for (uint64_t z = rng() % 8; z > 0 && ps < (int64_t(1) << 46); --z) ps *= 10;
    if (rng() & 1) ps = -ps;
    const double v = double(ps) / 1000.0;
    ASSERT_EQ(text(v), reference(v)) << "ps " << ps;
  }
}

TEST(JsonNumber, OtherDoublesMatchToChars) {
  std::mt19937_64 rng(11);
  for (int i = 0; i < 200000; ++i) {
    uint64_t bits = rng();
    double v;
    static_assert(sizeof v == sizeof bits);
    std::memcpy(&v, &bits, sizeof v);
    if (!std::isfinite(v)) continue;
    ASSERT_EQ(text(v), reference(v)) << bits;
    const double near_ps = double(int64_t(rng() % (uint64_t(1) << 40))) / 1000.0 + 1e-7;
    ASSERT_EQ(text(near_ps), reference(near_ps));
  }
  for (double v : {0x1p40, 0x1p41 / 1000.0 * 1000.0, 1e300, 5e-324, 1.0 / 3.0, 0.1 + 0.2})
    EXPECT_EQ(text(v), reference(v)) << v;
}

std::string us_text(int64_t ps) {
  char buf[kNumberTextRoom];
  return std::string(buf, us_of_ps(ps, buf));
}

// The same decimal by independent means: sign, whole microseconds, six fraction digits.
std::string us_reference(int64_t ps) {
  const uint64_t a = ps < 0 ? uint64_t(0) - uint64_t(ps) : uint64_t(ps);
  std::string frac = std::to_string(a % 1000000);
  return (ps < 0 ? "-" : "") + std::to_string(a / 1000000) + "." +
         std::string(6 - frac.size(), '0') + frac;
}

TEST(JsonNumber, MicrosecondsOfPicosecondsAreExactDecimals) {
  EXPECT_EQ(us_text(0), "0.000000");
  EXPECT_EQ(us_text(1234567), "1.234567");
  EXPECT_EQ(us_text(-5), "-0.000005");
  EXPECT_EQ(us_text(INT64_MIN), "-9223372036854.775808");
  EXPECT_EQ(us_text(INT64_MAX), "9223372036854.775807");
  std::mt19937_64 rng(5);
  for (int i = 0; i < 200000; ++i) {
    const int64_t ps = int64_t(rng() >> (rng() % 64));  // every magnitude, both signs
    ASSERT_EQ(us_text(ps), us_reference(ps)) << ps;
    ASSERT_EQ(us_text(-ps), us_reference(-ps)) << ps;
  }
}

template <typename Int>
void expect_integer_text_matches_to_chars(Int v) {
  char buf[kNumberTextRoom], ref[32];
  const std::string got(buf, integer_text(v, buf));
  ASSERT_EQ(got, std::string(ref, size_t(std::to_chars(ref, ref + sizeof ref, v).ptr - ref))) << v;
}

TEST(JsonNumber, IntegersMatchToChars) {
  for (int64_t v : {int64_t(0), int64_t(9), int64_t(10), int64_t(99), int64_t(100), int64_t(-1),
                    int64_t(-10), INT64_MIN, INT64_MAX})
    expect_integer_text_matches_to_chars(v);
  for (uint64_t v : {uint64_t(0), uint64_t(7), UINT64_MAX, uint64_t(INT64_MAX) + 1})
    expect_integer_text_matches_to_chars(v);
  std::mt19937_64 rng(9);
  for (int i = 0; i < 200000; ++i) {
    const uint64_t bits = rng() >> (rng() % 64);  // every length
    expect_integer_text_matches_to_chars(bits);
    expect_integer_text_matches_to_chars(int64_t(bits));
    expect_integer_text_matches_to_chars(-int64_t(bits >> 1));
  }
}

TEST(JsonNumber, WholePicosecondsRoundLikeLlround) {
  std::mt19937_64 rng(3);
  std::uniform_real_distribution<double> unit(-1, 1);
  for (int i = 0; i < 200000; ++i) {
    const double ns = unit(rng) * std::ldexp(1.0, int(rng() % 64) - 10);
    ASSERT_EQ(whole_ps(ns), std::llround(ns * 1000.0)) << ns;
  }
  // Halfway and next-to-halfway products, where truncate-and-compare must not slip.
  for (const double ps : {0.5, 1.5, 2.5, -0.5, -2.5, 0.49999999999999994, 4503599627370495.5,
                          0x1p52, 0x1p62, -0x1p62, 1e19}) {
    const double ns = ps / 1000.0;
    EXPECT_EQ(whole_ps(ns), std::llround(ns * 1000.0)) << ps;
    EXPECT_EQ(whole_ps(std::nextafter(ns, 0.0)), std::llround(std::nextafter(ns, 0.0) * 1000.0));
  }
}

}  // namespace
}  // namespace trnsim::sim
