#include "isa/semantics/matmul_kernel.h"

#include <algorithm>
#include <cstring>
#include <vector>

namespace trnsim::isa::sem {
namespace {

// One register block: out[r, c] for kRows rows (m) x kCols vectors of kLanes columns (n), summed
// over k in ascending order. The accumulators live in registers for the whole k loop; each
// k step loads kCols vectors of v's row k and broadcasts kRows stationary values of s's row k.
template <int kLanes, int kRows, int kCols>
__attribute__((always_inline)) inline void product_block(const float* s, const float* v,
                                                         float* out, int64_t m_dim, int64_t k_dim,
                                                         int64_t n_dim, int64_t out_stride,
                                                         bool accumulate) {
  typedef float Vec __attribute__((vector_size(kLanes * sizeof(float))));
  Vec acc[kRows][kCols];
#pragma GCC unroll 16
  for (int r = 0; r < kRows; ++r)
#pragma GCC unroll 4
    for (int c = 0; c < kCols; ++c) acc[r][c] = Vec{};
  for (int64_t k = 0; k < k_dim; ++k) {
    Vec x[kCols];
#pragma GCC unroll 4
    for (int c = 0; c < kCols; ++c) std::memcpy(&x[c], v + k * n_dim + c * kLanes, sizeof(Vec));
    const float* sk = s + k * m_dim;
#pragma GCC unroll 16
    for (int r = 0; r < kRows; ++r) {
      const float w = sk[r];
#pragma GCC unroll 4
      for (int c = 0; c < kCols; ++c) {
        const Vec p = w * x[c];
        acc[r][c] = acc[r][c] + p;
      }
    }
  }
#pragma GCC unroll 16
  for (int r = 0; r < kRows; ++r)
#pragma GCC unroll 4
    for (int c = 0; c < kCols; ++c) {
      float* o = out + r * out_stride + c * kLanes;
      if (accumulate) {
        Vec held;
        std::memcpy(&held, o, sizeof(Vec));
        acc[r][c] = acc[r][c] + held;
      }
      std::memcpy(o, &acc[r][c], sizeof(Vec));
    }
}

// One output element in the documented order (the columns left over after the vectors).
inline float product_element(const float* s, const float* v, int64_t m, int64_t n, int64_t m_dim,
                             int64_t k_dim, int64_t n_dim) {
  float acc = 0.0f;
  for (int64_t k = 0; k < k_dim; ++k) {
    const float p = s[k * m_dim + m] * v[k * n_dim + n];
    acc = acc + p;
  }
  return acc;
}

// All rows of one column strip (v's columns [0, strip_cols) at stride v_stride; out already
// offset to the strip). Blocks of kRows rows, except that a remainder r = m_dim % kRows becomes
// kRows - r blocks of kRows - 1 rows: a block of one or two rows keeps too few accumulators to
// cover the multiply-add latency, a block of kRows - 1 does (m_dim 128, kRows 6: 18 blocks of 6
// and 4 of 5, instead of 21 of 6 and two single rows at a fraction of the rate). Blocking does
// not change any element's order of summation.
template <int kLanes, int kRows, int kCols>
__attribute__((always_inline)) inline void strip_rows(const float* s, const float* v, float* out,
                                                      int64_t m_dim, int64_t k_dim,
                                                      int64_t v_stride, int64_t ld, bool acc) {
  const int64_t short_blocks = (kRows - m_dim % kRows) % kRows;
  const bool spread = short_blocks * (kRows - 1) <= m_dim;
  const int64_t full_end = spread ? m_dim - short_blocks * (kRows - 1) : m_dim;
  int64_t m = 0;
  for (; m + kRows <= full_end; m += kRows)
    product_block<kLanes, kRows, kCols>(s + m, v, out + m * ld, m_dim, k_dim, v_stride, ld, acc);
  if (spread) {
    for (; m + (kRows - 1) <= m_dim; m += kRows - 1)
      product_block<kLanes, kRows - 1, kCols>(s + m, v, out + m * ld, m_dim, k_dim, v_stride, ld,
                                              acc);
  }
  for (; m < m_dim; ++m)
    product_block<kLanes, 1, kCols>(s + m, v, out + m * ld, m_dim, k_dim, v_stride, ld, acc);
}

// The whole product, inlined into each target-specific entry point below so that the vector
// code is compiled for that target. Column strips of kCols vectors (the strip of v stays in L1
// across all row blocks), then single-vector strips, then scalar columns.
template <int kLanes, int kRows, int kCols>
__attribute__((always_inline)) inline void product(const float* s, const float* v, float* out,
                                                   int64_t m_dim, int64_t k_dim, int64_t n_dim,
                                                   int64_t ld, bool acc) {
  constexpr int64_t kStrip = int64_t(kLanes) * kCols;
  // Each strip of v is copied to contiguous rows first: read in place, its K rows are n_dim
  // floats apart and a power-of-two n_dim maps them onto a few L1 sets, which evicts it between
  // row blocks.
  thread_local std::vector<float> packed;
  int64_t n = 0;
  for (; n + kStrip <= n_dim; n += kStrip) {
    packed.resize(size_t(k_dim * kStrip));
    for (int64_t k = 0; k < k_dim; ++k)
      std::memcpy(packed.data() + k * kStrip, v + k * n_dim + n, kStrip * sizeof(float));
    strip_rows<kLanes, kRows, kCols>(s, packed.data(), out + n, m_dim, k_dim, kStrip, ld, acc);
  }
  for (; n + kLanes <= n_dim; n += kLanes)
    strip_rows<kLanes, kRows, 1>(s, v + n, out + n, m_dim, k_dim, n_dim, ld, acc);
  for (; n < n_dim; ++n)
    for (int64_t m = 0; m < m_dim; ++m) {
      const float sum = product_element(s, v, m, n, m_dim, k_dim, n_dim);
      float& o = out[m * ld + n];
      o = acc ? sum + o : sum;
    }
}

// Whether every product of two of these values (x[i] of one operand, y of the other, both
// passing) is exact and normal in fp32, so that a fused multiply-add rounds like the product
// then the sum: each value is zero, or has at most 12 significant bits (bf16, fp16 and fp8 values
// do) and a magnitude in [2^-63, 2^64). Infinities, NaNs and subnormals fail. Over vectors of
// kLanes (inlined into the target-specific kernels; the tail is padded with zeros) it keeps three
// running lane-wise values, the OR of the low bits, the largest magnitude and the smallest
// nonzero magnitude (as magnitude - 1, where a zero wraps to the largest value), so the loop is
// and, or, add, min and max only: comparisons materialised as vectors compiled to per-lane code.
template <int kLanes>
__attribute__((always_inline)) inline bool products_exact(const float* x, int64_t count) {
  constexpr uint32_t kLowBits = (1u << 12) - 1;  // of the 23 stored: 11 stay, 12 significant
  constexpr uint32_t kLowest = (127u - 63) << 23;  // magnitude bits of 2^-63
  constexpr uint32_t kPastHighest = (127u + 64) << 23;  // magnitude bits of 2^64
  typedef uint32_t Bits __attribute__((vector_size(kLanes * sizeof(uint32_t))));
  Bits low{}, max_mag{}, min_mag_minus_1 = ~Bits{};
  const auto check = [&](const Bits& b) {
    const Bits mag = b & 0x7FFFFFFFu;
    low |= b & kLowBits;  // a zero has none
    max_mag = mag > max_mag ? mag : max_mag;
    const Bits m1 = mag - 1u;
    min_mag_minus_1 = m1 < min_mag_minus_1 ? m1 : min_mag_minus_1;
  };
  int64_t i = 0;
  for (; i + kLanes <= count; i += kLanes) {
    Bits b;
    std::memcpy(&b, x + i, sizeof b);
    check(b);
  }
  if (i < count) {
    Bits tail{};
    std::memcpy(&tail, x + i, size_t(count - i) * sizeof(float));
    check(tail);
  }
  uint32_t lanes_low[kLanes], lanes_max[kLanes], lanes_min[kLanes];
  std::memcpy(lanes_low, &low, sizeof lanes_low);
  std::memcpy(lanes_max, &max_mag, sizeof lanes_max);
  std::memcpy(lanes_min, &min_mag_minus_1, sizeof lanes_min);
  uint32_t any_low = 0, highest = 0, lowest_minus_1 = ~0u;
  for (int k = 0; k < kLanes; ++k) {
    any_low |= lanes_low[k];
    highest = std::max(highest, lanes_max[k]);
    lowest_minus_1 = std::min(lowest_minus_1, lanes_min[k]);
  }
  return any_low == 0 && highest < kPastHighest && lowest_minus_1 >= kLowest - 1;
}

template <int kLanes>
__attribute__((always_inline)) inline bool fused_is_exact(const float* s, const float* v,
                                                          int64_t m_dim, int64_t k_dim,
                                                          int64_t n_dim) {
  return products_exact<kLanes>(s, m_dim * k_dim) && products_exact<kLanes>(v, k_dim * n_dim);
}

// Block shapes per register file: AVX-512 has 32 zmm (8 x 2 accumulators of 16 lanes), AVX2 and
// SSE 16 registers (6 x 2 accumulators, plus 2 loads and a broadcast).
//
// The *_fused variants let the compiler contract each product and sum into a fused
// multiply-add (one rounding); they run only when fused_is_exact(), where that one rounding is
// the rounding of the sum, so they give the documented order's bits. (The AVX2 level requires
// FMA, cpu_level.h; AVX-512F includes it.)
#define TRNSIM_FUSED optimize("fp-contract=fast")
__attribute__((target("avx512f"), TRNSIM_FUSED)) void product_avx512_fused(
    const float* s, const float* v, float* out, int64_t m_dim, int64_t k_dim, int64_t n_dim,
    int64_t ld, bool accumulate) {
  product<16, 8, 2>(s, v, out, m_dim, k_dim, n_dim, ld, accumulate);
}

__attribute__((target("avx512f"))) void product_avx512(const float* s, const float* v,
                                                        float* out, int64_t m_dim, int64_t k_dim,
                                                        int64_t n_dim, int64_t ld,
                                                        bool accumulate) {
  if (fused_is_exact<16>(s, v, m_dim, k_dim, n_dim)) {
    product_avx512_fused(s, v, out, m_dim, k_dim, n_dim, ld, accumulate);
    return;
  }
  product<16, 8, 2>(s, v, out, m_dim, k_dim, n_dim, ld, accumulate);
}

__attribute__((target("avx2,fma"), TRNSIM_FUSED)) void product_avx2_fused(
    const float* s, const float* v, float* out, int64_t m_dim, int64_t k_dim, int64_t n_dim,
    int64_t ld, bool accumulate) {
  product<8, 6, 2>(s, v, out, m_dim, k_dim, n_dim, ld, accumulate);
}
#undef TRNSIM_FUSED

__attribute__((target("avx2"))) void product_avx2(const float* s, const float* v, float* out,
                                                   int64_t m_dim, int64_t k_dim, int64_t n_dim,
                                                   int64_t ld, bool accumulate) {
  if (fused_is_exact<8>(s, v, m_dim, k_dim, n_dim)) {
    product_avx2_fused(s, v, out, m_dim, k_dim, n_dim, ld, accumulate);
    return;
  }
  product<8, 6, 2>(s, v, out, m_dim, k_dim, n_dim, ld, accumulate);
}

void product_baseline(const float* s, const float* v, float* out, int64_t m_dim, int64_t k_dim,
                      int64_t n_dim, int64_t ld, bool accumulate) {
  product<4, 6, 2>(s, v, out, m_dim, k_dim, n_dim, ld, accumulate);
}

}  // namespace

MatmulKernel matmul_kernel_for(CpuLevel level) {
  switch (cpu_level_capped(level)) {
    case CpuLevel::kAvx512: return product_avx512;
    case CpuLevel::kAvx2: return product_avx2;
    case CpuLevel::kBaseline: break;
  }
  return product_baseline;
}

MatmulKernel matmul_kernel() {
  static const MatmulKernel chosen = matmul_kernel_for(cpu_level());
  return chosen;
}

}  // namespace trnsim::isa::sem
