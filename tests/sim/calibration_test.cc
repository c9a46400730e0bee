// The calibration measurement of shared/hardware/NEURONCORE.md: LayerNorm over [4096, 8192] fp32
// on trn1, statistics by reductions (measured p50 2311 us) versus by bn_stats/bn_aggr (measured
// p50 1969 us). The simulator must rank them the same way. The traces come from the kernel
// library (scripts/make_calibration_traces.sh). Times are printed, not tuned: costs follow the
// documented rules only. Besides the ranking, each time must stay within a factor of two of
// the measurement (a wider miss means a wrong vector/scalar or DMA model, per the same page).
#include <gtest/gtest.h>

#include <cstdio>
#include <string>

#include "isa/trace_json.h"
#include "isa/validate.h"
#include "sim/config/hw_config.h"
#include "sim/simulate.h"

namespace trnsim::sim {
namespace {

constexpr double kMeasuredReductionsUs = 2311;
constexpr double kMeasuredBnStatsUs = 1969;

double simulated_us(const std::string& variant, const HwConfig& cfg) {
  isa::Program p = isa::read_trace_file(std::string(TRNSIM_SOURCE_DIR) +
                                        "/traces/layernorm_4096x8192_fp32_" + variant + ".json");
  isa::validate(p, cfg.memory.limits);
  return simulate(p, cfg, Mode::kTimingOnly, nullptr).total_ns / 1e3;
}

TEST(Calibration, LayerNormBnStatsIsFasterThanReductionsOnTrn1) {
  const HwConfig cfg = load_target("trn1");
  const double reductions = simulated_us("reductions", cfg);
  const double bn_stats = simulated_us("bn_stats", cfg);
  std::printf("[calibration] layernorm 4096x8192 fp32 trn1: reductions %.1f us (measured %.0f), "
              "bn_stats %.1f us (measured %.0f); bn_stats %.1f%% faster (measured %.1f%%)\n",
              reductions, kMeasuredReductionsUs, bn_stats, kMeasuredBnStatsUs,
              100 * (1 - bn_stats / reductions),
              100 * (1 - kMeasuredBnStatsUs / kMeasuredReductionsUs));
  EXPECT_LT(bn_stats, reductions);
  for (auto [simulated, measured] : {std::pair{reductions, kMeasuredReductionsUs},
                                     std::pair{bn_stats, kMeasuredBnStatsUs}}) {
    EXPECT_GT(simulated, measured / 2);
    EXPECT_LT(simulated, measured * 2);
  }
}

}  // namespace
}  // namespace trnsim::sim
