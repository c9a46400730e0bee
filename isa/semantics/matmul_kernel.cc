#include "isa/semantics/matmul_kernel.h"

#include <cstring>

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

// The whole product, inlined into each target-specific entry point below so that the vector
// code is compiled for that target. Column strips of kCols vectors (the strip of v stays in L1
// across all row blocks), then single-vector strips, then scalar columns.
template <int kLanes, int kRows, int kCols>
__attribute__((always_inline)) inline void product(const float* s, const float* v, float* out,
                                                   int64_t m_dim, int64_t k_dim, int64_t n_dim,
                                                   int64_t ld, bool acc) {
  constexpr int64_t kStrip = int64_t(kLanes) * kCols;
  int64_t n = 0;
  for (; n + kStrip <= n_dim; n += kStrip) {
    int64_t m = 0;
    for (; m + kRows <= m_dim; m += kRows)
      product_block<kLanes, kRows, kCols>(s + m, v + n, out + m * ld + n, m_dim, k_dim, n_dim,
                                          ld, acc);
    for (; m < m_dim; ++m)
      product_block<kLanes, 1, kCols>(s + m, v + n, out + m * ld + n, m_dim, k_dim, n_dim,
                                          ld, acc);
  }
  for (; n + kLanes <= n_dim; n += kLanes) {
    int64_t m = 0;
    for (; m + kRows <= m_dim; m += kRows)
      product_block<kLanes, kRows, 1>(s + m, v + n, out + m * ld + n, m_dim, k_dim, n_dim,
                                          ld, acc);
    for (; m < m_dim; ++m)
      product_block<kLanes, 1, 1>(s + m, v + n, out + m * ld + n, m_dim, k_dim, n_dim,
                                          ld, acc);
  }
  for (; n < n_dim; ++n)
    for (int64_t m = 0; m < m_dim; ++m) {
      const float sum = product_element(s, v, m, n, m_dim, k_dim, n_dim);
      float& o = out[m * ld + n];
      o = acc ? sum + o : sum;
    }
}

// Block shapes per register file: AVX-512 has 32 zmm (8 x 2 accumulators of 16 lanes), AVX2 and
// SSE 16 registers (6 x 2 accumulators, plus 2 loads and a broadcast).
__attribute__((target("avx512f"))) void product_avx512(const float* s, const float* v,
                                                        float* out, int64_t m_dim, int64_t k_dim,
                                                        int64_t n_dim, int64_t ld,
                                                        bool accumulate) {
  product<16, 8, 2>(s, v, out, m_dim, k_dim, n_dim, ld, accumulate);
}

__attribute__((target("avx2"))) void product_avx2(const float* s, const float* v, float* out,
                                                   int64_t m_dim, int64_t k_dim, int64_t n_dim,
                                                   int64_t ld, bool accumulate) {
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
