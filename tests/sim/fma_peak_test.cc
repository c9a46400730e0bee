// The multiply-add chains behind the bench's GEMM floor: each level computes the recurrence it
// claims (fused where the level has a fused multiply-add, product then sum on the baseline), on
// every chain, so its flop count is honest; and the measured rate is a finite positive figure.
#include <gtest/gtest.h>

#include <cmath>

#include "isa/semantics/cpu_level.h"
#include "sim/bench/fma_peak.h"

namespace trnsim::sim {
namespace {

using isa::sem::CpuLevel;

float reference_chain(int64_t steps, float x, float m, float a, bool fused) {
  for (int64_t s = 0; s < steps; ++s) {
    if (fused) {
      x = std::fmaf(x, m, a);
    } else {
      const volatile float product = x * m;  // rounded on its own
      x = product + a;
    }
  }
  return x;
}

TEST(FmaPeak, EveryLevelComputesItsRecurrence) {
  // At step 1 the exact product, 1 + 2^-11 + 2^-24, is a tie that rounds down on its own, and
  // up with a added before the one rounding: fused and unfused chains part at once.
  const float start = 1 + 0x1p-12f, m = 1 + 0x1p-12f, a = 0x1p-25f;
  for (CpuLevel level : {CpuLevel::kBaseline, CpuLevel::kAvx2, CpuLevel::kAvx512}) {
    const CpuLevel ran = isa::sem::cpu_level_capped(level);
    const bool fused = ran != CpuLevel::kBaseline;
    for (int64_t steps : {int64_t(0), int64_t(1), int64_t(7), int64_t(30), int64_t(1000)}) {
      EXPECT_EQ(fma_chains(level, steps, start, m, a), reference_chain(steps, start, m, a, fused))
          << isa::sem::cpu_level_name(ran) << " after " << steps << " steps";
    }
    EXPECT_NE(reference_chain(1, start, m, a, true), reference_chain(1, start, m, a, false));
    EXPECT_EQ(fma_flops_per_step(level) % 8, 0);
  }
  EXPECT_EQ(fma_flops_per_step(CpuLevel::kBaseline), 2 * 4 * 14);
}

TEST(FmaPeak, MeasuredRateIsPositiveAndFinite) {
  const double gflops = measured_fma_peak_gflops(0.01);
  EXPECT_GT(gflops, 0.1);
  EXPECT_TRUE(std::isfinite(gflops));
}

}  // namespace
}  // namespace trnsim::sim
