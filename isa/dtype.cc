#include "isa/dtype.h"

#include <array>
#include <cmath>
#include <cstring>

// Bit-exact conversions. All narrowing works on the integer bits of the fp32 input, so the
// result does not depend on the host FPU's rounding mode or flush-to-zero setting (except
// integer encodes, which use std::rint in the default round-to-nearest-even mode).
//
// fp8 saturation (OCP OFP8 v1.0, "saturating" conversion mode):
//   - finite values whose magnitude rounds above the largest finite value become +-max finite
//     (E4M3: 448 = S.1111.110, E5M2: 57344 = S.11110.11);
//   - +-Inf input: E4M3 has no infinity encoding, so saturating mode maps it to +-448;
//     E5M2 has an infinity and OCP's saturating mode clamps only out-of-range *finite* values,
//     so +-Inf stays +-Inf (S.11111.00). Note that NVIDIA's cvt .satfinite instead maps Inf to
//     max finite for E5M2 as well; we keep Inf because an infinity is not an overflow.
//   - NaN stays NaN: E4M3 S.1111.111, E5M2 S.11111.11 (payload not kept).
// fp16 and bf16 follow IEEE 754: overflow rounds to +-Inf, NaN is quieted with its payload
// truncated to the narrower fraction.

namespace trnsim::isa {
namespace {

uint32_t float_bits(float v) {
  uint32_t b;
  std::memcpy(&b, &v, sizeof b);
  return b;
}

float bits_float(uint32_t b) {
  float v;
  std::memcpy(&v, &b, sizeof v);
  return v;
}

// A binary floating-point format narrower than fp32 (fp16, fp8 e4m3, fp8 e5m2).
struct SmallFloat {
  int exponent_bits;
  int mantissa_bits;
  int bias;
  bool ieee_specials;  // all-ones exponent means Inf/NaN (fp16, e5m2); false for OCP e4m3
  bool saturate;       // finite overflow -> max finite instead of Inf
  uint32_t max_finite_magnitude;  // encoding of the largest finite value, sign bit clear
  uint32_t nan_magnitude;         // canonical NaN with sign bit clear
  uint32_t inf_magnitude;         // result magnitude for +-Inf input
};

constexpr SmallFloat kFp16{5, 10, 15, true, false, 0x7BFF, 0x7E00, 0x7C00};
constexpr SmallFloat kE4M3{4, 3, 7, false, true, 0x7E, 0x7F, 0x7E};
constexpr SmallFloat kE5M2{5, 2, 15, true, true, 0x7B, 0x7F, 0x7C};

// Shifts `m` right by `s` (1 <= s <= 31) rounding to nearest, ties to even.
constexpr uint32_t shift_right_rne(uint32_t m, int s) {
  const uint32_t half = 1u << (s - 1);
  const uint32_t rest = m & ((half << 1) - 1);
  uint32_t q = m >> s;
  if (rest > half || (rest == half && (q & 1))) ++q;
  return q;
}

uint32_t encode_small_float(const SmallFloat& f, uint32_t in) {
  const int m_bits = f.mantissa_bits;
  const uint32_t sign = (in >> 31) << (f.exponent_bits + m_bits);
  const uint32_t a = in & 0x7FFFFFFFu;
  if (a > 0x7F800000u) {
    // NaN: fp16 keeps the top payload bits (quieted); fp8 uses its canonical NaN.
    uint32_t nan = f.nan_magnitude;
    if (f.exponent_bits == 5 && m_bits == 10) nan |= (a & 0x7FFFFFu) >> (23 - m_bits);
    return sign | nan;
  }
  if (a == 0x7F800000u) return sign | f.inf_magnitude;
  const int exp32 = int(a >> 23);       // biased fp32 exponent, 0 for zero/subnormal
  const int min_normal_exp = 1 - f.bias;  // unbiased exponent of the smallest normal
  uint32_t magnitude;
  if (exp32 - 127 >= min_normal_exp) {
    // Normal in the target: rebias the exponent in place, then round away the low fraction
    // bits. A carry out of the fraction correctly bumps the exponent (possibly into overflow).
    const uint32_t rebias = uint32_t(127 - f.bias) << 23;
    const uint32_t r = a - rebias;
    // Large inputs: anything with an exponent far above the range is overflow anyway; clamp
    // to keep the shifted value meaningful.
    if (exp32 - 127 > f.bias + 1) {
      magnitude = 0xFFFFFFFFu;
    } else {
      magnitude = shift_right_rne(r, 23 - m_bits);
    }
  } else {
    // Subnormal (or zero) in the target: value = m * 2^(e - 150) with the implicit bit made
    // explicit; the target quantum is 2^(min_normal_exp - m_bits).
    const uint32_t m = exp32 == 0 ? (a & 0x7FFFFFu) : ((a & 0x7FFFFFu) | 0x800000u);
    const int e = exp32 == 0 ? 1 : exp32;
    const int shift = (min_normal_exp - m_bits) - (e - 150);
    // m < 2^24 <= 2^(shift-1) for shift >= 25: below half the smallest subnormal -> zero.
    magnitude = shift >= 25 ? 0 : shift_right_rne(m, shift);
    // Rounding up to 2^m_bits yields exactly the smallest normal's encoding.
  }
  if (magnitude > f.max_finite_magnitude) {
    magnitude = f.saturate ? f.max_finite_magnitude
                           : ((1u << f.exponent_bits) - 1) << m_bits;  // Inf
  }
  return sign | magnitude;
}

// Decodes a small float to fp32 bits; exact (every such value is an fp32 value).
constexpr uint32_t decode_small_float(const SmallFloat& f, uint32_t bits) {
  const int m_bits = f.mantissa_bits;
  const uint32_t sign = ((bits >> (f.exponent_bits + m_bits)) & 1u) << 31;
  const uint32_t exp_field = (bits >> m_bits) & ((1u << f.exponent_bits) - 1);
  const uint32_t m = bits & ((1u << m_bits) - 1);
  const uint32_t exp_all_ones = (1u << f.exponent_bits) - 1;
  if (f.ieee_specials && exp_field == exp_all_ones) {
    if (m == 0) return sign | 0x7F800000u;
    return sign | 0x7FC00000u | (m << (23 - m_bits));
  }
  if (!f.ieee_specials && exp_field == exp_all_ones && m == (1u << m_bits) - 1) {
    return sign | 0x7FC00000u;
  }
  if (exp_field == 0) {
    if (m == 0) return sign;
    int top = 0;  // index of the highest set bit of m
    while ((m >> (top + 1)) != 0) ++top;
    const int exp32 = top + 1 - f.bias - m_bits + 127;
    return sign | (uint32_t(exp32) << 23) | ((m - (1u << top)) << (23 - top));
  }
  const int exp32 = int(exp_field) - f.bias + 127;
  return sign | (uint32_t(exp32) << 23) | (m << (23 - m_bits));
}

constexpr std::array<uint32_t, 256> make_fp8_table(const SmallFloat& f) {
  std::array<uint32_t, 256> t{};
  for (uint32_t i = 0; i < 256; ++i) t[i] = decode_small_float(f, i);
  return t;
}

constexpr std::array<uint32_t, 256> kE4M3Decode = make_fp8_table(kE4M3);
constexpr std::array<uint32_t, 256> kE5M2Decode = make_fp8_table(kE5M2);

uint32_t encode_bf16(uint32_t in) {
  if ((in & 0x7FFFFFFFu) > 0x7F800000u) return (in >> 16) | 0x0040u;  // quiet NaN
  // RNE on the low 16 bits; a carry into the exponent rounds up to the next binade or Inf.
  return (in + 0x7FFFu + ((in >> 16) & 1u)) >> 16;
}

// Rounds to nearest even and saturates to [lo, hi]; NaN -> 0.
int64_t round_saturate(float v, int64_t lo, int64_t hi) {
  if (std::isnan(v)) return 0;
  const double r = std::rint(double(v));
  if (r <= double(lo)) return lo;
  if (r >= double(hi)) return hi;
  return int64_t(r);
}

}  // namespace

int dtype_bytes(DType t) {
  switch (t) {
    case DType::kFp32:
    case DType::kInt32:
    case DType::kUint32:
      return 4;
    case DType::kBf16:
    case DType::kFp16:
    case DType::kInt16:
    case DType::kUint16:
      return 2;
    case DType::kFp8E4M3:
    case DType::kFp8E5M2:
    case DType::kInt8:
    case DType::kUint8:
      return 1;
  }
  return 4;
}

bool dtype_is_float(DType t) {
  switch (t) {
    case DType::kFp32:
    case DType::kBf16:
    case DType::kFp16:
    case DType::kFp8E4M3:
    case DType::kFp8E5M2:
      return true;
    default:
      return false;
  }
}

namespace {
struct DTypeName {
  DType type;
  std::string_view name;
  std::string_view alias;
};
constexpr DTypeName kDTypeNames[kNumDTypes] = {
    {DType::kFp32, "float32", "fp32"},          {DType::kBf16, "bfloat16", "bf16"},
    {DType::kFp16, "float16", "fp16"},          {DType::kFp8E4M3, "float8_e4m3", "fp8_e4m3"},
    {DType::kFp8E5M2, "float8_e5m2", "fp8_e5m2"}, {DType::kInt8, "int8", "int8"},
    {DType::kInt16, "int16", "int16"},          {DType::kInt32, "int32", "int32"},
    {DType::kUint8, "uint8", "uint8"},          {DType::kUint16, "uint16", "uint16"},
    {DType::kUint32, "uint32", "uint32"},
};
}  // namespace

std::string_view dtype_name(DType t) {
  for (const DTypeName& n : kDTypeNames) {
    if (n.type == t) return n.name;
  }
  return "unknown";
}

bool parse_dtype(std::string_view name, DType* out) {
  for (const DTypeName& n : kDTypeNames) {
    if (name == n.name || name == n.alias) {
      *out = n.type;
      return true;
    }
  }
  // "float8_e4m3fn" is the name numpy-side libraries (ml_dtypes, torch) use for OCP e4m3.
  if (name == "float8_e4m3fn") {
    *out = DType::kFp8E4M3;
    return true;
  }
  return false;
}

uint32_t encode(DType t, float v) {
  switch (t) {
    case DType::kFp32:
      return float_bits(v);
    case DType::kBf16:
      return encode_bf16(float_bits(v));
    case DType::kFp16:
      return encode_small_float(kFp16, float_bits(v));
    case DType::kFp8E4M3:
      return encode_small_float(kE4M3, float_bits(v));
    case DType::kFp8E5M2:
      return encode_small_float(kE5M2, float_bits(v));
    case DType::kInt8:
      return uint32_t(round_saturate(v, INT8_MIN, INT8_MAX)) & 0xFFu;
    case DType::kInt16:
      return uint32_t(round_saturate(v, INT16_MIN, INT16_MAX)) & 0xFFFFu;
    case DType::kInt32:
      return uint32_t(round_saturate(v, INT32_MIN, INT32_MAX));
    case DType::kUint8:
      return uint32_t(round_saturate(v, 0, UINT8_MAX));
    case DType::kUint16:
      return uint32_t(round_saturate(v, 0, UINT16_MAX));
    case DType::kUint32:
      return uint32_t(round_saturate(v, 0, UINT32_MAX));
  }
  return 0;
}

float decode(DType t, uint32_t bits) {
  switch (t) {
    case DType::kFp32:
      return bits_float(bits);
    case DType::kBf16:
      return bits_float((bits & 0xFFFFu) << 16);
    case DType::kFp16:
      return bits_float(decode_small_float(kFp16, bits & 0xFFFFu));
    case DType::kFp8E4M3:
      return bits_float(kE4M3Decode[bits & 0xFFu]);
    case DType::kFp8E5M2:
      return bits_float(kE5M2Decode[bits & 0xFFu]);
    case DType::kInt8:
      return float(int8_t(uint8_t(bits)));
    case DType::kInt16:
      return float(int16_t(uint16_t(bits)));
    case DType::kInt32:
      return float(int32_t(bits));
    case DType::kUint8:
      return float(bits & 0xFFu);
    case DType::kUint16:
      return float(bits & 0xFFFFu);
    case DType::kUint32:
      return float(bits);
  }
  return 0.0f;
}

float load_element(DType t, const uint8_t* p) {
  switch (dtype_bytes(t)) {
    case 1:
      return decode(t, p[0]);
    case 2:
      return decode(t, uint32_t(p[0]) | uint32_t(p[1]) << 8);
    default:
      return decode(t, uint32_t(p[0]) | uint32_t(p[1]) << 8 | uint32_t(p[2]) << 16 |
                           uint32_t(p[3]) << 24);
  }
}

void store_element(DType t, float v, uint8_t* p) {
  const uint32_t bits = encode(t, v);
  switch (dtype_bytes(t)) {
    case 4:
      p[3] = uint8_t(bits >> 24);
      p[2] = uint8_t(bits >> 16);
      [[fallthrough]];
    case 2:
      p[1] = uint8_t(bits >> 8);
      [[fallthrough]];
    default:
      p[0] = uint8_t(bits);
  }
}

}  // namespace trnsim::isa
