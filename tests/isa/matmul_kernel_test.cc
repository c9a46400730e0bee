// Every CPU level of the nc_matmul product kernel gives the bits of the documented order:
// acc = 0; acc = acc + s[k,m] * v[k,n] for k ascending, one fp32 rounding per product and sum;
// and the CPU level selection (TRNSIM_CPU_LEVEL values).
#include "isa/semantics/matmul_kernel.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <vector>

#include "isa/dtype.h"
#include "isa/error.h"

namespace trnsim::isa::sem {
namespace {

uint32_t bits(float f) {
  uint32_t b;
  std::memcpy(&b, &f, 4);
  return b;
}

// The documented order, one output at a time; volatile keeps each rounding separate.
std::vector<float> reference(const std::vector<float>& s, const std::vector<float>& v,
                             int64_t m_dim, int64_t k_dim, int64_t n_dim) {
  std::vector<float> out(size_t(m_dim * n_dim));
  for (int64_t m = 0; m < m_dim; ++m)
    for (int64_t n = 0; n < n_dim; ++n) {
      volatile float acc = 0.0f;
      for (int64_t k = 0; k < k_dim; ++k) {
        volatile float p = s[size_t(k * m_dim + m)] * v[size_t(k * n_dim + n)];
        acc = acc + p;
      }
      out[size_t(m * n_dim + n)] = acc;
    }
  return out;
}

std::vector<CpuLevel> supported_levels() {
  std::vector<CpuLevel> out;
  for (CpuLevel l : {CpuLevel::kBaseline, CpuLevel::kAvx2, CpuLevel::kAvx512})
    if (cpu_level_capped(l) == l) out.push_back(l);
  return out;
}

// Values of mixed magnitude (so that the summation order changes the rounding), rounded to
// `dtype` as an operand read from a tile of that dtype would be.
std::vector<float> operand(std::mt19937& rng, size_t n, DType dtype) {
  std::uniform_real_distribution<float> mant(-1.0f, 1.0f);
  std::uniform_int_distribution<int> expo(-12, 12);
  std::vector<float> x(n);
  for (float& e : x) e = round_to(dtype, std::ldexp(mant(rng), expo(rng)));
  return x;
}

struct Shape {
  int64_t m, k, n;
};

// Shapes around every block edge: rows 1..9 and 127/128 (blocks of 6 and 8), rows whose
// remainder is spread over blocks of 5 or 7 (11, 16, 20, 23, 127, 128), columns around 4, 8, 16,
// 32 and 64 lanes (vector strips, single vectors, scalar tail), K 1 and deep.
const Shape kShapes[] = {{128, 128, 512}, {7, 5, 37},  {1, 1, 1},    {5, 128, 16}, {4, 3, 15},
                         {127, 64, 33},   {8, 2, 32},  {9, 3, 31},   {6, 4, 17},   {13, 7, 65},
                         {16, 1, 64},     {2, 9, 100}, {128, 1, 48}, {3, 128, 1},  {12, 11, 24},
                         {20, 9, 40},     {23, 5, 17}, {11, 4, 16},  {57, 3, 24}};

// Runs `level` into rows of `ld` floats (ld >= n) prefilled with `held`; returns the [M, ld] image.
std::vector<float> run_kernel(CpuLevel level, const std::vector<float>& s,
                              const std::vector<float>& v, const Shape& sh, int64_t ld,
                              bool accumulate, const std::vector<float>& held) {
  std::vector<float> out = held;
  matmul_kernel_for(level)(s.data(), v.data(), out.data(), sh.m, sh.k, sh.n, ld, accumulate);
  return out;
}

void expect_levels_match_reference(DType dtype, uint32_t seed) {
  std::mt19937 rng(seed);
  for (const Shape& sh : kShapes) {
    const std::vector<float> s = operand(rng, size_t(sh.m * sh.k), dtype);
    const std::vector<float> v = operand(rng, size_t(sh.k * sh.n), dtype);
    const std::vector<float> sum = reference(s, v, sh.m, sh.k, sh.n);
    // Output rows padded by 3 floats, holding PSUM values that accumulate=true adds to.
    const int64_t ld = sh.n + 3;
    const std::vector<float> held = operand(rng, size_t(sh.m * ld), DType::kFp32);
    for (bool accumulate : {false, true}) {
      std::vector<float> want = held;
      for (int64_t m = 0; m < sh.m; ++m)
        for (int64_t n = 0; n < sh.n; ++n) {
          float& w = want[size_t(m * ld + n)];
          const float total = sum[size_t(m * sh.n + n)];
          w = accumulate ? total + w : total;
        }
      for (CpuLevel level : supported_levels()) {
        const std::vector<float> got = run_kernel(level, s, v, sh, ld, accumulate, held);
        int mismatches = 0;
        for (size_t e = 0; e < want.size(); ++e) mismatches += bits(got[e]) != bits(want[e]);
        EXPECT_EQ(mismatches, 0) << cpu_level_name(level) << " " << dtype_name(dtype) << " "
                                 << sh.m << "x" << sh.k << "x" << sh.n
                                 << (accumulate ? " accumulate" : "");
      }
    }
  }
}

TEST(MatmulKernel, EveryLevelMatchesTheDocumentedOrderBitForBitFp32) {
  expect_levels_match_reference(DType::kFp32, 3);
}
TEST(MatmulKernel, EveryLevelMatchesTheDocumentedOrderBitForBitBf16) {
  expect_levels_match_reference(DType::kBf16, 4);
}
TEST(MatmulKernel, EveryLevelMatchesTheDocumentedOrderBitForBitFp8) {
  expect_levels_match_reference(DType::kFp8E4M3, 5);
  expect_levels_match_reference(DType::kFp8E5M2, 6);
}

// Signed zeros, infinities, NaN, subnormals and overflowing products: still the reference bits.
// The only NaN is x86's default NaN (what inf * 0 makes), so which operand of a NaN + NaN the
// compiler puts first cannot change the bits.
TEST(MatmulKernel, SpecialValuesMatchTheReferenceBits) {
  const float inf = std::numeric_limits<float>::infinity();
  const float nan = -std::numeric_limits<float>::quiet_NaN();
  const float sub = std::numeric_limits<float>::denorm_min();
  const float big = std::numeric_limits<float>::max();
  const float specials[] = {0.0f, -0.0f, inf, -inf, nan, sub, -sub * 3, big, -big, 1e-30f, 1.5f};
  std::mt19937 rng(7);
  std::uniform_int_distribution<int> pick(0, int(sizeof specials / sizeof specials[0]) - 1);
  const int64_t m_dim = 9, k_dim = 6, n_dim = 35;
  std::vector<float> s(size_t(m_dim * k_dim)), v(size_t(k_dim * n_dim));
  for (float& e : s) e = specials[pick(rng)];
  for (float& e : v) e = specials[pick(rng)];
  const std::vector<float> want = reference(s, v, m_dim, k_dim, n_dim);
  for (CpuLevel level : supported_levels()) {
    std::vector<float> got(want.size());
    matmul_kernel_for(level)(s.data(), v.data(), got.data(), m_dim, k_dim, n_dim, n_dim, false);
    for (size_t e = 0; e < want.size(); ++e)
      ASSERT_EQ(bits(got[e]), bits(want[e])) << cpu_level_name(level) << " element " << e;
  }
}

// bf16 values whose products overflow or underflow fp32: a fused multiply-add would keep the
// exact product and round differently (2^127 instead of inf; 0 instead of 2^-149), so the AVX2
// and AVX-512 levels must not fuse here.
TEST(MatmulKernel, Bf16ProductsThatLeaveTheNormalRangeKeepTheReferenceBits) {
  const int64_t m_dim = 8, k_dim = 2, n_dim = 32;  // full vectors at every level
  struct Case {
    float s0, v0, s1, v1;
  };
  const Case cases[] = {{-std::ldexp(1.0f, 64), std::ldexp(1.0f, 63), std::ldexp(1.0f, 64),
                         std::ldexp(1.0f, 64)},
                        {std::ldexp(1.5f, -75), std::ldexp(1.0f, -75), -std::ldexp(1.0f, -75),
                         std::ldexp(1.0f, -75)}};
  for (const Case& c : cases) {
    std::vector<float> s(size_t(k_dim * m_dim)), v(size_t(k_dim * n_dim));
    std::fill(s.begin(), s.begin() + m_dim, c.s0);
    std::fill(s.begin() + m_dim, s.end(), c.s1);
    std::fill(v.begin(), v.begin() + n_dim, c.v0);
    std::fill(v.begin() + n_dim, v.end(), c.v1);
    for (float x : {c.s0, c.v0, c.s1, c.v1}) ASSERT_EQ(round_to(DType::kBf16, x), x);
    const std::vector<float> want = reference(s, v, m_dim, k_dim, n_dim);
    ASSERT_NE(bits(want[0]), bits(std::fma(c.s1, c.v1, std::fma(c.s0, c.v0, 0.0f))));
    for (CpuLevel level : supported_levels()) {
      std::vector<float> got(want.size());
      matmul_kernel_for(level)(s.data(), v.data(), got.data(), m_dim, k_dim, n_dim, n_dim, false);
      for (size_t e = 0; e < want.size(); ++e)
        ASSERT_EQ(bits(got[e]), bits(want[e])) << cpu_level_name(level) << " element " << e;
    }
  }
}

// bf16 operands: products are exact, so the fp32 result is within K roundings of the float64
// sum (|error| <= K * 2^-24 * sum |s*v|, the bound of recursive summation).
TEST(MatmulKernel, Bf16ProductWithinRecursiveSummationBoundOfFloat64) {
  std::mt19937 rng(11);
  const int64_t m_dim = 20, k_dim = 128, n_dim = 40;
  const std::vector<float> s = operand(rng, size_t(m_dim * k_dim), DType::kBf16);
  const std::vector<float> v = operand(rng, size_t(k_dim * n_dim), DType::kBf16);
  std::vector<float> got(size_t(m_dim * n_dim));
  matmul_kernel()(s.data(), v.data(), got.data(), m_dim, k_dim, n_dim, n_dim, false);
  for (int64_t m = 0; m < m_dim; ++m)
    for (int64_t n = 0; n < n_dim; ++n) {
      double sum = 0, abs_sum = 0;
      for (int64_t k = 0; k < k_dim; ++k) {
        const double p = double(s[size_t(k * m_dim + m)]) * double(v[size_t(k * n_dim + n)]);
        sum += p;
        abs_sum += std::fabs(p);
      }
      EXPECT_LE(std::fabs(double(got[size_t(m * n_dim + n)]) - sum),
                double(k_dim) * std::ldexp(1.0, -24) * abs_sum)
          << m << "," << n;
    }
}

TEST(CpuLevel, EnvironmentValuesSelectAndCapTheLevel) {
  EXPECT_EQ(cpu_level_from(nullptr), cpu_level_supported());
  EXPECT_EQ(cpu_level_from(""), cpu_level_supported());
  EXPECT_EQ(cpu_level_from("baseline"), CpuLevel::kBaseline);
  EXPECT_EQ(cpu_level_from("avx2"), cpu_level_capped(CpuLevel::kAvx2));
  EXPECT_EQ(cpu_level_from("avx512"), cpu_level_supported());
  EXPECT_LE(int(cpu_level()), int(cpu_level_supported()));
  EXPECT_EQ(matmul_kernel(), matmul_kernel_for(cpu_level()));
  for (CpuLevel l : {CpuLevel::kBaseline, CpuLevel::kAvx2, CpuLevel::kAvx512})
    EXPECT_EQ(cpu_level_from(std::string(cpu_level_name(l)).c_str()), cpu_level_capped(l));
}

TEST(CpuLevel, UnknownValueIsAnErrorNamingTheVariable) {
  try {
    cpu_level_from("sse9");
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("TRNSIM_CPU_LEVEL='sse9'"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("baseline, avx2, avx512"), std::string::npos);
  }
}

}  // namespace
}  // namespace trnsim::isa::sem
