#include "sim/trace/json_number.h"

#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstring>

namespace trnsim::sim {
namespace {

// "00" .. "99": two decimal digits per lookup.
constexpr char kDigitPairs[] =
    "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
    "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
    "8081828384858687888990919293949596979899";

// The decimal digits of m, right-aligned to end: returns where they begin.
char* digits_before(uint64_t m, char* end) {
  char* q = end;
  while (m >= 100) {
    q -= 2;
    std::memcpy(q, kDigitPairs + 2 * (m % 100), 2);
    m /= 100;
  }
  if (m >= 10) {
    q -= 2;
    std::memcpy(q, kDigitPairs + 2 * m, 2);
  } else {
    *--q = char('0' + m);
  }
  return q;
}

// Timeline times are whole picoseconds written as ns, v = ps / 1000. Below 2^40 ns doubles are
// less than 2^-12 ns apart, so the decimal of ps / 1000 is the only decimal with at most three
// fraction digits that rounds to v and no decimal with fewer significant digits does: it is the
// shortest round trip, and its digits are those of ps without trailing zeros. Formatting them
// from the integer skips the general shortest-digits search (~430 instructions a number).
// Returns 0 when v is not such a time (the caller falls back to std::to_chars).
// Digits are moved in fixed 16-byte copies (at most 16 digits; buf has room for the excess).
size_t whole_ps_number(double v, char* buf) {
  if (v == 0) {  // to_chars writes the sign of -0
    if (std::signbit(v)) {
      std::memcpy(buf, "-0", 2);
      return 2;
    }
    buf[0] = '0';
    return 1;
  }
  if (!(std::fabs(v) < 0x1p40)) return 0;
  const double scaled = v * 1000.0;  // |scaled| < 2^50: the cast is exact after rounding
  const int64_t ps = static_cast<int64_t>(scaled < 0 ? scaled - 0.5 : scaled + 0.5);
  if (static_cast<double>(ps) / 1000.0 != v) return 0;
  uint64_t m = ps < 0 ? uint64_t(-ps) : uint64_t(ps);
  int e = -3;  // v = +-m * 10^e
  while (m % 10 == 0) {
    m /= 10;
    ++e;
  }
  char scratch[48] = {};  // digits end at scratch + 24; 16-byte reads from them stay inside
  const char* digits = digits_before(m, scratch + 24);
  const int len = int(scratch + 24 - digits);
  const int exp10 = e + len - 1;  // of the first digit; within [-3, 12] here
  const int sci_len = len + (len > 1 ? 1 : 0) + 4;  // d[.ddd]e+XX
  const int fixed_len = e >= 0 ? len + e : (len > -e ? len + 1 : 2 - e);
  static_assert(kNumberTextRoom >= 1 + 16 + 1 + 16, "room for the fixed-size copies");
  char* p = buf;
  if (ps < 0) *p++ = '-';
  if (fixed_len <= sci_len) {
    if (e >= 0) {
      std::memcpy(p, digits, 16);
      std::memset(p + len, '0', 16);  // e <= 12
      p += len + e;
    } else if (len > -e) {
      const int whole = len + e;
      std::memcpy(p, digits, 16);
      p[whole] = '.';
      std::memcpy(p + whole + 1, digits + whole, 16);
      p += len + 1;
    } else {
      std::memcpy(p, "0.00", 4);  // -e - len <= 2 zeros after the point
      std::memcpy(p + 2 - e - len, digits, 16);
      p += 2 - e;
    }
  } else {
    *p++ = digits[0];
    if (len > 1) {
      *p++ = '.';
      std::memcpy(p, digits + 1, size_t(len - 1));
      p += len - 1;
    }
    *p++ = 'e';
    *p++ = exp10 < 0 ? '-' : '+';
    const int a = exp10 < 0 ? -exp10 : exp10;
    *p++ = char('0' + a / 10);
    *p++ = char('0' + a % 10);
  }
  return size_t(p - buf);
}

}  // namespace

size_t integer_text(uint64_t v, char* out) {
  if (v < 10) {
    *out = char('0' + v);
    return 1;
  }
  char scratch[48] = {};  // digits end at scratch + 24; 24-byte reads from them stay inside
  const char* digits = digits_before(v, scratch + 24);  // <= 20 digits
  static_assert(kNumberTextRoom >= 24, "room for the fixed-size copy");
  std::memcpy(out, digits, 24);
  return size_t(scratch + 24 - digits);
}

size_t integer_text(int64_t v, char* out) {
  if (v >= 0) return integer_text(uint64_t(v), out);
  *out = '-';  // |INT64_MIN| does not fit in int64: negate in uint64
  return 1 + integer_text(uint64_t(0) - uint64_t(v), out + 1);  // <= 19 digits: 1 + 24 fits
}

size_t us_of_ps(int64_t ps, char* buf) {
  char* p = buf;
  if (ps < 0) *p++ = '-';
  // |INT64_MIN| does not fit in int64: work in uint64.
  const uint64_t a = ps < 0 ? uint64_t(0) - uint64_t(ps) : uint64_t(ps);
  char scratch[40] = {};  // digits end at scratch + 24; 16-byte reads from them stay inside
  const char* whole = digits_before(a / 1000000, scratch + 24);  // <= 13 digits
  std::memcpy(p, whole, 16);  // buf has room for the excess, overwritten or past the length
  p += scratch + 24 - whole;
  *p++ = '.';
  const uint64_t frac = a % 1000000;  // six digits with leading zeros
  std::memcpy(p, kDigitPairs + 2 * (frac / 10000), 2);
  std::memcpy(p + 2, kDigitPairs + 2 * (frac / 100 % 100), 2);
  std::memcpy(p + 4, kDigitPairs + 2 * (frac % 100), 2);
  return size_t(p + 6 - buf);
}

size_t json_number(double v, char* buf) {
  if (!std::isfinite(v)) {
    std::memcpy(buf, "null", 4);
    return 4;
  }
  if (const size_t n = whole_ps_number(v, buf)) return n;
  return size_t(std::to_chars(buf, buf + kNumberTextRoom, v).ptr - buf);
}

}  // namespace trnsim::sim
