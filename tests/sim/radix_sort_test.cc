// radix_sort_stable equals std::stable_sort on the same keys; order_key keeps the order of
// doubles and int64s.
#include "sim/stats/radix_sort.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>
#include <utility>
#include <vector>

namespace trnsim::sim {
namespace {

TEST(RadixSort, OrderKeysKeepTheOrderOfTheirValues) {
  const std::vector<double> d = {-std::numeric_limits<double>::infinity(), -1e300, -2.5, -1e-300,
                                 -0.0, 0.0, 1e-300, 0.1, 1, 1e17, 1e300,
                                 std::numeric_limits<double>::infinity()};
  for (size_t i = 0; i + 1 < d.size(); ++i) EXPECT_LT(order_key(d[i]), order_key(d[i + 1])) << i;
  const std::vector<int64_t> v = {std::numeric_limits<int64_t>::min(), -5, -1, 0, 1, 1000,
                                  std::numeric_limits<int64_t>::max()};
  for (size_t i = 0; i + 1 < v.size(); ++i) EXPECT_LT(order_key(v[i]), order_key(v[i + 1])) << i;
}

// (key, position in the input): stability shows in the positions of equal keys.
using Item = std::pair<int64_t, int32_t>;

std::vector<Item> items(size_t n, int64_t lo, int64_t hi, uint32_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_int_distribution<int64_t> dist(lo, hi);
  std::vector<Item> out;
  for (size_t i = 0; i < n; ++i) out.emplace_back(dist(rng), static_cast<int32_t>(i));
  return out;
}

TEST(RadixSort, EqualsStableSortShortAndLongWideAndNarrow) {
  const int64_t big = std::numeric_limits<int64_t>::max();
  for (size_t n : {size_t(0), size_t(1), size_t(7), size_t(1023), size_t(1024), size_t(70000)}) {
    for (const auto& [lo, hi] : {std::pair<int64_t, int64_t>{0, 50},  // many equal keys
                                 {-big, big},                            // every digit differs
                                 {1'000'000'000, 1'000'065'535}}) {      // one low digit differs
      std::vector<Item> got = items(n, lo, hi, static_cast<uint32_t>(n + 3));
      std::vector<Item> want = got;
      std::stable_sort(want.begin(), want.end(),
                       [](const Item& a, const Item& b) { return a.first < b.first; });
      radix_sort_stable(got.data(), got.size(), [](const Item& it) { return order_key(it.first); });
      EXPECT_EQ(got, want) << n << " items in [" << lo << ", " << hi << "]";
    }
  }
}

TEST(RadixSort, DoubleKeysWithNegativesAndZeros) {
  std::mt19937_64 rng(11);
  std::normal_distribution<double> dist(0, 1e6);
  std::vector<std::pair<double, int32_t>> got;
  for (int32_t i = 0; i < 5000; ++i) {
    const double zero = i % 20 == 0 ? -0.0 : 0.0;
    got.emplace_back(i % 10 == 0 ? zero : dist(rng), i);
  }
  auto want = got;
  std::stable_sort(want.begin(), want.end(), [](const auto& a, const auto& b) {
    return order_key(a.first) < order_key(b.first);
  });
  radix_sort_stable(got.data(), got.size(), [](const auto& it) { return order_key(it.first); });
  EXPECT_EQ(got, want);
  EXPECT_TRUE(std::is_sorted(got.begin(), got.end(),
                             [](const auto& a, const auto& b) { return a.first < b.first; }));
}

}  // namespace
}  // namespace trnsim::sim
