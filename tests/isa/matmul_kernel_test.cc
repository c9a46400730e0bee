// Every CPU variant of the nc_matmul product kernel gives the bits of the documented order:
// acc = 0; acc = acc + w[m,k] * v[k,n] for k ascending, one fp32 rounding per product and sum.
#include "isa/semantics/matmul_kernel.h"

#include <gtest/gtest.h>

#include <cstring>
#include <random>
#include <vector>

namespace trnsim::isa::sem {
namespace {

uint32_t bits(float f) {
  uint32_t b;
  std::memcpy(&b, &f, 4);
  return b;
}

// The documented order, one output at a time; volatile keeps each rounding separate.
std::vector<float> reference(const std::vector<float>& w, const std::vector<float>& v, int64_t m_dim,
                             int64_t k_dim, int64_t n_dim) {
  std::vector<float> out(size_t(m_dim * n_dim));
  for (int64_t m = 0; m < m_dim; ++m)
    for (int64_t n = 0; n < n_dim; ++n) {
      volatile float acc = 0.0f;
      for (int64_t k = 0; k < k_dim; ++k) {
        volatile float p = w[size_t(m * k_dim + k)] * v[size_t(k * n_dim + n)];
        acc = acc + p;
      }
      out[size_t(m * n_dim + n)] = acc;
    }
  return out;
}

TEST(MatmulKernel, EverySupportedVariantMatchesTheDocumentedOrderBitForBit) {
  std::mt19937 rng(3);
  // Values of mixed magnitude so that the summation order changes the rounding.
  std::uniform_real_distribution<float> mant(-1.0f, 1.0f);
  std::uniform_int_distribution<int> expo(-12, 12);
  auto fill = [&](size_t n) {
    std::vector<float> x(n);
    for (float& e : x) e = std::ldexp(mant(rng), expo(rng));
    return x;
  };
  int count = 0;
  const MatmulVariant* variants = matmul_variants(&count);
  ASSERT_EQ(count, 3);
  EXPECT_EQ(variants[count - 1].name, "baseline");
  EXPECT_TRUE(variants[count - 1].supported);
  struct Shape { int64_t m, k, n; };
  for (const Shape& s : {Shape{128, 128, 512}, Shape{7, 5, 37}, Shape{1, 1, 1}, Shape{5, 128, 16},
                         Shape{4, 3, 15}, Shape{127, 64, 33}}) {
    const std::vector<float> w = fill(size_t(s.m * s.k)), v = fill(size_t(s.k * s.n));
    const std::vector<float> want = reference(w, v, s.m, s.k, s.n);
    for (int i = 0; i < count; ++i) {
      if (!variants[i].supported) continue;
      std::vector<float> got(want.size(), -1.0f);
      variants[i].kernel(w.data(), v.data(), got.data(), s.m, s.k, s.n);
      int mismatches = 0;
      for (size_t e = 0; e < want.size(); ++e) mismatches += bits(got[e]) != bits(want[e]);
      EXPECT_EQ(mismatches, 0) << variants[i].name << " " << s.m << "x" << s.k << "x" << s.n;
    }
  }
  // The chosen kernel is one of the supported variants.
  bool found = false;
  for (int i = 0; i < count; ++i) found |= variants[i].supported && variants[i].kernel == matmul_kernel();
  EXPECT_TRUE(found);
}

}  // namespace
}  // namespace trnsim::isa::sem
