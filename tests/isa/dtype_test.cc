// Bit-exact dtype conversions, checked against an independent reference that enumerates every
// representable value of a format in double arithmetic and picks the nearest (ties to even).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <vector>

#include "isa/dtype.h"

namespace trnsim::isa {
namespace {

float f32_from_bits(uint32_t b) {
  float v;
  std::memcpy(&v, &b, 4);
  return v;
}

uint32_t bits_of(float v) {
  uint32_t b;
  std::memcpy(&b, &v, 4);
  return b;
}

// Reference model of a narrow binary float format, built from its field widths only.
struct RefFormat {
  DType type;
  int exponent_bits;
  int mantissa_bits;
  int bias;
  bool ieee_specials;  // all-ones exponent = Inf/NaN; false: OCP e4m3 (only S.1111.111 is NaN)
  bool saturate;       // finite overflow -> max finite

  uint32_t sign_bit() const { return 1u << (exponent_bits + mantissa_bits); }

  // Value of an encoding, computed with double arithmetic.
  double value(uint32_t bits) const {
    const double sign = (bits & sign_bit()) ? -1.0 : 1.0;
    const uint32_t e = (bits >> mantissa_bits) & ((1u << exponent_bits) - 1);
    const uint32_t m = bits & ((1u << mantissa_bits) - 1);
    const uint32_t e_max = (1u << exponent_bits) - 1;
    if (ieee_specials && e == e_max) {
      return m == 0 ? sign * std::numeric_limits<double>::infinity()
                    : std::numeric_limits<double>::quiet_NaN();
    }
    if (!ieee_specials && e == e_max && m == (1u << mantissa_bits) - 1) {
      return std::numeric_limits<double>::quiet_NaN();
    }
    const double frac = double(m) / std::pow(2.0, mantissa_bits);
    if (e == 0) return sign * frac * std::pow(2.0, 1 - bias);
    return sign * (1.0 + frac) * std::pow(2.0, int(e) - bias);
  }

  // Non-negative finite values, index == encoding.
  std::vector<double> positive_values() const {
    std::vector<double> v;
    for (uint32_t b = 0; b < sign_bit(); ++b) {
      const double x = value(b);
      if (!std::isfinite(x)) break;
      v.push_back(x);
    }
    return v;
  }

