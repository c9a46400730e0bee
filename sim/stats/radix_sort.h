// A stable LSD radix sort on 64-bit keys, for the slowness analysis's per-queue start order: a
// queue's pieces in program order are far from sorted by start when transfers run in ready
// order (the tiled matmul's 1M pieces: one descent every second piece), where a stable merge
// sort took 5-7% of a run. With byte digits, keys whose bytes all vary (doubles) make 8 passes:
// no faster than std::sort on such nearly sorted data, so the statistics keep std::sort.
#pragma once

#include <cstdint>
#include <algorithm>
#include <array>
#include <cstring>
#include <vector>

namespace trnsim::sim {

// An unsigned key in the order of `v` (negative values first, -0.0 just before +0.0).
inline uint64_t order_key(double v) {
  uint64_t bits = 0;
  std::memcpy(&bits, &v, sizeof bits);
  return (bits >> 63) != 0 ? ~bits : bits | (uint64_t{1} << 63);
}
inline uint64_t order_key(int64_t v) { return static_cast<uint64_t>(v) ^ (uint64_t{1} << 63); }

// Sorts items[0, n) by key(item) (a uint64_t), keeping the order of equal keys. Byte digits,
// all counted in one pass; a digit that is the same for every item is skipped. Short ranges go
// to std::stable_sort.
template <class T, class Key>
void radix_sort_stable(T* items, size_t n, Key&& key) {
  if (n < 2) return;
  if (n < 1024) {
    std::stable_sort(items, items + n, [&](const T& a, const T& b) { return key(a) < key(b); });
    return;
  }
  std::vector<uint64_t> keys(n), out_keys(n);
  std::vector<std::array<size_t, 256>> count(8);
  for (auto& c : count) c.fill(0);
  for (size_t i = 0; i < n; ++i) {
    keys[i] = key(items[i]);
    for (int d = 0; d < 8; ++d) ++count[d][(keys[i] >> (8 * d)) & 0xFF];
  }
  std::vector<T> in(items, items + n), out(n);
  bool moved = false;
  for (int d = 0; d < 8; ++d) {
    std::array<size_t, 256>& start = count[d];
    if (start[(keys[0] >> (8 * d)) & 0xFF] == n) continue;  // one digit value: in order
    size_t at = 0;
    for (size_t& s : start) {
      const size_t c = s;
      s = at;
      at += c;
    }
    for (size_t i = 0; i < n; ++i) {
      const size_t to = start[(keys[i] >> (8 * d)) & 0xFF]++;
      out[to] = in[i];
      out_keys[to] = keys[i];
    }
    in.swap(out);
    keys.swap(out_keys);
    moved = true;
  }
  if (moved) std::copy(in.begin(), in.end(), items);
}

}  // namespace trnsim::sim
