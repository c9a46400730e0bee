// Number text for the timeline writer, written in place without allocation: each function
// writes at `out`, which must have room for kNumberTextRoom chars (it may write scratch bytes
// past the text, up to that room), and returns the text's length.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>

namespace trnsim::sim {

inline constexpr size_t kNumberTextRoom = 40;

// JSON text of a double: the shortest text that reads back as the same double
// (std::to_chars's choice, fixed or scientific, whichever is shorter, fixed on a tie), "null"
// for NaN and infinities (JSON has neither).
size_t json_number(double v, char* out);

// Decimal text of an integer (std::to_chars's).
size_t integer_text(int64_t v, char* out);
size_t integer_text(uint64_t v, char* out);

// Microseconds as an exact decimal of picoseconds, six fraction digits: 1234567 ps ->
// "1.234567", -5 ps -> "-0.000005".
size_t us_of_ps(int64_t ps, char* out);

// Whole picoseconds of a time in ns: std::llround(ns * 1000) (half away from zero; rounding is
// monotonic, so back-to-back slices stay disjoint), without its libm call below 2^62 ps.
inline int64_t whole_ps(double ns) {
  const double x = ns * 1000.0;
  if (!(std::fabs(x) < 0x1p62)) return std::llround(x);
  const int64_t whole = static_cast<int64_t>(x);       // toward zero
  const double frac = x - static_cast<double>(whole);  // exact: the bits of x below its units
  return whole + (frac >= 0.5 ? 1 : frac <= -0.5 ? -1 : 0);
}

}  // namespace trnsim::sim
