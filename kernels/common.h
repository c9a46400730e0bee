// Building blocks shared by the kernel families: row-tile loops with edge tiles, broadcasting
// an HBM row vector to all partitions, constant tiles, and small shape helpers.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "kernels/builder.h"
#include "kernels/registry.h"

namespace trnsim::kernels {

inline constexpr int64_t kPartitions = 128;
inline constexpr int64_t kPsumBankFp32 = 512;  // fp32 elements per partition in one PSUM bank

// Calls fn(start, count) for consecutive tiles of at most `tile` over [0, total).
void for_tiles(int64_t total, int64_t tile, const std::function<void(int64_t, int64_t)>& fn);

// Loads the HBM row `row` ([1, cols] view) into every partition of a new SBUF tile
// [128, cols] of `dtype`, broadcasting with matmuls against a ones column (K = 1) through PSUM.
Ref broadcast_row(Builder& b, const std::string& name, const Ref& row, isa::DType dtype);

// A [partitions, 1] fp32 SBUF tile holding `value` in every partition.
Ref constant_column(Builder& b, const std::string& name, double value,
                    int64_t partitions = kPartitions);

// Reference helpers (float64).
Mat round_mat(const Mat& m, isa::DType dtype);  // each element rounded through dtype

// Throws trnsim::Error if cfg.get(name) is outside [lo, hi].
void require_range(const KernelConfig& cfg, const std::string& kernel, const std::string& name,
                   int64_t lo, int64_t hi);

}  // namespace trnsim::kernels
