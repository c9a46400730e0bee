// RandomStream: the distribution of its normal and integer values against float64 references.
#include "sim/random_values.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "isa/error.h"

namespace trnsim::sim {
namespace {

double normal_cdf(double x) { return 0.5 * std::erfc(-x / std::sqrt(2.0)); }

std::vector<double> normals(uint64_t seed, uint64_t stream, int n) {
  RandomStream rng(seed, stream);
  std::vector<float> v(static_cast<size_t>(n));
  rng.normals(0, n, v.data());
  return std::vector<double>(v.begin(), v.end());
}

TEST(RandomStream, NormalValuesPassAKolmogorovSmirnovTestAgainstTheExactCdf) {
  const int n = 1 << 20;
  std::vector<double> v = normals(7, 3, n);
  std::sort(v.begin(), v.end());
  double d = 0;
  for (int i = 0; i < n; ++i) {
    const double f = normal_cdf(v[size_t(i)]);
    d = std::max({d, f - double(i) / n, double(i + 1) / n - f});
  }
  // Critical value at significance 0.001: 1.95 / sqrt(n). A ziggurat with a wrong layer table or
  // wedge test is off by ~1e-2 in places.
  EXPECT_LT(d, 1.95 / std::sqrt(double(n)));
}

TEST(RandomStream, NormalMomentsAndTailMassMatchTheStandardNormal) {
  const int n = 1 << 21;
  const std::vector<double> v = normals(1, 0, n);
  double m1 = 0, m2 = 0, m3 = 0, m4 = 0;
  int beyond_r = 0, beyond_4 = 0;
  for (double x : v) {
    m1 += x, m2 += x * x, m3 += x * x * x, m4 += x * x * x * x;
    beyond_r += std::fabs(x) > 3.6541528853610088;  // drawn by the tail algorithm
    beyond_4 += std::fabs(x) > 4;
  }
  // Standard errors at n = 2^21: mean 0.0007, variance 0.001, skew 0.0017, 4th moment 0.007.
  EXPECT_NEAR(m1 / n, 0, 0.004);
  EXPECT_NEAR(m2 / n, 1, 0.005);
  EXPECT_NEAR(m3 / n, 0, 0.009);
  EXPECT_NEAR(m4 / n, 3, 0.04);
  // P(|Z| > R) = 2.58e-4 (about 541 draws, sd 23); P(|Z| > 4) = 6.33e-5 (about 133, sd 12).
  EXPECT_NEAR(beyond_r, 2 * (1 - normal_cdf(3.6541528853610088)) * n, 5 * 23);
  EXPECT_NEAR(beyond_4, 2 * (1 - normal_cdf(4)) * n, 5 * 12);
}

TEST(RandomStream, SameSeedAndStreamGiveTheSameValuesOthersDiffer) {
  EXPECT_EQ(normals(5, 2, 4096), normals(5, 2, 4096));
  EXPECT_NE(normals(5, 2, 4096), normals(5, 3, 4096));
  EXPECT_NE(normals(5, 2, 4096), normals(6, 2, 4096));
}

TEST(RandomStream, NeighbouringIndicesAreUncorrelated) {
  const int n = 1 << 20;
  const std::vector<double> v = normals(11, 0, n);
  double lag1 = 0;
  for (int i = 1; i < n; ++i) lag1 += v[size_t(i)] * v[size_t(i - 1)];
  EXPECT_NEAR(lag1 / n, 0, 5 / std::sqrt(double(n)));
}

TEST(RandomStream, UniformIntCoversTheClosedRangeEvenly) {
  RandomStream rng(3, 1);
  const int n = 17 * 20000;
  std::vector<float> v(size_t{n});
  rng.uniform_ints(0, n, -8, 8, v.data());
  std::vector<int> count(17, 0);
  for (float x : v) {
    ASSERT_EQ(x, std::floor(x));
    ASSERT_GE(x, -8);
    ASSERT_LE(x, 8);
    ++count[size_t(x + 8)];
  }
  double chi2 = 0;
  for (int c : count) chi2 += (c - 20000.0) * (c - 20000.0) / 20000.0;
  EXPECT_LT(chi2, 39.25);  // chi-square with 16 degrees of freedom at significance 0.001
}

TEST(RandomStream, UniformIntsRejectAnEmptyOrTooWideRange) {
  RandomStream rng(0, 0);
  float x = 0;
  EXPECT_THROW(rng.uniform_ints(0, 1, 1, 0, &x), Error);
  EXPECT_THROW(rng.uniform_ints(0, 1, 0, int64_t(1) << 24, &x), Error);
  EXPECT_NO_THROW(rng.uniform_ints(0, 1, 0, (int64_t(1) << 24) - 1, &x));
}

TEST(RandomStream, ReadingInIndexOrderInSeveralCallsGivesTheSameValues) {
  RandomStream whole(9, 4), parts(9, 4);
  std::vector<float> a(1000), b(1000);
  whole.normals(0, 1000, a.data());
  parts.normals(0, 400, b.data());
  parts.normals(400, 600, b.data() + 400);
  EXPECT_EQ(a, b);
}

}  // namespace
}  // namespace trnsim::sim