  // Expected encoding of a non-NaN `x` (round to nearest, ties to even encoding).
  uint32_t encode(const std::vector<double>& values, double x) const {
    const uint32_t sign = std::signbit(x) ? sign_bit() : 0;
    const double a = std::fabs(x);
    const uint32_t max_index = uint32_t(values.size() - 1);
    const uint32_t inf_bits = ((1u << exponent_bits) - 1) << mantissa_bits;
    if (std::isinf(a)) return sign | (saturate ? max_index : inf_bits);
    // One step past the largest finite value, as if the exponent range continued.
    const double beyond = values.back() + (values.back() - values[max_index - 1]);
    uint32_t lo_index;
    double lo, hi;
    bool hi_is_overflow = false;
    if (a >= values.back()) {
      lo_index = max_index;
      lo = values.back();
      hi = beyond;
      hi_is_overflow = true;
    } else {
      auto it = std::upper_bound(values.begin(), values.end(), a);
      lo_index = uint32_t(it - values.begin()) - 1;
      lo = values[lo_index];
      hi = *it;
    }
    uint32_t pick;
    if (a - lo < hi - a) {
      pick = lo_index;
    } else if (a - lo > hi - a) {
      pick = lo_index + 1;
    } else {
      pick = (lo_index % 2 == 0) ? lo_index : lo_index + 1;
    }
    if (hi_is_overflow && pick == lo_index + 1) {
      return sign | (saturate ? max_index : inf_bits);
    }
    if (a == 0) pick = 0;
    return sign | pick;
  }
};

const RefFormat kRefBf16{DType::kBf16, 8, 7, 127, true, false};
const RefFormat kRefFp16{DType::kFp16, 5, 10, 15, true, false};
const RefFormat kRefE4M3{DType::kFp8E4M3, 4, 3, 7, false, true};
const RefFormat kRefE5M2{DType::kFp8E5M2, 5, 2, 15, true, true};
const RefFormat* const kRefFormats[] = {&kRefBf16, &kRefFp16, &kRefE4M3, &kRefE5M2};

TEST(DTypeTest, SizesNamesAndParsing) {
  EXPECT_EQ(dtype_bytes(DType::kFp32), 4);
  EXPECT_EQ(dtype_bytes(DType::kBf16), 2);
  EXPECT_EQ(dtype_bytes(DType::kFp16), 2);
  EXPECT_EQ(dtype_bytes(DType::kFp8E4M3), 1);
  EXPECT_EQ(dtype_bytes(DType::kFp8E5M2), 1);
  EXPECT_EQ(dtype_bytes(DType::kInt16), 2);
  EXPECT_EQ(dtype_bytes(DType::kUint32), 4);
  EXPECT_TRUE(dtype_is_float(DType::kFp8E5M2));
  EXPECT_FALSE(dtype_is_float(DType::kUint8));
  EXPECT_EQ(dtype_name(DType::kBf16), "bfloat16");
  EXPECT_EQ(dtype_name(DType::kFp8E4M3), "float8_e4m3");
  for (int i = 0; i < kNumDTypes; ++i) {
    const DType t = DType(i);
    DType parsed = DType::kFp32;
    ASSERT_TRUE(parse_dtype(dtype_name(t), &parsed)) << dtype_name(t);
    EXPECT_EQ(parsed, t);
  }
  DType t = DType::kFp32;
  EXPECT_TRUE(parse_dtype("bf16", &t));
  EXPECT_EQ(t, DType::kBf16);
  EXPECT_TRUE(parse_dtype("fp8_e5m2", &t));
  EXPECT_EQ(t, DType::kFp8E5M2);
  EXPECT_FALSE(parse_dtype("float64", &t));
  EXPECT_FALSE(parse_dtype("", &t));
}

// Every bit pattern decodes to the reference value and encodes back to itself.
TEST(DTypeTest, ExhaustiveDecodeAndRoundTrip) {
  for (const RefFormat* f : kRefFormats) {
    const uint32_t patterns = f->sign_bit() << 1;
    for (uint32_t b = 0; b < patterns; ++b) {
      const double want = f->value(b);
      const float got = decode(f->type, b);
      if (std::isnan(want)) {
        ASSERT_TRUE(std::isnan(got)) << dtype_name(f->type) << " bits " << b;
        ASSERT_TRUE(std::isnan(decode(f->type, encode(f->type, got))));
        continue;
      }
      ASSERT_EQ(double(got), want) << dtype_name(f->type) << " bits " << b;
      ASSERT_EQ(std::signbit(got), (b & f->sign_bit()) != 0) << dtype_name(f->type) << " " << b;
      ASSERT_EQ(encode(f->type, got), b) << dtype_name(f->type) << " bits " << b;
    }
  }
}

// Every interval between neighbouring values: its ends, its midpoint (a tie) and the floats
// just either side of the midpoint; also points beyond the largest value.
TEST(DTypeTest, AllTiesAndNeighboursMatchReference) {
  for (const RefFormat* f : kRefFormats) {
    const std::vector<double> values = f->positive_values();
    std::vector<double> probes;
    for (size_t i = 0; i + 1 < values.size(); ++i) {
      const float mid = float((values[i] + values[i + 1]) / 2);
      ASSERT_EQ(double(mid), (values[i] + values[i + 1]) / 2) << "midpoint not exact in fp32";
      probes.insert(probes.end(), {values[i], double(mid), double(std::nextafter(mid, 0.0f)),
                                   double(std::nextafter(mid, 1e30f))});
    }
    const double top = values.back(), step = top - values[values.size() - 2];
    for (double x : {top, top + step / 2, top + step / 4, top + 3 * step / 4, top + step, 2 * top,
                     double(std::numeric_limits<float>::max())}) {
      if (x <= double(std::numeric_limits<float>::max())) probes.push_back(double(float(x)));
    }
    for (double x : probes) {
      for (double s : {1.0, -1.0}) {
        const float v = float(s * x);
        ASSERT_EQ(encode(f->type, v), f->encode(values, double(v)))
            << dtype_name(f->type) << " value " << double(v);
      }
    }
  }
}

TEST(DTypeTest, RandomFp32BitsMatchReference) {
  std::mt19937 rng(1234);
  for (const RefFormat* f : kRefFormats) {
    const std::vector<double> values = f->positive_values();
    for (int i = 0; i < 300000; ++i) {
      uint32_t b = rng();
      // Half of the samples near the format's range, where the interesting rounding happens.
      if (i % 2) b = (b & 0x807FFFFFu) | (uint32_t(127 - f->bias - 12 + int(rng() % 40)) << 23);
      const float v = f32_from_bits(b);
      if (std::isnan(v)) {
        ASSERT_TRUE(std::isnan(decode(f->type, encode(f->type, v))));
        continue;
      }
      ASSERT_EQ(encode(f->type, v), f->encode(values, double(v)))
          << dtype_name(f->type) << " value " << double(v) << " bits " << b;
    }
  }
}

TEST(DTypeTest, HandPickedFp16) {
  const DType h = DType::kFp16;
  EXPECT_EQ(encode(h, 1.0f), 0x3C00u);
  EXPECT_EQ(encode(h, 1.0f + std::ldexp(1.0f, -11)), 0x3C00u);      // tie, even stays
  EXPECT_EQ(encode(h, 1.0f + 3 * std::ldexp(1.0f, -11)), 0x3C02u);  // tie, odd rounds up
  EXPECT_EQ(encode(h, 65504.0f), 0x7BFFu);
  EXPECT_EQ(encode(h, 65519.996f), 0x7BFFu);
  EXPECT_EQ(encode(h, 65520.0f), 0x7C00u);  // tie with the (virtual) next binade -> Inf
  EXPECT_EQ(encode(h, -1e10f), 0xFC00u);
  EXPECT_EQ(encode(h, std::numeric_limits<float>::infinity()), 0x7C00u);
  EXPECT_EQ(encode(h, std::ldexp(1.0f, -24)), 0x0001u);         // smallest subnormal
  EXPECT_EQ(encode(h, std::ldexp(1.0f, -25)), 0x0000u);         // tie with zero -> zero
  EXPECT_EQ(encode(h, std::ldexp(1.01f, -25)), 0x0001u);
  EXPECT_EQ(encode(h, std::ldexp(3.0f, -25)), 0x0002u);         // 1.5 quanta tie -> 2
  EXPECT_EQ(encode(h, std::ldexp(1023.0f, -24)), 0x03FFu);      // largest subnormal
  EXPECT_EQ(encode(h, std::ldexp(2047.0f, -25)), 0x0400u);      // tie into smallest normal
  EXPECT_EQ(encode(h, -std::ldexp(1.0f, -26)), 0x8000u);        // underflow keeps sign
  EXPECT_EQ(decode(h, 0x0001), std::ldexp(1.0f, -24));
  EXPECT_EQ(decode(h, 0x7BFF), 65504.0f);
  EXPECT_TRUE(std::isinf(decode(h, 0xFC00)) && decode(h, 0xFC00) < 0);
  EXPECT_TRUE(std::isnan(decode(h, 0x7E00)));
  EXPECT_EQ(encode(h, std::numeric_limits<float>::quiet_NaN()) & 0x7E00u, 0x7E00u);
}

TEST(DTypeTest, HandPickedBf16) {
  const DType b = DType::kBf16;
  EXPECT_EQ(encode(b, 1.0f), 0x3F80u);
  EXPECT_EQ(encode(b, 1.0f + std::ldexp(1.0f, -8)), 0x3F80u);      // tie, even
  EXPECT_EQ(encode(b, 1.0f + 3 * std::ldexp(1.0f, -8)), 0x3F82u);  // tie, odd -> up
  EXPECT_EQ(encode(b, 1.0f + std::ldexp(1.0f, -8) + std::ldexp(1.0f, -20)), 0x3F81u);
  EXPECT_EQ(encode(b, std::numeric_limits<float>::max()), 0x7F80u);  // overflow -> Inf
  EXPECT_EQ(encode(b, f32_from_bits(0x7F7F7FFF)), 0x7F7Fu);
  EXPECT_EQ(encode(b, f32_from_bits(0x7F7F8000)), 0x7F80u);  // tie above max -> Inf
  EXPECT_EQ(encode(b, f32_from_bits(0x00008000)), 0x0000u);  // subnormal tie -> even zero
  EXPECT_EQ(encode(b, f32_from_bits(0x00018000)), 0x0002u);  // subnormal tie -> even 2
  EXPECT_EQ(encode(b, f32_from_bits(0x007FFFFF)), 0x0080u);  // into smallest normal
  EXPECT_EQ(encode(b, -0.0f), 0x8000u);
  EXPECT_TRUE(std::isnan(decode(b, encode(b, f32_from_bits(0x7F800001)))));  // sNaN kept NaN
  EXPECT_EQ(decode(b, 0x4049), 3.140625f);
}

TEST(DTypeTest, HandPickedFp8) {
  const DType e4 = DType::kFp8E4M3, e5 = DType::kFp8E5M2;
  const float inf = std::numeric_limits<float>::infinity();
  EXPECT_EQ(decode(e4, 0x7E), 448.0f);
  EXPECT_TRUE(std::isnan(decode(e4, 0x7F)));
  EXPECT_TRUE(std::isnan(decode(e4, 0xFF)));
  EXPECT_EQ(decode(e4, 0x78), 256.0f);  // exponent 1111 is a normal binade in e4m3
  EXPECT_EQ(decode(e4, 0x01), std::ldexp(1.0f, -9));
  EXPECT_EQ(decode(e4, 0x08), std::ldexp(1.0f, -6));
  EXPECT_EQ(encode(e4, 448.0f), 0x7Eu);
  EXPECT_EQ(encode(e4, 464.0f), 0x7Eu);  // would round to S.1111.111 (NaN): saturates
  EXPECT_EQ(encode(e4, 1e6f), 0x7Eu);
  EXPECT_EQ(encode(e4, -1e6f), 0xFEu);
  EXPECT_EQ(encode(e4, inf), 0x7Eu);
  EXPECT_EQ(encode(e4, -inf), 0xFEu);
  EXPECT_EQ(encode(e4, std::numeric_limits<float>::quiet_NaN()), 0x7Fu);
  EXPECT_EQ(encode(e4, -std::numeric_limits<float>::quiet_NaN()), 0xFFu);
  EXPECT_EQ(encode(e4, std::ldexp(1.0f, -10)), 0x00u);  // half the smallest subnormal: tie
  EXPECT_EQ(encode(e4, std::ldexp(3.0f, -10)), 0x02u);
  EXPECT_EQ(encode(e4, 1.0625f), 0x38u);  // tie between 1 and 1.125 -> 1
  EXPECT_EQ(encode(e4, 1.1875f), 0x3Au);  // tie between 1.125 and 1.25 -> 1.25
  EXPECT_EQ(decode(e5, 0x7B), 57344.0f);
  EXPECT_TRUE(std::isinf(decode(e5, 0x7C)));
  EXPECT_TRUE(std::isnan(decode(e5, 0x7D)));
  EXPECT_EQ(encode(e5, 61440.0f), 0x7Bu);  // tie above max saturates
  EXPECT_EQ(encode(e5, 1e9f), 0x7Bu);
  EXPECT_EQ(encode(e5, inf), 0x7Cu);
  EXPECT_EQ(encode(e5, -inf), 0xFCu);
  EXPECT_TRUE(std::isnan(decode(e5, encode(e5, std::numeric_limits<float>::quiet_NaN()))));
  EXPECT_EQ(encode(e5, std::ldexp(1.0f, -16)), 0x01u);
  EXPECT_EQ(encode(e5, std::ldexp(1.0f, -17)), 0x00u);
}

TEST(DTypeTest, IntegersRoundToEvenAndSaturate) {
  EXPECT_EQ(encode(DType::kInt8, 2.5f), 2u);
  EXPECT_EQ(encode(DType::kInt8, 3.5f), 4u);
  EXPECT_EQ(encode(DType::kInt8, -2.5f), 0xFEu);
  EXPECT_EQ(encode(DType::kInt8, -0.5f), 0u);
  EXPECT_EQ(encode(DType::kInt8, 0.5f), 0u);
  EXPECT_EQ(encode(DType::kInt8, 0.50001f), 1u);
  EXPECT_EQ(encode(DType::kInt8, 127.5f), 127u);
  EXPECT_EQ(encode(DType::kInt8, 300.0f), 127u);
  EXPECT_EQ(encode(DType::kInt8, -300.0f), 0x80u);
  EXPECT_EQ(encode(DType::kInt8, -128.4f), 0x80u);
  EXPECT_EQ(encode(DType::kInt8, std::numeric_limits<float>::quiet_NaN()), 0u);
  EXPECT_EQ(encode(DType::kInt16, -32768.5f), 0x8000u);
  EXPECT_EQ(encode(DType::kInt16, 40000.0f), 0x7FFFu);
  EXPECT_EQ(encode(DType::kInt32, 2147483648.0f), 0x7FFFFFFFu);
  EXPECT_EQ(encode(DType::kInt32, -2147483648.0f), 0x80000000u);
  EXPECT_EQ(encode(DType::kInt32, -std::numeric_limits<float>::infinity()), 0x80000000u);
  EXPECT_EQ(encode(DType::kInt32, 16777216.0f), 16777216u);
  EXPECT_EQ(encode(DType::kUint8, -1.0f), 0u);
  EXPECT_EQ(encode(DType::kUint8, -0.6f), 0u);
  EXPECT_EQ(encode(DType::kUint8, 255.5f), 255u);
  EXPECT_EQ(encode(DType::kUint8, 254.5f), 254u);
  EXPECT_EQ(encode(DType::kUint16, 1e9f), 0xFFFFu);
  EXPECT_EQ(encode(DType::kUint32, 4294967296.0f), 0xFFFFFFFFu);
  EXPECT_EQ(encode(DType::kUint32, std::numeric_limits<float>::infinity()), 0xFFFFFFFFu);
  EXPECT_EQ(encode(DType::kUint32, std::numeric_limits<float>::quiet_NaN()), 0u);
  EXPECT_EQ(decode(DType::kInt8, 0x80), -128.0f);
  EXPECT_EQ(decode(DType::kInt8, 0xFF), -1.0f);
  EXPECT_EQ(decode(DType::kInt16, 0x8000), -32768.0f);
  EXPECT_EQ(decode(DType::kInt32, 0x80000000u), -2147483648.0f);
  EXPECT_EQ(decode(DType::kUint16, 0xFFFF), 65535.0f);
  EXPECT_EQ(decode(DType::kUint32, 0xFFFFFFFFu), 4294967296.0f);  // nearest fp32
}

// Integer encodes against a reference written with integer arithmetic on halves.
TEST(DTypeTest, IntegersMatchReferenceOnHalfSteps) {
  struct Range {
    DType t;
    int64_t lo, hi;
  };
  const Range ranges[] = {{DType::kInt8, -128, 127},       {DType::kInt16, -32768, 32767},
                          {DType::kUint8, 0, 255},         {DType::kUint16, 0, 65535},
                          {DType::kInt32, INT32_MIN, INT32_MAX}, {DType::kUint32, 0, UINT32_MAX}};
  for (const Range& r : ranges) {
    const int bits = 8 * dtype_bytes(r.t);
    const uint32_t mask = bits == 32 ? 0xFFFFFFFFu : (1u << bits) - 1;
    for (int64_t twice = -140000; twice <= 140000; ++twice) {  // x = twice / 2
      int64_t q = twice >= 0 ? twice / 2 : -((-twice) / 2);    // truncate toward zero
      if (twice % 2 != 0 && (q % 2 != 0)) q += twice > 0 ? 1 : -1;  // tie: go to the even one
      const int64_t want = std::min(std::max(q, r.lo), r.hi);
      ASSERT_EQ(encode(r.t, float(twice) / 2), uint32_t(want) & mask)
          << dtype_name(r.t) << " x=" << double(twice) / 2;
    }
  }
}

TEST(DTypeTest, LoadStoreAreLittleEndian) {
  uint8_t buf[4] = {0, 0, 0, 0};
  store_element(DType::kFp32, 1.0f, buf);
  EXPECT_EQ(buf[3], 0x3F);
  EXPECT_EQ(buf[2], 0x80);
  EXPECT_EQ(load_element(DType::kFp32, buf), 1.0f);
  store_element(DType::kBf16, -2.0f, buf);
  EXPECT_EQ(buf[0], 0x00);
  EXPECT_EQ(buf[1], 0xC0);
  EXPECT_EQ(load_element(DType::kBf16, buf), -2.0f);
  store_element(DType::kInt16, -2.0f, buf);
  EXPECT_EQ(buf[0], 0xFE);
  EXPECT_EQ(buf[1], 0xFF);
  EXPECT_EQ(load_element(DType::kInt16, buf), -2.0f);
  buf[1] = 0x77;  // a 1-byte type must not touch the next byte
  store_element(DType::kFp8E4M3, 1.0f, buf);
  EXPECT_EQ(buf[0], 0x38);
  EXPECT_EQ(buf[1], 0x77);
  EXPECT_EQ(round_to(DType::kFp8E4M3, 1.1f), 1.125f);
  EXPECT_EQ(bits_of(round_to(DType::kFp32, 0.1f)), bits_of(0.1f));
}

}  // namespace
}  // namespace trnsim::isa
