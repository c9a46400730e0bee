// The fp32 multiply-add rate one core reaches at a CPU level (isa/semantics/cpu_level.h):
// independent chains of acc = acc * m + a, as many accumulators as the level's register file
// holds, so that only the multiply-add units limit the rate. It is the ceiling of nc_matmul's
// product at that level (the same vector width and, where the level has it, the same fused
// multiply-add), so 2 M N K flops over it is the least CPU time any M x N x K product can take.
// `trnsim bench --targets` prints that floor under the GEMM targets.
#pragma once

#include <cstdint>

#include "isa/semantics/cpu_level.h"

namespace trnsim::sim {

// Flops of one step of fma_chains at `level` (lanes x accumulators x 2), after capping `level`
// to the CPU's.
int64_t fma_flops_per_step(isa::sem::CpuLevel level);

// Runs `steps` steps of every chain at `level` (capped to the CPU's), each chain starting from
// its own value `start + j / 1024` (j = chain index) and every lane of a chain alike; returns
// chain 0's final value. AVX2 and AVX-512 fuse each step (one rounding, like std::fmaf), the
// baseline level rounds the product and then the sum.
float fma_chains(isa::sem::CpuLevel level, int64_t steps, float start, float m, float a);

// CPU seconds (user + system) this process has used so far.
double process_cpu_s();

// The best of three measured rates, in GFLOP/s of CPU time, at the level nc_matmul runs at
// (isa::sem::cpu_level()); each measurement runs for at least `seconds`.
double measured_fma_peak_gflops(double seconds);

}  // namespace trnsim::sim
