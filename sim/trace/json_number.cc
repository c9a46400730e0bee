#include "sim/trace/json_number.h"

#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstring>

namespace trnsim::sim {
namespace {

// Timeline times are whole picoseconds written as ns, v = ps / 1000. Below 2^40 ns doubles are
// less than 2^-12 ns apart, so the decimal of ps / 1000 is the only decimal with at most three
// fraction digits that rounds to v and no decimal with fewer significant digits does: it is the
// shortest round trip, and its digits are those of ps without trailing zeros. Formatting them
// from the integer skips the general shortest-digits search (~430 instructions a number).
// Returns 0 when v is not such a time (the caller falls back to std::to_chars).
size_t whole_ps_number(double v, char* buf) {
  if (v == 0 || !(std::fabs(v) < 0x1p40)) return 0;  // 0: keep to_chars's sign of -0
  const double scaled = v * 1000.0;  // |scaled| < 2^50: the cast is exact after rounding
  const int64_t ps = static_cast<int64_t>(scaled < 0 ? scaled - 0.5 : scaled + 0.5);
  if (static_cast<double>(ps) / 1000.0 != v) return 0;
  uint64_t m = ps < 0 ? uint64_t(-ps) : uint64_t(ps);
  int e = -3;  // v = +-m * 10^e
  while (m % 10 == 0) {
    m /= 10;
    ++e;
  }
  char digits[24];
  const int len = int(std::to_chars(digits, digits + sizeof digits, m).ptr - digits);
  const int exp10 = e + len - 1;  // of the first digit; within [-3, 12] here
  const int sci_len = len + (len > 1 ? 1 : 0) + 4;  // d[.ddd]e+XX
  const int fixed_len = e >= 0 ? len + e : (len > -e ? len + 1 : 2 - e);
  char* p = buf;
  if (ps < 0) *p++ = '-';
  if (fixed_len <= sci_len) {
    if (e >= 0) {
      std::memcpy(p, digits, size_t(len));
      std::memset(p + len, '0', size_t(e));
      p += len + e;
    } else if (len > -e) {
      const int whole = len + e;
      std::memcpy(p, digits, size_t(whole));
      p[whole] = '.';
      std::memcpy(p + whole + 1, digits + whole, size_t(-e));
      p += len + 1;
    } else {
      *p++ = '0';
      *p++ = '.';
      std::memset(p, '0', size_t(-e - len));
      p += -e - len;
      std::memcpy(p, digits, size_t(len));
      p += len;
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

size_t json_number(double v, char (&buf)[kJsonNumberMaxChars]) {
  if (!std::isfinite(v)) {
    std::memcpy(buf, "null", 4);
    return 4;
  }
  if (const size_t n = whole_ps_number(v, buf)) return n;
  return size_t(std::to_chars(buf, buf + kJsonNumberMaxChars, v).ptr - buf);
}

}  // namespace trnsim::sim
