// Runtime CPU dispatch for the functional plane's vector kernels (nc_matmul's product, bulk
// dtype conversions). The library is built for baseline x86-64; kernels compiled with
// __attribute__((target(...))) are chosen at run time from what the CPU supports. Every level
// gives bit-identical results (the kernels only vectorise across independent elements), so the
// level is a speed choice only.
//
// TRNSIM_CPU_LEVEL=baseline|avx2|avx512 caps the level (for tests and for comparing speed); a
// level the CPU lacks is capped to the best it has. An unknown value is an error naming it.
#pragma once

#include <string_view>

namespace trnsim::isa::sem {

enum class CpuLevel { kBaseline = 0, kAvx2 = 1, kAvx512 = 2 };

// "baseline", "avx2", "avx512".
std::string_view cpu_level_name(CpuLevel level);
// The best level the running CPU supports (AVX-512 needs avx512f, AVX2 needs avx2 and
// fma).
CpuLevel cpu_level_supported();
// The level in use: the supported one, capped by TRNSIM_CPU_LEVEL (read once). Throws
// trnsim::Error for an unknown TRNSIM_CPU_LEVEL value.
CpuLevel cpu_level();
// `requested` capped to what the CPU supports.
CpuLevel cpu_level_capped(CpuLevel requested);
// The level for a TRNSIM_CPU_LEVEL value (null or empty: the supported level), capped to the
// CPU's. Throws trnsim::Error naming the variable for an unknown value.
CpuLevel cpu_level_from(const char* env_value);

}  // namespace trnsim::isa::sem
