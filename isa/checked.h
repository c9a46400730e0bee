// Checked integer arithmetic and bounded message text for sizes, counts, addresses and strides
// that come from input (trace shapes, views, tiles, configs, file headers). Every helper either
// returns the exact result or throws trnsim::Error naming the field, so no size computed from
// input can wrap around.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "isa/error.h"

namespace trnsim::isa {

// The largest element count of one buffer (2^48): far above any real kernel's tensor, far below
// the point where element counts times element sizes, offsets and strides could overflow int64.
inline constexpr int64_t kMaxElements = int64_t(1) << 48;

// a * b, or Error("<what>: <a> x <b> overflows") if the product does not fit int64.
inline int64_t checked_mul(int64_t a, int64_t b, std::string_view what) {
  int64_t r = 0;
  if (__builtin_mul_overflow(a, b, &r))
    throw Error(std::string(what) + ": " + std::to_string(a) + " x " + std::to_string(b) +
                " overflows a 64-bit integer");
  return r;
}

// a + b, or Error("<what>: <a> + <b> overflows").
inline int64_t checked_add(int64_t a, int64_t b, std::string_view what) {
  int64_t r = 0;
  if (__builtin_add_overflow(a, b, &r))
    throw Error(std::string(what) + ": " + std::to_string(a) + " + " + std::to_string(b) +
                " overflows a 64-bit integer");
  return r;
}

// Product of v[from..], checked.
inline int64_t checked_product(const std::vector<int64_t>& v, std::string_view what,
                               size_t from = 0) {
  int64_t n = 1;
  for (size_t i = from; i < v.size(); ++i) n = checked_mul(n, v[i], what);
  return n;
}

// `text` as messages echo labels, names, views and JSON values taken from input: cut to at most
// `limit` bytes (at a character boundary) with "..." appended when cut, and with control bytes
// and bytes that are not UTF-8 written as \xNN, so a message stays printable text whatever the
// input held.
std::string bounded(std::string_view text, size_t limit = 200);

// A JSON value's text as messages echo it: invalid UTF-8 in strings (a --set value, a file
// name) is replaced instead of making dump() throw, and the text is bounded.
template <typename Json>
std::string bounded_json(const Json& j, size_t limit = 200) {
  return bounded(j.dump(-1, ' ', false, Json::error_handler_t::replace), limit);
}

}  // namespace trnsim::isa
