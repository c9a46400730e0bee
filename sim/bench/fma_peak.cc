#include "sim/bench/fma_peak.h"

#include <algorithm>
#include <cstring>
#include <ctime>

namespace trnsim::sim {
namespace {

using isa::sem::CpuLevel;

template <int kLanes, int kChains>
struct Shape {
  static constexpr int lanes = kLanes, chains = kChains;
};
// Accumulators per level: the register file less the two broadcast constants.
using Avx512Shape = Shape<16, 30>;
using Avx2Shape = Shape<8, 14>;
using BaselineShape = Shape<4, 14>;

// The chains, inlined into each target-specific entry point so that they are compiled for it.
template <int kLanes, int kChains>
__attribute__((always_inline)) inline float chains(int64_t steps, float start, float m,
                                                   float a) {
  typedef float Vec __attribute__((vector_size(kLanes * sizeof(float))));
  Vec acc[kChains];
#pragma GCC unroll 32
  for (int j = 0; j < kChains; ++j) acc[j] = Vec{} + (start + float(j) / 1024);
  const Vec mv = Vec{} + m, av = Vec{} + a;
  for (int64_t s = 0; s < steps; ++s) {
#pragma GCC unroll 32
    for (int j = 0; j < kChains; ++j) acc[j] = acc[j] * mv + av;
  }
  // Every chain feeds the result's checksum, so none is dead; chain 0's lane 0 is returned.
  Vec sum{};
#pragma GCC unroll 32
  for (int j = 0; j < kChains; ++j) sum = sum + acc[j];
  float lanes[kLanes];
  std::memcpy(lanes, &sum, sizeof lanes);
  volatile float checksum = 0;
  for (float l : lanes) checksum = checksum + l;
  float first;
  std::memcpy(&first, &acc[0], sizeof first);
  return first;
}

__attribute__((target("avx512f"), optimize("fp-contract=fast"))) float chains_avx512(
    int64_t steps, float start, float m, float a) {
  return chains<Avx512Shape::lanes, Avx512Shape::chains>(steps, start, m, a);
}

__attribute__((target("avx2,fma"), optimize("fp-contract=fast"))) float chains_avx2(
    int64_t steps, float start, float m, float a) {
  return chains<Avx2Shape::lanes, Avx2Shape::chains>(steps, start, m, a);
}

float chains_baseline(int64_t steps, float start, float m, float a) {
  return chains<BaselineShape::lanes, BaselineShape::chains>(steps, start, m, a);
}

}  // namespace

double process_cpu_s() {
  timespec t{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return double(t.tv_sec) + double(t.tv_nsec) * 1e-9;
}

int64_t fma_flops_per_step(CpuLevel level) {
  switch (isa::sem::cpu_level_capped(level)) {
    case CpuLevel::kAvx512: return 2 * Avx512Shape::lanes * Avx512Shape::chains;
    case CpuLevel::kAvx2: return 2 * Avx2Shape::lanes * Avx2Shape::chains;
    case CpuLevel::kBaseline: break;
  }
  return 2 * BaselineShape::lanes * BaselineShape::chains;
}

float fma_chains(CpuLevel level, int64_t steps, float start, float m, float a) {
  switch (isa::sem::cpu_level_capped(level)) {
    case CpuLevel::kAvx512: return chains_avx512(steps, start, m, a);
    case CpuLevel::kAvx2: return chains_avx2(steps, start, m, a);
    case CpuLevel::kBaseline: break;
  }
  return chains_baseline(steps, start, m, a);
}

double measured_fma_peak_gflops(double seconds) {
  const CpuLevel level = isa::sem::cpu_level();
  // m < 1 and a > 0 keep every chain near a / (1 - m): finite and normal for any step count.
  const auto rate = [level](int64_t steps, double* took) {
    const double t0 = process_cpu_s();
    fma_chains(level, steps, 1.0f, 0.999f, 0.001f);
    *took = process_cpu_s() - t0;
    return double(steps) * double(fma_flops_per_step(level)) / std::max(*took, 1e-9) / 1e9;
  };
  int64_t steps = int64_t(1) << 16;
  double took = 0;
  while (rate(steps, &took), took < seconds && steps < (int64_t(1) << 40)) steps *= 2;
  double best = 0;
  for (int i = 0; i < 3; ++i) best = std::max(best, rate(steps, &took));
  return best;
}

}  // namespace trnsim::sim
