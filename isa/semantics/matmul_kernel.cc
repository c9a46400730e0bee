#include "isa/semantics/matmul_kernel.h"

#include <cstring>

namespace trnsim::isa::sem {
namespace {

// 16 floats: one AVX-512 register, two AVX2 registers, four SSE registers, as the caller's
// target allows (GCC vector extension).
typedef float Vec16 __attribute__((vector_size(64)));
constexpr int64_t kLanes = 16;
constexpr int64_t kRows = 4;  // output rows per block: 4 independent accumulators per k

// The kernel body, inlined into each target-specific entry point below so that the vector code
// is compiled for that target. Blocks of kRows x 16 outputs; leftovers one row / one column at a
// time, all with the same per-element k order.
__attribute__((always_inline)) inline void matmul_body(const float* w, const float* v, float* out,
                                                       int64_t m_dim, int64_t k_dim,
                                                       int64_t n_dim) {
  int64_t m = 0;
  for (; m + kRows <= m_dim; m += kRows) {
    const float* w0 = w + m * k_dim;
    const float* w1 = w0 + k_dim;
    const float* w2 = w1 + k_dim;
    const float* w3 = w2 + k_dim;
    int64_t n = 0;
    for (; n + kLanes <= n_dim; n += kLanes) {
      Vec16 a0 = {}, a1 = {}, a2 = {}, a3 = {};
      for (int64_t k = 0; k < k_dim; ++k) {
        Vec16 x;
        std::memcpy(&x, v + k * n_dim + n, sizeof x);
        const Vec16 p0 = w0[k] * x, p1 = w1[k] * x, p2 = w2[k] * x, p3 = w3[k] * x;
        a0 = a0 + p0;
        a1 = a1 + p1;
        a2 = a2 + p2;
        a3 = a3 + p3;
      }
      std::memcpy(out + m * n_dim + n, &a0, sizeof a0);
      std::memcpy(out + (m + 1) * n_dim + n, &a1, sizeof a1);
      std::memcpy(out + (m + 2) * n_dim + n, &a2, sizeof a2);
      std::memcpy(out + (m + 3) * n_dim + n, &a3, sizeof a3);
    }
    for (; n < n_dim; ++n) {
      for (int64_t r = 0; r < kRows; ++r) {
        const float* wr = w + (m + r) * k_dim;
        float sum = 0.0f;
        for (int64_t k = 0; k < k_dim; ++k) {
          const float p = wr[k] * v[k * n_dim + n];
          sum = sum + p;
        }
        out[(m + r) * n_dim + n] = sum;
      }
    }
  }
  for (; m < m_dim; ++m) {
    const float* wr = w + m * k_dim;
    int64_t n = 0;
    for (; n + kLanes <= n_dim; n += kLanes) {
      Vec16 a = {};
      for (int64_t k = 0; k < k_dim; ++k) {
        Vec16 x;
        std::memcpy(&x, v + k * n_dim + n, sizeof x);
        const Vec16 p = wr[k] * x;
        a = a + p;
      }
      std::memcpy(out + m * n_dim + n, &a, sizeof a);
    }
    for (; n < n_dim; ++n) {
      float sum = 0.0f;
      for (int64_t k = 0; k < k_dim; ++k) {
        const float p = wr[k] * v[k * n_dim + n];
        sum = sum + p;
      }
      out[m * n_dim + n] = sum;
    }
  }
}

__attribute__((target("avx512f"))) void matmul_avx512(const float* w, const float* v, float* out,
                                                       int64_t m_dim, int64_t k_dim,
                                                       int64_t n_dim) {
  matmul_body(w, v, out, m_dim, k_dim, n_dim);
}

__attribute__((target("avx2"))) void matmul_avx2(const float* w, const float* v, float* out,
                                                  int64_t m_dim, int64_t k_dim, int64_t n_dim) {
  matmul_body(w, v, out, m_dim, k_dim, n_dim);
}

void matmul_baseline(const float* w, const float* v, float* out, int64_t m_dim, int64_t k_dim,
                     int64_t n_dim) {
  matmul_body(w, v, out, m_dim, k_dim, n_dim);
}

}  // namespace

const MatmulVariant* matmul_variants(int* count) {
  static const MatmulVariant variants[] = {
      {"avx512f", matmul_avx512, bool(__builtin_cpu_supports("avx512f"))},
      {"avx2", matmul_avx2, bool(__builtin_cpu_supports("avx2"))},
      {"baseline", matmul_baseline, true},
  };
  *count = int(sizeof variants / sizeof variants[0]);
  return variants;
}

MatmulKernel matmul_kernel() {
  static const MatmulKernel chosen = [] {
    int n = 0;
    const MatmulVariant* v = matmul_variants(&n);
    for (int i = 0; i < n; ++i)
      if (v[i].supported) return v[i].kernel;
    return matmul_baseline;
  }();
  return chosen;
}

}  // namespace trnsim::isa::sem
