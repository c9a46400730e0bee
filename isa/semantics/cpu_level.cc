#include "isa/semantics/cpu_level.h"

#include <algorithm>
#include <cstdlib>
#include <string>

#include "isa/error.h"

namespace trnsim::isa::sem {

CpuLevel cpu_level_from(const char* env) {
  if (!env || !*env) return cpu_level_supported();
  const std::string_view value(env);
  for (CpuLevel l : {CpuLevel::kBaseline, CpuLevel::kAvx2, CpuLevel::kAvx512})
    if (value == cpu_level_name(l)) return cpu_level_capped(l);
  throw Error("TRNSIM_CPU_LEVEL='" + std::string(value.substr(0, 40)) +
              "' is not a CPU level (known: baseline, avx2, avx512)");
}

std::string_view cpu_level_name(CpuLevel level) {
  switch (level) {
    case CpuLevel::kAvx512: return "avx512";
    case CpuLevel::kAvx2: return "avx2";
    case CpuLevel::kBaseline: break;
  }
  return "baseline";
}

CpuLevel cpu_level_supported() {
  static const CpuLevel best = [] {
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f")) return CpuLevel::kAvx512;
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return CpuLevel::kAvx2;
    return CpuLevel::kBaseline;
  }();
  return best;
}

CpuLevel cpu_level_capped(CpuLevel requested) {
  return CpuLevel(std::min(int(requested), int(cpu_level_supported())));
}

CpuLevel cpu_level() {
  static const CpuLevel chosen = cpu_level_from(std::getenv("TRNSIM_CPU_LEVEL"));
  return chosen;
}

}  // namespace trnsim::isa::sem
